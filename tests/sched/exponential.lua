-- exponential.lua - written by tests/sched/make_fixtures.py (do not edit): the scheduler of the
-- sched_lr_exponential test, whose PyTorch learning rates are in fixtures/exponential.txt.
local nn, optim = require "nn", require "optim"
return {
  name      = "exponential",
  input     = {4, 3},
  net       = nn.Sequential { nn.Linear(3, 2) },
  target    = {classes = 2},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.Adam{lr = 1e-3},
  scheduler = optim.ExponentialLR{gamma = 0.9},
}
