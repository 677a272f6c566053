-- expect: no_optimizer.lua:4: optim has no optimizer 'sgd' \(did you mean SGD\?\)
local nn, optim = require "nn", require "optim"
return {input = {2, 4}, net = nn.Linear(4, 2), target = {classes = 2}, loss = nn.CrossEntropyLoss(),
        optim = optim.sgd{lr = 0.1}}
