-- expect: shape_rank.lua:3: a shape has at most 8 dimensions, got 9
local dlc = require "dlc"
local x = dlc.input("x", {1, 1, 1, 1, 1, 1, 1, 1, 1})
return {}
