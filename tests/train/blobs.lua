-- blobs.lua - the CSV classifier of the `dlc train` tests: 4 features of data/blobs.csv,
-- 3 classes, 4-16-3 with ReLU, batch 8, cross-entropy, SGD with momentum.  Its state_dict
-- has bands.lua's names (net.1.weight, ...) with other shapes: the checkpoint-mismatch test.
local nn, optim = require "nn", require "optim"

return {
  name   = "blobs",
  input  = {8, 4},
  net    = nn.Sequential {
             nn.Flatten(),
             nn.Linear(4, 16), nn.ReLU(),
             nn.Linear(16, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.1, momentum = 0.9},
}
