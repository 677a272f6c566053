-- expect: dropout_nan.lua:5: nn.Dropout\(p\): p must be in \[0, 1\), got -?nan
-- NaN compares false with everything: it must not slip through
local nn = require "nn"
return { input = {4, 3},
         net = nn.Sequential { nn.Dropout(0 / 0) } }
