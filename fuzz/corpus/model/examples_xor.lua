-- xor.lua - the smallest net that needs a hidden layer: 2-4-1, sigmoid output, MSE.
-- XOR is not linearly separable; one neuron cannot learn it, a hidden layer can.
local nn, optim = require "nn", require "optim"

return {
  name   = "xor",
  input  = {4, 2},                       -- the four rows of the truth table, as one batch
  net    = nn.Sequential {
             nn.Linear(2, 4), nn.Tanh(),
             nn.Linear(4, 1), nn.Sigmoid() },
  target = {4, 1},                       -- 0 or 1 per row
  loss   = nn.MSELoss(),
  optim  = optim.SGD{lr = 0.5, momentum = 0.9},
}
