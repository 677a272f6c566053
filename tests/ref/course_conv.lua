-- course_conv.lua - COURSE.md's edge detection: a 6x6 image whose left three columns are 0 and
-- right three 1, filtered with the vertical edge kernel [[1,0,-1],[2,0,-2],[1,0,-1]]: without
-- padding, with zero padding 1 and with replicate padding 1 (the kernel is loaded by the driver).
local dlc, nn = require "dlc", require "nn"
local img = dlc.input("img", {1, 1, 6, 6})
local valid = nn.Conv2d(1, 1, 3, {bias = false})
local zeros = nn.Conv2d(1, 1, 3, {padding = 1, bias = false})
local replicate = nn.Conv2d(1, 1, 3, {padding = 1, padding_mode = "replicate", bias = false})
return { name = "course_conv", inputs = {img}, outputs = {valid(img), zeros(img), replicate(img)} }
