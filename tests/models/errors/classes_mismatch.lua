-- expect: classes_mismatch.lua:6: the net outputs 10 scores per sample but the target has 3 classes
local nn, optim = require "nn", require "optim"
return {
  input = {8, 4}, net = nn.Linear(4, 10),
  target = {classes = 3}, loss = nn.CrossEntropyLoss(), optim = optim.SGD{lr = 0.1},
}
