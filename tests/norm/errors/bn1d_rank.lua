-- expect: bn1d_rank.lua:5: nn.BatchNorm1d\(3\) expects \[N, C\] or \[N, C, L\] input with 3 channels in dim 2, got shape \[4,3,2,2\]
-- BatchNorm1d on a 4-D input (that is BatchNorm2d's job)
local nn = require "nn"
return { input = {4, 3, 2, 2},
         net = nn.Sequential { nn.BatchNorm1d(3) } }
