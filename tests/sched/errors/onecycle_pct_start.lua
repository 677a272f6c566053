-- expect: onecycle_pct_start\.lua:9: optim\.OneCycleLR: pct_start must be in \[0, 1\], got 1\.5
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.OneCycleLR{max_lr = 0.1, total_steps = 10, pct_start = 1.5},
}
