-- expect: adadelta_rho\.lua:8: optim\.Adadelta: rho must be in \[0, 1\], got 1\.5
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adadelta{rho = 1.5},
}
