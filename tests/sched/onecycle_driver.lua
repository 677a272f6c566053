-- onecycle_driver.lua - written by tests/sched/make_fixtures.py (do not edit): the scheduler of the
-- sched_lr_onecycle_driver test, whose PyTorch learning rates are in fixtures/onecycle_driver.txt.
local nn, optim = require "nn", require "optim"
return {
  name      = "onecycle_driver",
  input     = {4, 3},
  net       = nn.Sequential { nn.Linear(3, 2) },
  target    = {classes = 2},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.OneCycleLR{max_lr = 0.3, pct_start = 0.4},
}
