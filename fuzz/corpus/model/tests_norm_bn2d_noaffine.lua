-- bn2d_noaffine.lua - case "bn2d_noaffine" of make_fixtures.py (no affine), with the same modules, hence the
-- same state_dict: a Linear along the last dim, the batch norm, Flatten, and a readout Linear
-- whose weight's gradient is minus the training-mode batch-norm output (see bn_test.c).
local nn, optim = require "nn", require "optim"
return {
  name   = "bn2d_noaffine",
  input  = {2, 3, 3, 3},
  net    = nn.Sequential {
             nn.Linear(3, 3),
             nn.BatchNorm2d(3, {eps = 1e-4, momentum = 0.5, affine = false}),
             nn.Flatten(),
             nn.Linear(27, 2, {bias = false}) },
  target = {2, 2},                          -- the identity
  loss   = nn.KLDivLoss{reduction = "sum"}, -- = -sum of the readout's diagonal
  optim  = optim.SGD{lr = 0.1},
}
