-- expect: loss_unknown_option.lua:5: nn.HuberLoss: unknown option .beta. \(known: delta, reduction\)
local nn, optim = require "nn", require "optim"
return {
  input = {4, 2}, net = nn.Linear(2, 1), target = {4, 1},
  loss = nn.HuberLoss{beta = 1},
  optim = optim.SGD{lr = 0.1},
}
