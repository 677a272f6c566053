-- expect: bad_shape.lua:3: shape dimension 2 must be a positive integer
local dlc = require "dlc"
local x = dlc.input("x", {4, 0})
return {inputs = {x}, outputs = {x}}
