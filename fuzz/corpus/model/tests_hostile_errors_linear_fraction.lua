-- expect: linear_fraction.lua:3: nn.Linear.*
local nn = require "nn"
return { input = {2, 2}, net = nn.Linear(2.5, 2) }
