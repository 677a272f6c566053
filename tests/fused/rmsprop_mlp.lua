-- rmsprop_mlp.lua - the MLP of sgd_mlp.lua under optim.RMSprop
local nn, optim = require "nn", require "optim"
return {
  name   = "rmsprop_mlp",
  input  = {16, 20},
  net    = nn.Sequential { nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 24), nn.Tanh(), nn.Linear(24, 5) },
  target = {classes = 5},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.RMSprop{lr = 0.01, momentum = 0.5, centered = true},
}
