-- expect: no_method.lua:4: a tensor has no method 'sigmod' \(did you mean sigmoid\?\)
local dlc = require "dlc"
local x = dlc.input("x", {2, 3})
return {inputs = {x}, outputs = {x:sigmod()}}
