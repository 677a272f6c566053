-- expect: onecycle_both\.lua:9: optim\.OneCycleLR: give total_steps, or epochs \(and steps_per_epoch\), not both
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.OneCycleLR{max_lr = 0.1, total_steps = 100, epochs = 2},
}
