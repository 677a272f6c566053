-- expect: clip_inf\.lua:[0-9]+: spec\.clip_grad_norm must be a positive number \(the maximal global L2 norm\), got inf
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{},
  clip_grad_norm = math.huge,
}
