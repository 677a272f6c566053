-- bn2d.lua - case "bn2d" of make_fixtures.py ([N, C, H, W]), with the same modules, hence the
-- same state_dict: a Linear along the last dim, the batch norm, Flatten, and a readout Linear
-- whose weight's gradient is minus the training-mode batch-norm output (see bn_test.c).
local nn, optim = require "nn", require "optim"
return {
  name   = "bn2d",
  input  = {3, 2, 4, 5},
  net    = nn.Sequential {
             nn.Linear(5, 5),
             nn.BatchNorm2d(2),
             nn.Flatten(),
             nn.Linear(40, 3, {bias = false}) },
  target = {3, 3},                          -- the identity
  loss   = nn.KLDivLoss{reduction = "sum"}, -- = -sum of the readout's diagonal
  optim  = optim.SGD{lr = 0.1},
}
