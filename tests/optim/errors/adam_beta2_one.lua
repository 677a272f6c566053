-- expect: adam_beta2_one\.lua:8: optim\.Adam: betas\[2\] must be in \[0, 1\), got 1
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{betas = {0.9, 1.0}},
}
