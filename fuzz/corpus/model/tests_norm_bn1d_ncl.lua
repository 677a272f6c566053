-- bn1d_ncl.lua - case "bn1d_ncl" of make_fixtures.py ([N, C, L]), with the same modules, hence the
-- same state_dict: a Linear along the last dim, the batch norm, Flatten, and a readout Linear
-- whose weight's gradient is minus the training-mode batch-norm output (see bn_test.c).
local nn, optim = require "nn", require "optim"
return {
  name   = "bn1d_ncl",
  input  = {4, 3, 5},
  net    = nn.Sequential {
             nn.Linear(5, 5),
             nn.BatchNorm1d(3, {eps = 1e-3, momentum = 0.3}),
             nn.Flatten(),
             nn.Linear(15, 4, {bias = false}) },
  target = {4, 4},                          -- the identity
  loss   = nn.KLDivLoss{reduction = "sum"}, -- = -sum of the readout's diagonal
  optim  = optim.SGD{lr = 0.1},
}
