-- expect: milestones_not_list\.lua:9: optim\.MultiStepLR: milestones must be a list of epoch numbers, e\.g\. \{30, 80\}
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.MultiStepLR{milestones = {first = 3}},
}
