-- pool.lua - the gradients of nn.MaxPool2d, nn.MinPool2d and nn.AvgPool2d: disjoint and
-- overlapping windows (the gradient of an element in several windows adds up), padding (max
-- pooling's -inf, average pooling's zeros counted in the divisor), rectangular kernels, odd
-- sizes, a stack conv -> max pool -> conv.  Images are parameters; max and min pooling route
-- the gradient to the extreme element of each window (inputs are random, so no ties); b, of even
-- width, takes max pooling's flat path (tiling windows, row padding, skipped columns).
local dlc, nn, optim, init = require "dlc", require "nn", require "optim", require "init"

local a = dlc.param("a", {2, 3, 6, 7}, init.normal(0, 1))
local b = dlc.param("b", {2, 2, 6, 8}, init.normal(0, 1)) -- even width: max pooling's flat path
local w = {}
for i, s in ipairs {{2, 3, 3, 3}, {2, 3, 3, 4}, {2, 3, 5, 6}, {2, 3, 3, 4}, {2, 3, 6, 7}, {2, 3, 2, 2},
                    {2, 3, 4, 3}, {2, 2, 4, 5}, {2, 2, 3, 4}, {2, 2, 3, 4}, {2, 2, 5, 4}} do
  w[i] = dlc.input("w" .. i, s)
end
local y = {
  nn.MaxPool2d(2)(a),                               -- [2,3,3,3]
  nn.MaxPool2d(3, {stride = 2, padding = 1})(a),    -- [2,3,3,4] -> overlapping, -inf padding
  nn.MinPool2d(2, {stride = 1})(a),                 -- [2,3,5,6] overlapping
  nn.AvgPool2d(3, {stride = 2, padding = 1})(a),    -- [2,3,3,4] zeros counted
  nn.AvgPool2d({1, 1})(a),                          -- identity
  nn.AvgPool2d({3, 2}, {stride = {3, 3}})(a),       -- [2,3,2,2]
  nn.MinPool2d({2, 3}, {stride = {2, 3}, padding = {1, 1}})(a), -- [2,3,4,3]
  nn.Conv2d(3, 2, 2)(nn.MaxPool2d(2, 1)(nn.Conv2d(3, 3, 3, {padding = 1})(a)):relu()), -- [2,2,4,5]
  nn.MaxPool2d(2)(b),                               -- [2,2,3,4] the windows tile the image
  nn.MaxPool2d({3, 2}, {stride = 2, padding = {1, 0}})(b), -- [2,2,3,4] row padding, rows overlap
  nn.MinPool2d({2, 1}, {stride = {1, 2}})(b),       -- [2,2,5,4] every other column
}
local loss = 0
for i = 1, #y do loss = loss + (y[i] * w[i]):sum() end
return { name = "pool", inputs = w, outputs = y, loss = loss / 10, optim = optim.SGD{lr = 0.1} }
