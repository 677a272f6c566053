-- expect: conv_rank.lua:3: nn.Conv2d\(1, 4, 3\) expects an \[N, C, H, W\] input, got shape \[64,784\]
local nn = require "nn"
return {input = {64, 784}, net = nn.Sequential{nn.Conv2d(1, 4, 3), nn.Flatten()}}
