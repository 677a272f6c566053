-- expect: no_module_far.lua:3: nn has no module 'Hopfield'
local nn = require "nn"
local m = nn.Hopfield(4, 8)
return {input = {2, 4}, net = m}
