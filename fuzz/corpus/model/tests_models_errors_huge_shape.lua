-- expect: huge_shape.lua:3: a tensor of more than 2147483647 elements is too large
local dlc = require "dlc"
local x = dlc.input("x", {100000, 100000})
return {inputs = {x}, outputs = {x}}
