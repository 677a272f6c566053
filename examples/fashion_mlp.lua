-- fashion_mlp.lua - the multilayer perceptron for Fashion-MNIST that `make quickstart` trains:
-- 784-256-128-10 with ReLU, batch 64, cross-entropy, SGD with momentum.
--   dlc train examples/fashion_mlp.lua --epochs 10 --plot curves.svg
local nn, optim = require "nn", require "optim"

return {
  name   = "fashion_mlp",
  input  = {64, 1, 28, 28},
  net    = nn.Sequential {
             nn.Flatten(),
             nn.Linear(784, 256), nn.ReLU(),
             nn.Linear(256, 128), nn.ReLU(),
             nn.Linear(128, 10) },
  target = {classes = 10},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.03, momentum = 0.9, nesterov = true},
}
