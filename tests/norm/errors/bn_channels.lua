-- expect: bn_channels.lua:6: nn.BatchNorm1d\(3\) expects \[N, C\] or \[N, C, L\] input with 3 channels in dim 2, got shape \[4,5\]
-- BatchNorm1d(3) on 5 features: the error names the module's line and both sizes
local nn, optim = require "nn", require "optim"
return {
  input = {4, 5},
  net = nn.Sequential { nn.BatchNorm1d(3) },
  target = {4, 5}, loss = nn.MSELoss(), optim = optim.SGD{lr = 0.1},
}
