-- expect: adam_beta2\.lua:8: optim\.Adam: betas\[2\] must be in \[0, 1\), got -0\.1
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{betas = {0.9, -0.1}},
}
