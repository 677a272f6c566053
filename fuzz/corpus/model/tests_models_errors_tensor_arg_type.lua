-- expect: tensor_arg_type.lua:4: matmul expects a tensor, got string
local dlc = require "dlc"
local x = dlc.input("x", {2, 2})
local y = x:matmul("w")
return {inputs = {x}, outputs = {y}}
