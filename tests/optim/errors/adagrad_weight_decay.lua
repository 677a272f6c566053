-- expect: adagrad_weight_decay\.lua:8: optim\.Adagrad: weight_decay must be in \[0, inf\), got -0\.1
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adagrad{weight_decay = -0.1},
}
