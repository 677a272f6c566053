-- course_forward.lua - COURSE.md's worked forward pass: x = (95, 4, 4), w = (0.01, 0.02, 0.03),
-- b = 0.01 -> z = 1.16, sigmoid 0.76133; next layer w = 0.02, b = 0.03 -> z = 0.045227,
-- sigmoid 0.511305.  Weights are loaded by the driver; all four values are outputs.
local dlc = require "dlc"
local x  = dlc.input("x", {1, 3})
local w1 = dlc.param("w1", {3, 1})
local b1 = dlc.param("b1", {1})
local w2 = dlc.param("w2", {1, 1})
local b2 = dlc.param("b2", {1})
local z1 = x:matmul(w1) + b1
local a1 = z1:sigmoid()
local z2 = a1:matmul(w2) + b2
local a2 = z2:sigmoid()
return { name = "course_forward", inputs = {x}, outputs = {z1, a1, z2, a2} }
