-- expect: shape_nan.lua:3: shape dimension 1 must be a positive integer
local dlc = require "dlc"
local x = dlc.input("x", {0/0, 2})
return {}
