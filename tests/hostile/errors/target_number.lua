-- expect: target_number.lua:3: spec.target must be {classes = K}, a shape like {64, 1}, or "input" \(the input is the target\)
local nn, optim = require "nn", require "optim"
return { input = {2, 2}, net = nn.Linear(2, 1), target = 5, loss = nn.MSELoss(), optim = optim.SGD{lr = 0.1} }
