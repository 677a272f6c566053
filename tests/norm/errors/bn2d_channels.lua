-- expect: bn2d_channels.lua:5: nn.BatchNorm2d\(8\) expects \[N, C, H, W\] input with 8 channels in dim 2, got shape \[2,3,4,4\]
-- BatchNorm2d(8) on 3 channels
local nn = require "nn"
return { input = {2, 3, 4, 4},
         net = nn.Sequential { nn.BatchNorm2d(8) } }
