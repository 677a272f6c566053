-- frozen.lua - a frozen layer against PyTorch (fixtures/frozen.*, made by make_fixtures.py):
-- the batch norm and the first Linear frozen with module:freeze() (PyTorch: requires_grad =
-- False, and bn.eval()), the convolution before them and the last Linear trained by Adam.
local nn, optim = require "nn", require "optim"
return {
  name   = "frozen",
  input  = {5, 2, 4, 4},
  net    = nn.Sequential {
             nn.Conv2d(2, 3, 3, {padding = 1}),
             nn.BatchNorm2d(3):freeze(),
             nn.ReLU(), nn.Flatten(),
             nn.Linear(48, 8):freeze(),
             nn.ReLU(),
             nn.Linear(8, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 0.01},
}
