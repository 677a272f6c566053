-- expect: table_growth.lua(: the model file used more than 512 MiB of memory and was stopped|:4: the model file ran for more than 5 s)
local t = {}
local i = 0
while true do i = i + 1; t[i] = {i} end
