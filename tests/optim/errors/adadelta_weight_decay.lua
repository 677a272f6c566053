-- expect: adadelta_weight_decay\.lua:8: optim\.Adadelta: weight_decay must be in \[0, inf\), got -0\.01
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adadelta{weight_decay = -0.01},
}
