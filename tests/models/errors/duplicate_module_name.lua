-- expect: duplicate_module_name.lua:4: parameter name 'fc\.(weight|bias)' is also used at line 3
local nn, dlc = require "nn", require "dlc"
local a = nn.Linear(4, 4, {name = "fc"})
local b = nn.Linear(4, 4, {name = "fc"})
local x = dlc.input("x", {2, 4})
return { inputs = {x}, outputs = {b(a(x))} }
