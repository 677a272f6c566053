-- adamw_mlp.lua - the MLP of sgd_mlp.lua under optim.AdamW
local nn, optim = require "nn", require "optim"
return {
  name   = "adamw_mlp",
  input  = {16, 20},
  net    = nn.Sequential { nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 24), nn.Tanh(), nn.Linear(24, 5) },
  target = {classes = 5},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.AdamW{lr = 0.01, weight_decay = 0.1},
}
