-- expect: conv_padding_mode.lua:3: nn.Conv2d: padding_mode must be "zeros" or "replicate", got "reflect"
local nn = require "nn"
return {input = {1, 8, 8}, net = nn.Sequential{nn.Conv2d(1, 4, 3, {padding = 1, padding_mode = "reflect"})}}
