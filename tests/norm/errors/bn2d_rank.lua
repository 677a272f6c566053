-- expect: bn2d_rank.lua:5: nn.BatchNorm2d\(3\) expects \[N, C, H, W\] input with 3 channels in dim 2, got shape \[4,3\]
-- BatchNorm2d on a 2-D input: the right channel count, the wrong rank
local nn = require "nn"
return { input = {4, 3},
         net = nn.Sequential { nn.BatchNorm2d(3) } }
