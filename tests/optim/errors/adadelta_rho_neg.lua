-- expect: adadelta_rho_neg\.lua:8: optim\.Adadelta: rho must be in \[0, 1\], got -0\.1
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adadelta{rho = -0.1},
}
