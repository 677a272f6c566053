-- adagrad_mlp.lua - the MLP of sgd_mlp.lua under optim.Adagrad
local nn, optim = require "nn", require "optim"
return {
  name   = "adagrad_mlp",
  input  = {16, 20},
  net    = nn.Sequential { nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 24), nn.Tanh(), nn.Linear(24, 5) },
  target = {classes = 5},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adagrad{lr = 0.1, lr_decay = 0.01},
}
