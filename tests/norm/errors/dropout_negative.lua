-- expect: dropout_negative.lua:5: nn.Dropout\(p\): p must be in \[0, 1\), got -0.1
-- a negative probability
local nn = require "nn"
return { input = {4, 3},
         net = nn.Sequential { nn.Dropout(-0.1) } }
