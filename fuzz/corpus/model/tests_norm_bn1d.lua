-- bn1d.lua - case "bn1d" of make_fixtures.py ([N, C]), with the same modules, hence the
-- same state_dict: a Linear along the last dim, the batch norm, Flatten, and a readout Linear
-- whose weight's gradient is minus the training-mode batch-norm output (see bn_test.c).
local nn, optim = require "nn", require "optim"
return {
  name   = "bn1d",
  input  = {8, 4},
  net    = nn.Sequential {
             nn.Linear(4, 3),
             nn.BatchNorm1d(3),
             nn.Flatten(),
             nn.Linear(3, 8, {bias = false}) },
  target = {8, 8},                          -- the identity
  loss   = nn.KLDivLoss{reduction = "sum"}, -- = -sum of the readout's diagonal
  optim  = optim.SGD{lr = 0.1},
}
