-- expect: lr_inf.lua:4: optim.Adam: lr must be a finite number
local nn, optim = require "nn", require "optim"
return { input = {2, 2}, net = nn.Linear(2, 1), target = {2, 1}, loss = nn.MSELoss(),
  optim = optim.Adam{lr = math.huge} }
