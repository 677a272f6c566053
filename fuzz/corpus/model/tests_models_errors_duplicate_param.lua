-- expect: duplicate_param.lua:4: parameter name 'w' is also used at line 3
local dlc, init = require "dlc", require "init"
local a = dlc.param("w", {2}, init.zeros())
local b = dlc.param("w", {2}, init.zeros())
local x = dlc.input("x", {2})
return {inputs = {x}, outputs = {x * a + b}}
