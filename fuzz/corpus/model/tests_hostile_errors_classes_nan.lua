-- expect: classes_nan.lua:4: spec.target.classes must be a positive integer
local nn, optim = require "nn", require "optim"
return { input = {2, 2}, net = nn.Linear(2, 3), target = {classes = 0/0},
  loss = nn.CrossEntropyLoss(), optim = optim.SGD{lr = 0.1} }
