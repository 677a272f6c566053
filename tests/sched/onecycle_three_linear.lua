-- onecycle_three_linear.lua - written by tests/sched/make_fixtures.py (do not edit): the scheduler of the
-- sched_lr_onecycle_three_linear test, whose PyTorch learning rates are in fixtures/onecycle_three_linear.txt.
local nn, optim = require "nn", require "optim"
return {
  name      = "onecycle_three_linear",
  input     = {4, 3},
  net       = nn.Sequential { nn.Linear(3, 2) },
  target    = {classes = 2},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.Adam{lr = 1e-3},
  scheduler = optim.OneCycleLR{max_lr = 0.01, epochs = 4, steps_per_epoch = 25, pct_start = 0.25, anneal_strategy = "linear", three_phase = true, div_factor = 10, final_div_factor = 100},
}
