-- gc_bn2d.lua - gradient check of BatchNorm2d on [N, C, H, W] in training mode, followed by
-- dropout (its mask fixed during gc_grad: keyed by the step count) and a readout Linear.
local nn, optim = require "nn", require "optim"
return { name = "gc_bn2d", input = {2, 3, 2, 3},
         net = nn.Sequential { nn.Linear(3, 3), nn.BatchNorm2d(3), nn.Dropout(0.3), nn.Flatten(), nn.Linear(18, 2) },
         target = {2, 2}, loss = nn.MSELoss(), optim = optim.SGD{lr = 0.1} }
