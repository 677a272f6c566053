-- expect: name_empty.lua:3: dlc.param: the first argument is the parameter's name
local dlc, init = require "dlc", require "init"
local w = dlc.param("", {2}, init.zeros())
return {}
