-- step_default.lua - written by tests/sched/make_fixtures.py (do not edit): the scheduler of the
-- sched_lr_step_default test, whose PyTorch learning rates are in fixtures/step_default.txt.
local nn, optim = require "nn", require "optim"
return {
  name      = "step_default",
  input     = {4, 3},
  net       = nn.Sequential { nn.Linear(3, 2) },
  target    = {classes = 2},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.Adam{lr = 0.003},
  scheduler = optim.StepLR{step_size = 2},
}
