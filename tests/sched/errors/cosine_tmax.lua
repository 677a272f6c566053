-- expect: cosine_tmax\.lua:9: optim\.CosineAnnealingLR: T_max must be a positive integer, got 0
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.CosineAnnealingLR{T_max = 0},
}
