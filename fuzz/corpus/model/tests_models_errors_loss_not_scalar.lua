-- expect: loss_not_scalar.lua:7: the loss must be a scalar; reduce it with :mean\(\) or :sum\(\)
local dlc, init, optim = require "dlc", require "init", require "optim"
local x = dlc.input("x", {4, 2})
local w = dlc.param("w", {2, 1}, init.zeros())
local err = x:matmul(w) ^ 2
return {inputs = {x}, outputs = {err},
        loss = err, optim = optim.SGD{lr = 0.1}}
