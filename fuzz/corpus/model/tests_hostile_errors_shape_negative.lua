-- expect: shape_negative.lua:3: shape dimension 1 must be a positive integer
local dlc = require "dlc"
local x = dlc.input("x", {-1, 2})
return {}
