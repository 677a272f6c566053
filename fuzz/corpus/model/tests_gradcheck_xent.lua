-- xent.lua - nn.CrossEntropyLoss on logits with int32 class indices (target = {classes = K}),
-- mean reduction, in sequential style.
local nn, optim = require "nn", require "optim"

return {
  name = "xent",
  input = {5, 4},
  net = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss = nn.CrossEntropyLoss(),
  optim = optim.SGD{lr = 0.1},
}
