-- expect: prelu_channels.lua:3: nn.PReLU\(3\) has 3 slopes, one per channel \(dim 2\), but the input has shape \[2,4\]
local nn = require "nn"
return {input = {2, 4}, net = nn.Sequential{nn.Linear(4, 4), nn.PReLU{num_parameters = 3}}}
