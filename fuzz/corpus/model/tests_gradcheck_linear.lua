-- linear.lua - nn.Linear called on tensors: with and without bias, on a 2-D input and on a
-- 3-D input (applied to the last dim), and on a computed tensor so the gradient also flows
-- back into its input.
local dlc, nn, optim = require "dlc", require "nn", require "optim"

local x = dlc.input("x", {3, 4})
local x3 = dlc.input("x3", {2, 3, 4})
local w = dlc.input("w", {3, 5})
local w3 = dlc.input("w3", {2, 3, 5})

local l1 = nn.Linear(4, 5)
local l2 = nn.Linear(4, 5, {bias = false})
local l3 = nn.Linear(5, 5)
local h = l1(x):tanh()

local loss = (h * w):sum() + (l2(x) * w * w):sum() + (l3(h) * w):sum()
  + (l1(x3) * w3):sum() + (l2(x3):tanh() * w3):sum()

return { name = "linear", inputs = {x, x3, w, w3}, outputs = {h}, loss = loss / 10,
         optim = optim.SGD{lr = 0.1} }
