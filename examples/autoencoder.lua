-- autoencoder.lua - an autoencoder for Fashion-MNIST: each image squeezed through 32 values and
-- back, 784-128-32-128-784 with ReLU and a sigmoid at the end (pixels are in [0, 1]), batch 64,
-- mean squared error against the input itself (target = "input": no labels), Adam.
--   dlc train examples/autoencoder.lua --epochs 5
local nn, optim = require "nn", require "optim"
return {
  name   = "autoencoder",
  input  = {64, 784},                          -- each 28x28 image as 784 values
  net    = nn.Sequential {
             nn.Linear(784, 128), nn.ReLU(),
             nn.Linear(128, 32), nn.ReLU(),       -- the code
             nn.Linear(32, 128), nn.ReLU(),
             nn.Linear(128, 784), nn.Sigmoid() },
  target = "input",
  loss   = nn.MSELoss(),
  optim  = optim.Adam{lr = 1e-3},
}
