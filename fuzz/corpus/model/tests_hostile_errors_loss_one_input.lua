-- expect: loss_one_input.lua:4: nn.MSELoss.*
local dlc, nn = require "dlc", require "nn"
local x = dlc.input("x", {2, 2})
local l = nn.MSELoss()(x)
return { inputs = {x}, outputs = {x} }
