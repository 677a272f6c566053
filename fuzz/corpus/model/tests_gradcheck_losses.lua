-- losses.lua - the loss modules called on tensors: nn.MSELoss{reduction = "sum"},
-- nn.CrossEntropyLoss with probability targets (mean and sum) and with int32 class indices
-- (sum).  Each loss gets its own logits so a wrong rule cannot hide behind another.
local dlc, nn, init, optim = require "dlc", require "nn", require "init", require "optim"

local y = dlc.input("y", {4, 3})
local t = dlc.input("t", {4, 3})
local cls = dlc.input("cls", {4}, {dtype = "int"})
local a = dlc.param("a", {4, 3}, init.normal(0, 1))
local b = dlc.param("b", {4, 3}, init.normal(0, 1))
local c = dlc.param("c", {4, 3}, init.normal(0, 1))
local d = dlc.param("d", {4, 3}, init.normal(0, 1))
local probs = t:softmax(2)  -- rows that sum to one

local loss = nn.MSELoss{reduction = "sum"}(a, y) / 4
  + nn.CrossEntropyLoss()(b, probs)
  + nn.CrossEntropyLoss{reduction = "sum"}(c, probs) * 0.5
  + nn.CrossEntropyLoss{reduction = "sum"}(d, cls) * 0.3

return { name = "losses", inputs = {y, t, cls}, outputs = {a}, loss = loss,
         optim = optim.SGD{lr = 0.1} }
