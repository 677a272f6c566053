-- expect: loss_string.lua:3: spec.loss must be a loss module \(e.g. nn.MSELoss\(\)\) or a scalar tensor
local nn, optim = require "nn", require "optim"
return { input = {2, 2}, net = nn.Linear(2, 1), target = {2, 1}, loss = "mse", optim = optim.SGD{lr = 0.1} }
