-- onecycle_three_cos.lua - written by tests/sched/make_fixtures.py (do not edit): the scheduler of the
-- sched_lr_onecycle_three_cos test, whose PyTorch learning rates are in fixtures/onecycle_three_cos.txt.
local nn, optim = require "nn", require "optim"
return {
  name      = "onecycle_three_cos",
  input     = {4, 3},
  net       = nn.Sequential { nn.Linear(3, 2) },
  target    = {classes = 2},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.AdamW{lr = 1e-3},
  scheduler = optim.OneCycleLR{max_lr = 0.02, total_steps = 77, three_phase = true},
}
