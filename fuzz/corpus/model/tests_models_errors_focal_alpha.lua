-- expect: focal_alpha.lua:5: nn.FocalLoss: alpha must be in \[0, 1\], got 1.5
local nn, optim = require "nn", require "optim"
return {
  input = {4, 2}, net = nn.Linear(2, 3), target = {classes = 3},
  loss = nn.FocalLoss{alpha = 1.5, gamma = 2},
  optim = optim.SGD{lr = 0.1},
}
