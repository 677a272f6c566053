-- cosine_default.lua - written by tests/sched/make_fixtures.py (do not edit): the scheduler of the
-- sched_lr_cosine_default test, whose PyTorch learning rates are in fixtures/cosine_default.txt.
local nn, optim = require "nn", require "optim"
return {
  name      = "cosine_default",
  input     = {4, 3},
  net       = nn.Sequential { nn.Linear(3, 2) },
  target    = {classes = 2},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.RMSprop{lr = 0.01},
  scheduler = optim.CosineAnnealingLR{T_max = 7},
}
