-- fashion_mlp.lua - the multilayer perceptron for Fashion-MNIST that `make quickstart` trains:
-- 784-256-128-10 with ReLU and dropout, batch 64, cross-entropy, Adam.
--   dlc train examples/fashion_mlp.lua --epochs 10 --plot curves.svg
local nn, optim = require "nn", require "optim"
return {
  name   = "fashion_mlp",
  input  = {64, 1, 28, 28},
  net    = nn.Sequential {
             nn.Flatten(),
             nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.1),
             nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.1),
             nn.Linear(128, 10) },
  target = {classes = 10},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 1e-3},
}
