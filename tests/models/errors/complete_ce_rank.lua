-- expect: complete_ce_rank.lua:6: --loss cross_entropy needs an output of \[batch, classes\], got 4x2x5
-- args: --loss cross_entropy
local dlc, nn = require "dlc", require "nn"
local x = dlc.input("x", {4, 2, 3})
local y = nn.Linear(3, 5, {name = "fc"})(x)
return { inputs = {x}, outputs = {y} }
