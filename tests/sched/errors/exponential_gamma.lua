-- expect: exponential_gamma\.lua:9: optim\.ExponentialLR: gamma must be >= 0, got -0\.5
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.ExponentialLR{gamma = -0.5},
}
