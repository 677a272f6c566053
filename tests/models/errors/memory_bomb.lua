-- expect: memory_bomb.lua: the model file used more than 512 MiB of memory and was stopped
-- args: --lua-timeout 120
local t = {}
local s = string.rep("x", 1 << 20)
for i = 1, 1e9 do t[i] = s .. i end
return {}
