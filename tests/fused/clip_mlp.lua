-- clip_mlp.lua - the MLP of sgd_mlp.lua under Adam with clip_grad_norm: the clipping reads every
-- gradient before any update, so no update may be fused
local nn, optim = require "nn", require "optim"
return {
  name   = "clip_mlp",
  input  = {16, 20},
  net    = nn.Sequential { nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 24), nn.Tanh(), nn.Linear(24, 5) },
  target = {classes = 5},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 0.01},
  clip_grad_norm = 0.5,
}
