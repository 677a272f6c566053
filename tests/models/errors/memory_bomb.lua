-- expect: memory_bomb.lua: the model file used more than 512 MiB of memory and was stopped
local t = {}
local s = string.rep("x", 1 << 20)
for i = 1, 1e9 do t[i] = s .. i end
return {}
