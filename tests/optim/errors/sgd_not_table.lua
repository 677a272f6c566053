-- expect: sgd_not_table\.lua:8: optim\.SGD takes a table of options, e\.g\. optim\.SGD{lr = 0\.01}
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD(0.1),
}
