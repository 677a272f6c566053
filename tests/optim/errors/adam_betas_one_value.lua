-- expect: adam_betas_one_value\.lua:8: optim\.Adam: betas must be two numbers, e\.g\. {0\.9, 0\.999}
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{betas = {0.9}},
}
