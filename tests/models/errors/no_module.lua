-- expect: no_module.lua:3: nn has no module 'Relu' \(did you mean ReLU\?\)
local nn, optim = require "nn", require "optim"
local net = nn.Sequential{nn.Linear(4, 2), nn.Relu()}
return {input = {2, 4}, net = net, target = {classes = 2}, loss = nn.CrossEntropyLoss(), optim = optim.SGD{lr = 0.1}}
