-- expect: adam_unknown\.lua:8: optim\.Adam: unknown option 'beta1' \(known: amsgrad, betas, eps, lr, weight_decay\)
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 1e-3, beta1 = 0.9},
}
