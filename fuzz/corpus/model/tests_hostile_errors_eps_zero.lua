-- expect: eps_zero.lua:4: optim.Adam: eps must be .*
local nn, optim = require "nn", require "optim"
return { input = {2, 2}, net = nn.Linear(2, 1), target = {2, 1}, loss = nn.MSELoss(),
  optim = optim.Adam{eps = -1} }
