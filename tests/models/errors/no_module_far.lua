-- expect: no_module_far.lua:3: nn has no module 'LSTM'
local nn = require "nn"
local m = nn.LSTM(4, 8)
return {input = {2, 4}, net = m}
