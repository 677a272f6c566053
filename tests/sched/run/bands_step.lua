-- bands_step.lua - tests/train/bands.lua with a StepLR schedule that halves the rate every
-- epoch (0.02, 0.01, 0.005, ...): resume and --early-stop with a schedule (sched_train).
local dlc, nn, optim = require "dlc", require "nn", require "optim"
return {
  name      = "bands",
  input     = {16, 1, 6, 6},
  net       = nn.Sequential { nn.Flatten(), nn.Linear(36, 16), nn.ReLU(), nn.Linear(16, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = dlc.arg.lr or 0.02, momentum = 0.9},
  scheduler = optim.StepLR{step_size = 1, gamma = 0.5},
}
