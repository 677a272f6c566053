-- expect: shape_zero.lua:3: shape dimension 2 must be a positive integer
local nn = require "nn"
return { input = {4, 0}, net = nn.Linear(2, 2) }
