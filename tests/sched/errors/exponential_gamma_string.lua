-- expect: exponential_gamma_string\.lua:9: optim\.ExponentialLR: gamma must be a number, got string
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.ExponentialLR{gamma = "0.9"},
}
