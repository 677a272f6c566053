-- expect: no_function.lua:3: dlc has no function 'zeros'
local dlc = require "dlc"
local x = dlc.zeros({2, 2})
return {inputs = {x}, outputs = {x}}
