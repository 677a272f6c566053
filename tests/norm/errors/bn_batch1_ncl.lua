-- expect: bn_batch1_ncl.lua:6: nn.BatchNorm1d\(2\): training needs more than 1 value per channel
-- [1, C, 1]: one value per channel too ([1, C, L] with L > 1 is fine, as in PyTorch)
local nn, optim = require "nn", require "optim"
return {
  input = {1, 2, 1},
  net = nn.Sequential { nn.BatchNorm1d(2) },
  target = {1, 2, 1}, loss = nn.MSELoss(), optim = optim.SGD{lr = 0.1},
}
