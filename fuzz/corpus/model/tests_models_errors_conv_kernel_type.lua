-- expect: conv_kernel_type.lua:3: nn.Conv2d: kernel_size must be an integer or a pair \{h, w\} of integers, got 2.5
local nn = require "nn"
return {input = {1, 8, 8}, net = nn.Sequential{nn.Conv2d(1, 4, 2.5)}}
