-- expect: pool_unknown_option.lua:3: nn.MaxPool2d: unknown option .ceil_mode. \(known: padding, stride\)
local nn = require "nn"
return {input = {1, 8, 8}, net = nn.Sequential{nn.MaxPool2d(2, {ceil_mode = true})}}
