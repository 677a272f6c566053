-- expect: name_control.lua:3: dlc.param: a name may not hold control characters \(byte 2 is U\+001B\)
local dlc, init = require "dlc", require "init"
local w = dlc.param("w\27[31m", {2}, init.zeros())
return {}
