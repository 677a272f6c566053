-- prob_ce.lua - PyTorch reference case (make_fixtures.py "prob_ce"): MLP 4-6-3 with Tanh,
-- cross-entropy against probability targets (rows summing to 1), SGD with momentum.
local nn, optim = require "nn", require "optim"
return {
  name   = "prob_ce",
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3) },
  target = {5, 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.2, momentum = 0.9},
}
