-- expect: step_size_fraction\.lua:9: optim\.StepLR: step_size must be a positive integer, got 2\.5
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.StepLR{step_size = 2.5},
}
