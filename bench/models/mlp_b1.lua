-- mlp_b1.lua - examples/mlp.lua at batch 1: the latency of one training step and one
-- inference of the 784-256-128-10 MLP (bench/run.sh's batch-1 row).
local nn, optim = require "nn", require "optim"

return {
  name   = "mlp_b1",
  input  = {1, 1, 28, 28},
  net    = nn.Sequential {
             nn.Flatten(),
             nn.Linear(784, 256), nn.ReLU(),
             nn.Linear(256, 128), nn.ReLU(),
             nn.Linear(128, 10) },
  target = {classes = 10},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.05, momentum = 0.9},
}
