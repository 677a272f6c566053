-- cosine.lua - written by tests/sched/make_fixtures.py (do not edit): the scheduler of the
-- sched_lr_cosine test, whose PyTorch learning rates are in fixtures/cosine.txt.
local nn, optim = require "nn", require "optim"
return {
  name      = "cosine",
  input     = {4, 3},
  net       = nn.Sequential { nn.Linear(3, 2) },
  target    = {classes = 2},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1, momentum = 0.9},
  scheduler = optim.CosineAnnealingLR{T_max = 5, eta_min = 0.001},
}
