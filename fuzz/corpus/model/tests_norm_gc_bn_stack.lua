-- gc_bn_stack.lua - gradient check of two batch norms in a row of layers, the second without
-- affine parameters, batch of 2 (the smallest training allows).
local nn, optim = require "nn", require "optim"
return { name = "gc_bn_stack", input = {2, 4},
         net = nn.Sequential { nn.Linear(4, 5), nn.BatchNorm1d(5), nn.Tanh(), nn.Linear(5, 5),
                               nn.BatchNorm1d(5, {affine = false, eps = 1e-2}), nn.Linear(5, 3) },
         target = {2, 3}, loss = nn.MSELoss(), optim = optim.SGD{lr = 0.1} }
