-- reduce.lua - reshape, view, flatten and the reductions: sum() and sum(dim) with and without
-- keepdim, on every dim of a 3-D tensor and counted from the end, mean() and mean(dim), max(dim)
-- both ways and max() of everything.  Random values have no ties, so max is differentiable.
local dlc, init, optim = require "dlc", require "init", require "optim"

local a = dlc.param("a", {2, 3, 4}, init.normal(0, 1))
local w = dlc.input("w", {2, 3, 4})
local w12 = dlc.input("w12", {12})
local w34 = dlc.input("w34", {3, 4})
local w24 = dlc.input("w24", {2, 4})
local w23 = dlc.input("w23", {2, 3})
local w2 = dlc.input("w2", {2})

local x = a * a + a  -- not linear, so sums of x carry a non-constant gradient
local loss = (x:reshape(6, 4):reshape({4, 6}):view(2, -1, 4) * w):sum()
  + (x:flatten():reshape(2, 12) * w12):sum()          -- flatten to 1-D; [2,12] * [12]
  + (x:flatten(2) * w12):sum() + (x:flatten(1, 2):reshape(2, 3, 4) * w):sum()
  + (x:sum(1) * w34):sum() + (x:sum(2, true) * w):sum()
  + (x:sum(3) * w23):sum() + (x:sum(-1, true) * w):sum()
  + x:sum() * 0.3 + x:mean() - (x:mean(2) * w24):sum() + (x:mean(3, true) * w):sum()
  + (a:max(1) * w34):sum() + (a:max(2) * w24):sum()
  + (a:max(3, true) * w):sum() + (a:max(-1) * w23):sum()
  + a:max() * 2 + (x:sum(3):sum(2) * w2):sum()

return { name = "reduce", inputs = {w, w12, w34, w24, w23, w2}, outputs = {x}, loss = loss / 10,
         optim = optim.SGD{lr = 0.1} }
