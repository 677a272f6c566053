-- expect: bad_reduction.lua:5: nn.MSELoss: reduction must be "mean" or "sum", got "avg"
local nn, optim = require "nn", require "optim"
return {
  input = {4, 2}, net = nn.Linear(2, 1), target = {4, 1},
  loss = nn.MSELoss{reduction = "avg"},
  optim = optim.SGD{lr = 0.1},
}
