-- expect: pool_padding_half.lua:3: nn.AvgPool2d: padding 2 is more than half the kernel size \{2, 5\} \(PyTorch.s rule: at most 1\)
local nn = require "nn"
return {input = {1, 8, 8}, net = nn.Sequential{nn.AvgPool2d({2, 5}, {padding = 2}), nn.Flatten()}}
