-- matmul.lua - matmul in all four transpose combinations (written with :t(), which the
-- simplifier folds into the product), a transpose on its own, and products with an input on
-- either side.
local dlc, init, optim = require "dlc", require "init", require "optim"

local a = dlc.param("a", {3, 4}, init.normal(0, 1))
local at = dlc.param("at", {4, 3}, init.normal(0, 1))
local b = dlc.param("b", {4, 2}, init.normal(0, 1))
local bt = dlc.param("bt", {2, 4}, init.normal(0, 1))
local x = dlc.input("x", {2, 3})
local w = dlc.input("w", {3, 2})
local v = dlc.input("v", {4, 3})

local products = {
  a:matmul(b),              -- A B
  at:t():matmul(b),         -- A^T B
  a:matmul(bt:t()),         -- A B^T
  at:t():matmul(bt:t()),    -- A^T B^T
  x:t():matmul(x:matmul(a)):matmul(b),   -- inputs on the left
  a:matmul(v):matmul(x:t()),              -- inputs on the right
}
local loss = (a:t() * v):sum() + (at:t():t() * v):sum()
for i, p in ipairs(products) do loss = loss + (p * w):sum() * i end

return { name = "matmul", inputs = {x, w, v}, outputs = {products[1]}, loss = loss / 10,
         optim = optim.SGD{lr = 0.1} }
