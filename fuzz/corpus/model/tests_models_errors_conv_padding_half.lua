-- expect: conv_padding_half.lua:3: nn.Conv2d: padding 2 is more than half the kernel size 3 \(PyTorch.s rule: at most 1\)
local nn = require "nn"
return {input = {1, 8, 8}, net = nn.Sequential{nn.Conv2d(1, 4, 3, {padding = 2}), nn.Flatten()}}
