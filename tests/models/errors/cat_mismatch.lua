-- expect: cat_mismatch.lua:5: dlc.cat: tensor 2 has shape \[2,4\]; each must match \[3,4\] in every dim but dim 2
local dlc = require "dlc"
local a = dlc.input("a", {3, 4})
local b = dlc.input("b", {2, 4})
local y = dlc.cat({a, b:t():t()}, 2)
return { inputs = {a, b}, outputs = {y} }
