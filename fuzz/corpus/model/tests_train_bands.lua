-- bands.lua - the small image classifier of the `dlc train` tests: 6x6 grayscale images of
-- data/bands-* (3 classes), 36-16-3 with ReLU, batch 16, cross-entropy, SGD with momentum.
-- -D lr=1e-30 freezes the parameters in effect (the evaluation tests compare batch sizes).
local dlc, nn, optim = require "dlc", require "nn", require "optim"

return {
  name   = "bands",
  input  = {16, 1, 6, 6},
  net    = nn.Sequential {
             nn.Flatten(),
             nn.Linear(36, 16), nn.ReLU(),
             nn.Linear(16, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = dlc.arg.lr or 0.02, momentum = 0.9},
}
