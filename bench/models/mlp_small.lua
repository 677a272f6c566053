-- mlp_small.lua - a benchmark net small enough that per-call framework overhead dominates:
-- 64-32-10 with ReLU, batch 32, cross-entropy on class indices, SGD with momentum
-- (the same loss and optimizer as examples/mlp.lua, at about 1/100 of its FLOPs).
local nn, optim = require "nn", require "optim"

return {
  name   = "mlp_small",
  input  = {32, 64},
  net    = nn.Sequential {
             nn.Linear(64, 32), nn.ReLU(),
             nn.Linear(32, 10) },
  target = {classes = 10},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.05, momentum = 0.9},
}
