-- gc_bn1d.lua - gradient check of BatchNorm1d on [N, C] in training mode, between two Linear
-- layers (the first one's bias has gradient 0: batch norm removes a per-feature shift).
local nn, optim = require "nn", require "optim"
return { name = "gc_bn1d", input = {6, 4},
         net = nn.Sequential { nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Tanh(), nn.Linear(3, 2) },
         target = {6, 2}, loss = nn.MSELoss(), optim = optim.SGD{lr = 0.1} }
