-- expect: onecycle_max_lr\.lua:9: optim\.OneCycleLR: option max_lr is required
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.OneCycleLR{total_steps = 100},
}
