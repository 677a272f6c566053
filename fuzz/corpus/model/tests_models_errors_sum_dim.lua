-- expect: sum_dim.lua:4: sum: dim 3 is out of range for a 2-D tensor \(dims are 1..2\)
local dlc = require "dlc"
local x = dlc.input("x", {2, 3})
local s = x:sum(3)
return {inputs = {x}, outputs = {s}}
