-- expect: not_a_scheduler\.lua:10: spec\.scheduler must be a learning-rate scheduler, e\.g\. optim\.StepLR\{step_size = 10\}
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.SGD{lr = 0.5},
}
