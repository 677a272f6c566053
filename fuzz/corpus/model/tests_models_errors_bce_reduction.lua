-- expect: bce_reduction.lua:5: nn.BCEWithLogitsLoss: reduction must be "mean" or "sum", got "batchmean"
local nn, optim = require "nn", require "optim"
return {
  input = {4, 2}, net = nn.Linear(2, 1), target = {4, 1},
  loss = nn.BCEWithLogitsLoss{reduction = "batchmean"},
  optim = optim.SGD{lr = 0.1},
}
