-- regression.lua - regression with the Huber loss: quadratic for small errors, linear for
-- large ones, so a few outliers in the targets do not dominate the fit.
local nn, optim = require "nn", require "optim"

return {
  name   = "regression",
  input  = {64, 1},
  net    = nn.Sequential {
             nn.Linear(1, 32), nn.Tanh(),
             nn.Linear(32, 1) },
  target = {64, 1},
  loss   = nn.HuberLoss{delta = 1},
  optim  = optim.SGD{lr = 0.05, momentum = 0.9},
}
