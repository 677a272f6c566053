-- expect: narrow_range.lua:4: narrow: elements 3 to 6 are outside dim 2 of size 5
local dlc, optim = require "dlc", require "optim"
local x = dlc.input("x", {2, 5})
local y = x:narrow(2, 3, 4)
return { inputs = {x}, outputs = {y} }
