-- expect: linear_negative.lua:3: nn.Linear.*
local nn = require "nn"
return { input = {2, 2}, net = nn.Linear(2, -3) }
