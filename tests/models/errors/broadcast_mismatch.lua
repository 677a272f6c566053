-- expect: broadcast_mismatch.lua:5: add: shapes \[3,4\] and \[5\] do not broadcast
local dlc = require "dlc"
local a = dlc.input("a", {3, 4})
local b = dlc.input("b", {5})
local c = a + b
return {inputs = {a, b}, outputs = {c}}
