-- bands_augment.lua - tests/train/bands.lua with spec.train.augment = "crop:1,hflip" (sched_augment).
local nn, optim = require "nn", require "optim"
return {
  train  = {augment = "crop:1,hflip", epochs = 1},
  name   = "bands",
  input  = {16, 1, 6, 6},
  net    = nn.Sequential { nn.Flatten(), nn.Linear(36, 16), nn.ReLU(), nn.Linear(16, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.02, momentum = 0.9},
}
