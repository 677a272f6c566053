-- expect: shape_fraction.lua:3: shape dimension 2 must be a positive integer
local dlc = require "dlc"
local x = dlc.input("x", {2, 2.5})
return {}
