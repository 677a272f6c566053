-- reg_mse.lua - PyTorch reference case (make_fixtures.py "reg_mse"): regression MLP 3-6-2 with
-- a Tanh hidden layer and a Sigmoid output, mean squared error, SGD with momentum 0.5.
local nn, optim = require "nn", require "optim"
return {
  name   = "reg_mse",
  input  = {5, 3},
  net    = nn.Sequential { nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 2), nn.Sigmoid() },
  target = {5, 2},
  loss   = nn.MSELoss(),
  optim  = optim.SGD{lr = 0.5, momentum = 0.5},
}
