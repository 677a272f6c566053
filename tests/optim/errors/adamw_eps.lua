-- expect: adamw_eps\.lua:8: optim\.AdamW: eps must be in \(0, inf\), got -1e-08
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.AdamW{eps = -1e-8},
}
