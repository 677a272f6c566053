-- expect: betas_nan.lua:4: optim.Adam: betas\[1\] must be in \[0, 1\), got -?nan
local nn, optim = require "nn", require "optim"
return { input = {2, 2}, net = nn.Linear(2, 1), target = {2, 1}, loss = nn.MSELoss(),
  optim = optim.Adam{betas = {0/0, 0.999}} }
