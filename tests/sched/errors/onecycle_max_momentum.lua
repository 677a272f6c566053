-- expect: onecycle_max_momentum\.lua:9: optim\.OneCycleLR: max_momentum is not supported \(dlc does not cycle the momentum
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.OneCycleLR{max_lr = 0.1, max_momentum = 0.9},
}
