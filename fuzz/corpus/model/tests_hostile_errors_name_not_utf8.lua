-- expect: name_not_utf8.lua:3: dlc.param: a name must be UTF-8 text \(byte 2 is not\)
local dlc, init = require "dlc", require "init"
local w = dlc.param("w\255", {2}, init.zeros())
return {}
