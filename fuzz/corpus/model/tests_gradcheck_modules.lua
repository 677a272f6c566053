-- modules.lua - the containers and activation modules: nn.Sequential built from a table and
-- with :add, nn.Flatten, nn.Identity, nn.Tanh, nn.Sigmoid, nn.ReLU, nn.Softmax and
-- nn.LogSoftmax (on dims 1, 2 and the default last dim).
local dlc, nn, optim = require "dlc", require "nn", require "optim"

local x = dlc.input("x", {8, 2, 2})
local w = dlc.input("w", {8, 4})

local body = nn.Sequential {
  nn.Flatten(), nn.Linear(4, 6), nn.ReLU(), nn.Identity(), nn.Linear(6, 5), nn.Tanh() }
local head = nn.Sequential():add(nn.Linear(5, 6)):add(nn.Sigmoid()):add(nn.Linear(6, 4))
local h = head(body(x))

local loss = (nn.Softmax(2)(h) * w):sum() + (nn.Softmax(1)(h) * w):sum()
  + (nn.LogSoftmax(2)(h) * w):sum() + (nn.LogSoftmax()(h) * w * w):sum() * 0.5
  + (nn.ReLU()(h) * w):sum() + (nn.Identity()(h) * w * w):sum()

return { name = "modules", inputs = {x, w}, outputs = {h}, loss = loss / 10,
         optim = optim.SGD{lr = 0.1} }
