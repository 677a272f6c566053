-- linreg.lua - linear regression, the smallest model, in the functional style:
-- pred = x w + b, mean squared error, plain gradient descent on the whole batch.
local dlc, init, optim = require "dlc", require "init", require "optim"

local n = dlc.arg.n or 100                -- dlc linreg.lua -D n=1000 changes the batch
local x = dlc.input("x", {n, 1})
local y = dlc.input("y", {n, 1})
local w = dlc.param("w", {1, 1}, init.zeros())
local b = dlc.param("b", {1}, init.zeros())
local pred = x:matmul(w) + b

return {
  name    = "linreg",
  inputs  = {x, y},
  outputs = {pred},
  loss    = ((pred - y) ^ 2):mean(),
  optim   = optim.SGD{lr = 0.1},
}
