-- expect: onecycle_total_zero\.lua:9: optim\.OneCycleLR: total_steps must be a positive integer, got 0
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.OneCycleLR{max_lr = 0.1, total_steps = 0},
}
