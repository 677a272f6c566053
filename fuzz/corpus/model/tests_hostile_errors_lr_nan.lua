-- expect: lr_nan.lua:4: optim.SGD: lr must be a finite number
local nn, optim = require "nn", require "optim"
return { input = {2, 2}, net = nn.Linear(2, 1), target = {2, 1}, loss = nn.MSELoss(),
  optim = optim.SGD{lr = 0/0} }
