-- expect: name_newline.lua:3: dlc.input: a name may not hold control characters \(byte 2 is U\+000A\)
local dlc = require "dlc"
local x = dlc.input("x\n#define y", {2, 2})
return {}
