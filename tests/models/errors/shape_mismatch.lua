-- expect: shape_mismatch.lua:7: nn.Linear\(128, 10\) expects inputs with 128 features in the last dim, got shape \[64,256\]
local nn, optim = require "nn", require "optim"
return {
  input  = {64, 784},
  net    = nn.Sequential {
    nn.Linear(784, 256), nn.ReLU(),
    nn.Linear(128, 10) },
  target = {classes = 10},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.1},
}
