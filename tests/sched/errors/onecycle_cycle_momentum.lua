-- expect: onecycle_cycle_momentum\.lua:9: optim\.OneCycleLR: cycle_momentum = true is not supported \(dlc does not cycle the momentum: the optimizer.s stays fixed; leave it out, or give cycle_momentum = false\)
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.OneCycleLR{max_lr = 0.1, cycle_momentum = true},
}
