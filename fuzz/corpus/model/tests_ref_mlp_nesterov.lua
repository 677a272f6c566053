-- mlp_nesterov.lua - PyTorch reference case (make_fixtures.py "mlp_nesterov"): mlp_ce's net
-- trained with Nesterov momentum and weight decay.
local nn, optim = require "nn", require "optim"
return {
  name   = "mlp_nesterov",
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 0.01},
}
