-- course_matmul.lua - COURSE.md's matrix product [3 4 2] . [[13 9 7], [8 7 4], [6 4 0]]
-- = [83 63 37]; the matrix is the parameter w, loaded by the driver.
local dlc = require "dlc"
local x = dlc.input("x", {1, 3})
local w = dlc.param("w", {3, 3})
return { name = "course_matmul", inputs = {x}, outputs = {x:matmul(w)} }
