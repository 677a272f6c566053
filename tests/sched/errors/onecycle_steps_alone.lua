-- expect: onecycle_steps_alone\.lua:9: optim\.OneCycleLR: steps_per_epoch needs epochs
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.OneCycleLR{max_lr = 0.1, steps_per_epoch = 50},
}
