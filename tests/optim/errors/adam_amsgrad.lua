-- expect: adam_amsgrad\.lua:8: optim\.Adam: amsgrad is not supported yet
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{amsgrad = true},
}
