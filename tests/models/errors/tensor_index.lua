-- expect: tensor_index.lua:4: a tensor cannot be indexed with \[\.\.\.\] \(got a table key\)
local dlc = require "dlc"
local x = dlc.input("x", {2, 3})
local y = x[{{}, 2}]
return {inputs = {x}, outputs = {y}}
