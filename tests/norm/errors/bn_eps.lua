-- expect: bn_eps.lua:5: nn.BatchNorm2d: eps must be > 0, got 0
-- eps = 0 would divide by zero on a constant channel
local nn = require "nn"
return { input = {2, 3, 2, 2},
         net = nn.Sequential { nn.BatchNorm2d(3, {eps = 0}) } }
