-- expect: kl_reduction.lua:5: nn.KLDivLoss: reduction must be "mean", "batchmean" or "sum", got "none"
local nn, optim = require "nn", require "optim"
return {
  input = {4, 3}, net = nn.Sequential{nn.Linear(3, 3), nn.LogSoftmax(2)}, target = {4, 3},
  loss = nn.KLDivLoss{reduction = "none"},
  optim = optim.SGD{lr = 0.1},
}
