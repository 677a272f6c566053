-- expect: huber_delta.lua:5: nn.HuberLoss: delta must be > 0 and finite, got 0
local nn, optim = require "nn", require "optim"
return {
  input = {4, 2}, net = nn.Linear(2, 1), target = {4, 1},
  loss = nn.HuberLoss{delta = 0},
  optim = optim.SGD{lr = 0.1},
}
