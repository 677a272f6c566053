-- expect: input_name_twice.lua:4: input 'x' declared twice
local dlc = require "dlc"
local a = dlc.input("x", {2, 2})
local b = dlc.input("x", {2, 2})
return { inputs = {a, b}, outputs = {a + b} }
