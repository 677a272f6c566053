-- expect: bn_batch1.lua:7: nn.BatchNorm1d\(3\): training needs more than 1 value per channel
-- a batch of one sample: training-mode statistics over one value per channel (PyTorch refuses
-- it too: "Expected more than 1 value per channel when training")
local nn, optim = require "nn", require "optim"
return {
  input = {1, 3},
  net = nn.Sequential { nn.Linear(3, 3), nn.BatchNorm1d(3) },
  target = {1, 3}, loss = nn.MSELoss(), optim = optim.SGD{lr = 0.1},
}
