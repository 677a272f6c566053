-- expect: clip_zero\.lua:[0-9]+: spec\.clip_grad_norm must be a positive number \(the maximal global L2 norm\), got 0
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.1},
  clip_grad_norm = 0,
}
