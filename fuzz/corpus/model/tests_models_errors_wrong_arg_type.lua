-- expect: wrong_arg_type.lua:3: nn.Linear: in_features must be a positive integer, got 784.5
local nn = require "nn"
return {input = {1, 784}, net = nn.Linear(784.5, 10)}
