-- expect: sgd_weight_decay\.lua:8: optim\.SGD: weight_decay must be >= 0, got -0\.0001
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.1, weight_decay = -1e-4},
}
