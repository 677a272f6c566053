-- expect: name_table.lua:3: dlc.param: the first argument is the parameter's name
local dlc, init = require "dlc", require "init"
local w = dlc.param(setmetatable({}, {__tostring = function() return "w" end}), {2}, init.zeros())
return {}
