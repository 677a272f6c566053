-- bands_onecycle.lua - tests/train/bands.lua with a OneCycleLR schedule over 4 epochs of the
-- run's steps (stepped every batch): resume with a per-batch schedule (sched_train).
local nn, optim = require "nn", require "optim"
return {
  name      = "bands",
  input     = {16, 1, 6, 6},
  net       = nn.Sequential { nn.Flatten(), nn.Linear(36, 16), nn.ReLU(), nn.Linear(16, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.Adam{lr = 1e-3},
  scheduler = optim.OneCycleLR{max_lr = 0.05, epochs = 4},
}
