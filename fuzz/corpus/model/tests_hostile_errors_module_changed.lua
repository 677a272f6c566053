-- expect: module_changed.lua:3: nn is dlc's module and cannot be changed \(nn.Linear = ...\)
local nn = require "nn"
nn.Linear = function() end
return {}
