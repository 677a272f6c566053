-- expect: adam_eps\.lua:8: optim\.Adam: eps must be in \(0, inf\), got 0
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{eps = 0},
}
