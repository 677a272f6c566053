-- mlp.lua - the fused tests' small MLP (20-30-24-5) under the optimizer -D optim=NAME picks:
-- sgd (Nesterov momentum and weight decay), adam, adamw, rmsprop (centered, momentum), adagrad
-- (lr_decay), clip (Adam with clip_grad_norm: the clipping reads every gradient before any
-- update, so no update may be fused).  Its first weight's rows (20) are not a whole number of
-- vectors: its tiles and its scalar edge both update.
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local configs = {
  sgd = function() return optim.SGD{lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 1e-3} end,
  adam = function() return optim.Adam{lr = 0.01} end,
  adamw = function() return optim.AdamW{lr = 0.01, weight_decay = 0.1} end,
  rmsprop = function() return optim.RMSprop{lr = 0.01, momentum = 0.5, centered = true} end,
  adagrad = function() return optim.Adagrad{lr = 0.1, lr_decay = 0.01} end,
  clip = function() return optim.Adam{lr = 0.01} end,
}
local which = dlc.arg.optim or "sgd"
assert(configs[which], "-D optim= one of sgd, adam, adamw, rmsprop, adagrad, clip")
return {
  name   = which .. "_mlp",
  input  = {16, 20},
  net    = nn.Sequential { nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 24), nn.Tanh(), nn.Linear(24, 5) },
  target = {classes = 5},
  loss   = nn.CrossEntropyLoss(),
  optim  = configs[which](),
  clip_grad_norm = which == "clip" and 0.5 or nil,
}
