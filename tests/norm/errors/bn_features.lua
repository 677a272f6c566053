-- expect: bn_features.lua:5: nn.BatchNorm1d: num_features must be a positive integer, got 0
-- zero features
local nn = require "nn"
return { input = {2, 3},
         net = nn.Sequential { nn.BatchNorm1d(0) } }
