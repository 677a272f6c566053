-- expect: step_unknown\.lua:9: optim\.StepLR: unknown option 'last_epoch' \(known: gamma, step_size\)
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.StepLR{step_size = 2, last_epoch = 3},
}
