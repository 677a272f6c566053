-- gc_bn1d_ncl.lua - gradient check of BatchNorm1d on [N, C, L] in training mode, non-default
-- eps and momentum, after a Linear along L.
local nn, optim = require "nn", require "optim"
return { name = "gc_bn1d_ncl", input = {3, 2, 4},
         net = nn.Sequential { nn.Linear(4, 4), nn.BatchNorm1d(2, {eps = 1e-3, momentum = 0.2}), nn.Sigmoid() },
         target = {3, 2, 4}, loss = nn.MSELoss{reduction = "sum"}, optim = optim.SGD{lr = 0.1} }
