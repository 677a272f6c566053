-- mse.lua - nn.MSELoss with its default mean reduction, in sequential style with a float
-- target shape.
local nn, optim = require "nn", require "optim"

return {
  name = "mse",
  input = {4, 3},
  net = nn.Sequential { nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2) },
  target = {4, 2},
  loss = nn.MSELoss(),
  optim = optim.SGD{lr = 0.1},
}
