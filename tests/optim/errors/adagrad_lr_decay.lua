-- expect: adagrad_lr_decay\.lua:8: optim\.Adagrad: lr_decay must be in \[0, inf\), got -0\.5
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adagrad{lr_decay = -0.5},
}
