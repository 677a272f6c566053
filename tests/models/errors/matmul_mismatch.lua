-- expect: matmul_mismatch.lua:6: matmul: inner dimensions differ: \[8,3\] times \[4,2\] \(3 vs 4\)
local dlc, init = require "dlc", require "init"
local x = dlc.input("x", {8, 3})
local w = dlc.param("w", {4, 2}, init.normal(0, 1))

local y = x:matmul(w)
return {inputs = {x}, outputs = {y}}
