-- expect: adagrad_lr\.lua:8: optim\.Adagrad: lr must be > 0, got -0\.01
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adagrad{lr = -0.01},
}
