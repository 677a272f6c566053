-- bands_onecycle_run.lua - OneCycleLR with neither total_steps nor epochs: dlc train takes the
-- first run's length and keeps it in the checkpoint (sched_train).
local nn, optim = require "nn", require "optim"
return {
  name      = "bands",
  input     = {16, 1, 6, 6},
  net       = nn.Sequential { nn.Flatten(), nn.Linear(36, 16), nn.ReLU(), nn.Linear(16, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.01, momentum = 0.9, nesterov = true},
  scheduler = optim.OneCycleLR{max_lr = 0.1},
}
