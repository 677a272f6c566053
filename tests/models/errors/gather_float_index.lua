-- expect: gather_float_index.lua:5: gather: the index must be an int32 tensor
local dlc = require "dlc"
local x = dlc.input("x", {3, 4})
local i = dlc.input("i", {3, 2})
local y = x:gather(2, i)
return { inputs = {x, i}, outputs = {y} }
