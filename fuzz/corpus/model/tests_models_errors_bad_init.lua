-- expect: bad_init.lua:3: init.uniform\(a, b\) needs a < b
local dlc, init = require "dlc", require "init"
local w = dlc.param("w", {2, 2}, init.uniform(1, -1))
return {inputs = {dlc.input("x", {2})}, outputs = {w}}
