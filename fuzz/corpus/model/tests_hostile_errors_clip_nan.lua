-- expect: clip_nan.lua:4: spec.clip_grad_norm must be a positive number \(the maximal global L2 norm\), got -?nan
local nn, optim = require "nn", require "optim"
return { input = {2, 2}, net = nn.Linear(2, 1), target = {2, 1}, loss = nn.MSELoss(),
  optim = optim.SGD{lr = 0.1}, clip_grad_norm = 0/0 }
