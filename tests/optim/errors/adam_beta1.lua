-- expect: adam_beta1\.lua:8: optim\.Adam: betas\[1\] must be in \[0, 1\), got 1
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{betas = {1, 0.999}},
}
