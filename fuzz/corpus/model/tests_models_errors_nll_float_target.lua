-- expect: nll_float_target.lua:5: nn.NLLLoss\(\) needs int32 class indices as the target
local nn, optim = require "nn", require "optim"
return {
  input = {4, 3}, net = nn.Sequential{nn.Linear(3, 3), nn.LogSoftmax(2)}, target = {4, 3},
  loss = nn.NLLLoss(),
  optim = optim.SGD{lr = 0.1},
}
