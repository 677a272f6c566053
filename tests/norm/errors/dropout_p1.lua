-- expect: dropout_p1.lua:5: nn.Dropout\(p\): p must be in \[0, 1\), got 1
-- p = 1 drops everything (and would scale by 1/0)
local nn = require "nn"
return { input = {4, 3},
         net = nn.Sequential { nn.Dropout(1) } }
