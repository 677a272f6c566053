-- expect: rmsprop_alpha_big\.lua:8: optim\.RMSprop: alpha must be in \[0, 1\], got 1\.5
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.RMSprop{alpha = 1.5},
}
