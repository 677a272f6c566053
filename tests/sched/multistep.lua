-- multistep.lua - written by tests/sched/make_fixtures.py (do not edit): the scheduler of the
-- sched_lr_multistep test, whose PyTorch learning rates are in fixtures/multistep.txt.
local nn, optim = require "nn", require "optim"
return {
  name      = "multistep",
  input     = {4, 3},
  net       = nn.Sequential { nn.Linear(3, 2) },
  target    = {classes = 2},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.07},
  scheduler = optim.MultiStepLR{milestones = {9, 0, 5, 2, 5}, gamma = 0.3},
}
