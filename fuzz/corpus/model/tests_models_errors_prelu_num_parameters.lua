-- expect: prelu_num_parameters.lua:3: nn.PReLU: num_parameters must be a positive integer, got 0
local nn = require "nn"
return {input = {2, 4}, net = nn.Sequential{nn.Linear(4, 4), nn.PReLU(0)}}
