-- expect: module_internals.lua:5: dlc's library failed on what this line gave it \(dlc/nn.lua:[0-9]+: .*\)
local nn = require "nn"
local l = nn.Linear(2, 2)
l._params = 5
return { input = {4, 2}, net = l }
