-- expect: bn_momentum.lua:5: nn.BatchNorm1d: momentum must be in \[0, 1\], got 1.5
-- momentum outside [0, 1]
local nn = require "nn"
return { input = {2, 3},
         net = nn.Sequential { nn.BatchNorm1d(3, {momentum = 1.5}) } }
