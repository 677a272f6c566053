-- expect: sgd_nesterov\.lua:8: optim\.SGD: nesterov needs a momentum > 0
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.1, nesterov = true},
}
