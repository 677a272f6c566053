-- expect: adagrad_initial_acc\.lua:8: optim\.Adagrad: initial_accumulator_value must be 0 \(state starts at zero\)
local nn, optim = require "nn", require "optim"
return {
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adagrad{initial_accumulator_value = 0.1},
}
