-- expect: name_too_long.lua:3: dlc.param: a name is 1 to 256 bytes long, got 100000
local dlc, init = require "dlc", require "init"
local w = dlc.param(("w"):rep(100000), {2}, init.zeros())
return {}
