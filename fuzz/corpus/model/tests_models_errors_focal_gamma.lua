-- expect: focal_gamma.lua:5: nn.FocalLoss: gamma must be >= 0 and finite, got -1
local nn, optim = require "nn", require "optim"
return {
  input = {4, 2}, net = nn.Linear(2, 3), target = {classes = 3},
  loss = nn.FocalLoss{gamma = -1},
  optim = optim.SGD{lr = 0.1},
}
