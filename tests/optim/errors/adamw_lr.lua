-- expect: adamw_lr\.lua:8: optim\.AdamW: lr must be > 0, got -0\.001
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.AdamW{lr = -1e-3},
}
