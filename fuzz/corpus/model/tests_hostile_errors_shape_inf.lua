-- expect: shape_inf.lua:3: shape dimension 1 must be a positive integer
local dlc = require "dlc"
local x = dlc.input("x", {math.huge, 2})
return {}
