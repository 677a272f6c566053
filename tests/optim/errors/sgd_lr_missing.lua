-- expect: sgd_lr_missing\.lua:8: optim\.SGD: option lr is required
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{momentum = 0.9},
}
