-- expect: shape_huge.lua:3: a tensor of more than 2147483647 elements is too large
local dlc = require "dlc"
local x = dlc.input("x", {65536, 65536})
return {}
