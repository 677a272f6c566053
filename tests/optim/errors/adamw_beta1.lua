-- expect: adamw_beta1\.lua:8: optim\.AdamW: betas\[1\] must be in \[0, 1\), got -0\.5
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.AdamW{betas = {-0.5, 0.999}},
}
