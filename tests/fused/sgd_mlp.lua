-- sgd_mlp.lua - SGD with Nesterov momentum and weight decay on a small MLP whose first weight's
-- rows (20) are not a whole number of vectors: its tiles and its scalar edge both update.
local nn, optim = require "nn", require "optim"
return {
  name   = "sgd_mlp",
  input  = {16, 20},
  net    = nn.Sequential { nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 24), nn.Tanh(), nn.Linear(24, 5) },
  target = {classes = 5},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 1e-3},
}
