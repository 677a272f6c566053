-- bn_large.lua - BatchNorm2d statistics over 64 * 28 * 28 = 50176 values per channel
-- (tests/norm/bn_large_test.c).  momentum = 1: the running statistics become the batch's.
local nn, optim = require "nn", require "optim"
return { name = "bn_large", input = {64, 2, 28, 28},
         net = nn.Sequential { nn.BatchNorm2d(2, {momentum = 1}) },
         target = {64, 2, 28, 28}, loss = nn.MSELoss(), optim = optim.SGD{lr = 0.1} }
