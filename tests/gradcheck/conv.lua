-- conv.lua - nn.Conv2d's data and filter gradients: odd image sizes, stride 2, zero and
-- replicate padding, rectangular kernels and strides, several channels, a kernel as large
-- as the padded image and a 1x1 kernel.  Images are parameters, so their gradient (the data
-- gradient, col2im) is checked along with the weights and biases.
local dlc, nn, optim, init = require "dlc", require "nn", require "optim", require "init"

local function image(name, shape) return dlc.param(name, shape, init.normal(0, 1)) end
local a = image("a", {2, 3, 7, 5})
local b = image("b", {2, 2, 6, 7})
local c = image("c", {1, 2, 2, 3})
local w1 = dlc.input("w1", {2, 4, 4, 3})
local w2 = dlc.input("w2", {2, 3, 3, 8})
local w3 = dlc.input("w3", {1, 3, 1, 1})
local w4 = dlc.input("w4", {2, 2, 6, 7})

local y1 = nn.Conv2d(3, 4, 3, {stride = 2, padding = 1})(a)
local y2 = nn.Conv2d(2, 3, {3, 2}, {stride = {2, 1}, padding = {1, 1}, padding_mode = "replicate"})(b)
local y3 = nn.Conv2d(2, 3, {4, 5}, {padding = {1, 2}, stride = {3, 5}, bias = false})(c)
local y4 = nn.Conv2d(2, 2, 1)(nn.Conv2d(2, 2, 3, {padding = 1, padding_mode = "replicate"})(b):tanh())

local loss = (y1 * w1):sum() + (y2 * w2):sum() + (y3 * w3):sum() + (y4 * w4):sum()
return { name = "conv", inputs = {w1, w2, w3, w4}, outputs = {y1, y2, y3, y4}, loss = loss / 10,
         optim = optim.SGD{lr = 0.1} }
