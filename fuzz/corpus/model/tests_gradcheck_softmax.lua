-- softmax.lua - softmax and log_softmax along dim 1, dim 2 and the default last dim of a
-- matrix, and along the middle dim of a 3-D tensor (a row with elements both before and
-- after it in memory).
local dlc, init, optim = require "dlc", require "init", require "optim"

local a = dlc.param("a", {3, 4}, init.normal(0, 1))
local c = dlc.param("c", {2, 3, 4}, init.normal(0, 1))
local w = dlc.input("w", {3, 4})
local w3 = dlc.input("w3", {2, 3, 4})

local loss = (a:softmax(1) * w):sum() + (a:softmax(2) * w):sum() * 2
  + (a:softmax() * w * w):sum() + (a:log_softmax(1) * w):sum()
  + (a:log_softmax(2) * w):sum() * 0.5 + (a:log_softmax(-1) * w * w):sum()
  + (c:softmax(2) * w3):sum() + (c:log_softmax(2) * w3):sum() * 0.5
  + (c:softmax(3) * w3):sum() + (c:log_softmax(1) * w3):sum() * 0.5

return { name = "softmax", inputs = {w, w3}, outputs = {a:softmax(2)}, loss = loss / 10,
         optim = optim.SGD{lr = 0.1} }
