-- expect: pool_stride_zero.lua:3: nn.MaxPool2d: stride must be at least 1, got \{2, 0\}
local nn = require "nn"
return {input = {1, 8, 8}, net = nn.Sequential{nn.MaxPool2d(2, {stride = {2, 0}}), nn.Flatten()}}
