-- expect: freeze_dot\.lua:6: freeze: call it on a module, as m:freeze\(\)
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential {
             nn.Linear(4, 3).freeze() },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.1},
}
