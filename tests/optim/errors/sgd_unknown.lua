-- expect: sgd_unknown\.lua:8: optim\.SGD: unknown option 'dampening' \(known: lr, momentum, nesterov, weight_decay\)
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.1, dampening = 0.5},
}
