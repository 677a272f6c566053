-- expect: milestones_negative\.lua:9: optim\.MultiStepLR: milestones\[2\] must be a non-negative integer, got -1
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.MultiStepLR{milestones = {3, -1}},
}
