-- expect: conv_stride_zero.lua:3: nn.Conv2d: stride must be at least 1, got 0
local nn = require "nn"
return {input = {1, 8, 8}, net = nn.Sequential{nn.Conv2d(1, 4, 3, {stride = 0}), nn.Flatten()}}
