-- expect: module_extra_input.lua:4: nn.Linear.*
local dlc, nn = require "dlc", require "nn"
local x = dlc.input("x", {2, 2})
local y = nn.Linear(2, 2)(x, x)
return { inputs = {x}, outputs = {y} }
