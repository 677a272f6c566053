-- logsoftmax_sum.lua - PyTorch reference case (make_fixtures.py "logsoftmax_sum"): MLP 4-5-3
-- with Sigmoid and a LogSoftmax output, summed cross-entropy on class indices, SGD with
-- momentum and weight decay.
local nn, optim = require "nn", require "optim"
return {
  name   = "logsoftmax_sum",
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 5), nn.Sigmoid(), nn.Linear(5, 3), nn.LogSoftmax(-1) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss{reduction = "sum"},
  optim  = optim.SGD{lr = 0.05, momentum = 0.9, weight_decay = 0.001},
}
