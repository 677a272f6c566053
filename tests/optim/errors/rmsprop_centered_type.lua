-- expect: rmsprop_centered_type\.lua:8: optim\.RMSprop: centered must be a boolean, got number
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.RMSprop{centered = 1},
}
