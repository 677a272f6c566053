-- expect: step_not_differentiable.lua:6: step is not differentiable, but the gradient of a parameter must flow through it
local nn, optim = require "nn", require "optim"
return {
  input  = {4, 2},
  net    = nn.Sequential{ nn.Linear(2, 1),
                          nn.Step() },
  target = {4, 1},
  loss   = nn.MSELoss(),
  optim  = optim.SGD{lr = 0.1},
}
