-- norm.lua - the data-parallel tests' model with batch norm: each replica normalizes with its
-- own batch's statistics (as DDP without SyncBatchNorm) and the running statistics are averaged
-- every step, so the replicas stay identical (dlc train checks at the end).
local nn, optim = require "nn", require "optim"

return {
  name   = "norm",
  input  = {8, 1, 6, 6},
  net    = nn.Sequential {
             nn.Flatten(),
             nn.Linear(36, 16), nn.BatchNorm1d(16), nn.ReLU(),
             nn.Linear(16, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.05, momentum = 0.9},
}
