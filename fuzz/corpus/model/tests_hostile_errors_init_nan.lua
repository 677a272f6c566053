-- expect: init_nan.lua:3: .*finite
local dlc, init = require "dlc", require "init"
local w = dlc.param("w", {2}, init.constant(0/0))
return {}
