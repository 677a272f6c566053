-- expect: leaky_relu_slope.lua:3: nn.LeakyReLU: negative_slope must be a finite number, got inf
local nn = require "nn"
return {input = {2, 4}, net = nn.Sequential{nn.Linear(4, 4), nn.LeakyReLU{negative_slope = math.huge}}}
