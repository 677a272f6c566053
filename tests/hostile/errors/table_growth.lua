-- expect: table_growth.lua: the model file used more than 512 MiB of memory and was stopped
-- args: --lua-timeout 120
local t = {}
local i = 0
while true do i = i + 1; t[i] = {i} end
