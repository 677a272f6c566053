-- mlp_ce.lua - PyTorch reference case (make_fixtures.py "mlp_ce"): MLP 4-8-3 with ReLU,
-- cross-entropy on class indices, SGD with momentum.
local nn, optim = require "nn", require "optim"
return {
  name   = "mlp_ce",
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.1, momentum = 0.9},
}
