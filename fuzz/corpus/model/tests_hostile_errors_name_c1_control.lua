-- expect: name_c1_control.lua:3: dlc.input: a name may not hold control characters \(byte 2 is U\+009B\)
local dlc = require "dlc"
local x = dlc.input("x\u{9B}2J", {2, 2})
return {}
