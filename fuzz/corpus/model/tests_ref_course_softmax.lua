-- course_softmax.lua - COURSE.md's softmax examples: rows [3.2, 1.3, 0.2, 0.8] and
-- [-1, 0, 3, 5] of a (nn.Softmax over dim 2), and [2.0, 1.0, 0.1] (the tensor method).
local dlc, nn = require "dlc", require "nn"
local a = dlc.input("a", {2, 4})
local b = dlc.input("b", {1, 3})
return { name = "course_softmax", inputs = {a, b}, outputs = {nn.Softmax(2)(a), b:softmax()} }
