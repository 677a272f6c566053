-- expect: onecycle_anneal\.lua:9: optim\.OneCycleLR: anneal_strategy must be "cos" or "linear", got "exp"
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.OneCycleLR{max_lr = 0.1, anneal_strategy = "exp"},
}
