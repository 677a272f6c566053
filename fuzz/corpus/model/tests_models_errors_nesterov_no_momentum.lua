-- expect: nesterov_no_momentum.lua:5: optim.SGD: nesterov needs a momentum > 0
local nn, optim = require "nn", require "optim"
return {
  input = {4, 2}, net = nn.Linear(2, 1), target = {4, 1}, loss = nn.MSELoss(),
  optim = optim.SGD{lr = 0.1, nesterov = true},
}
