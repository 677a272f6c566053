-- expect: table_concat_bomb.lua: the model file used more than 512 MiB of memory and was stopped
-- args: --lua-timeout 120
local t = {}
for i = 1, 64 do t[i] = ("y"):rep(1 << 24) end
local s = table.concat(t)
return {}
