-- expect: sequential_cycle.lua:5: nn.Sequential: element 1 is a table, not a module
local nn = require "nn"
local t = {}
t[1] = t
return { input = {2, 2}, net = nn.Sequential(t) }
