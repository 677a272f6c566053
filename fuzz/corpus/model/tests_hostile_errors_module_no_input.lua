-- expect: module_no_input.lua:4: nn.ReLU.*
local dlc, nn = require "dlc", require "nn"
local x = dlc.input("x", {2, 2})
local y = nn.ReLU()()
return { inputs = {x}, outputs = {x} }
