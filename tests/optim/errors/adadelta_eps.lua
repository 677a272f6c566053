-- expect: adadelta_eps\.lua:8: optim\.Adadelta: eps must be in \(0, inf\), got -1e-06
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adadelta{eps = -1e-6},
}
