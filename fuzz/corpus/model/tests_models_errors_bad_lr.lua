-- expect: bad_lr.lua:7: optim.SGD: lr must be > 0, got -0.1
local nn, optim = require "nn", require "optim"
return {
  input = {4, 2}, net = nn.Linear(2, 1),
  target = {4, 1},
  loss = nn.MSELoss(),
  optim = optim.SGD{lr = -0.1},
}
