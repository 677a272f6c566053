-- expect: rmsprop_momentum\.lua:8: optim\.RMSprop: momentum must be in \[0, inf\), got -0\.9
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.RMSprop{momentum = -0.9},
}
