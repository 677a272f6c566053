-- expect: weight_decay_inf.lua:4: optim.AdamW: weight_decay must be .*
local nn, optim = require "nn", require "optim"
return { input = {2, 2}, net = nn.Linear(2, 1), target = {2, 1}, loss = nn.MSELoss(),
  optim = optim.AdamW{weight_decay = math.huge} }
