-- expect: io_open.lua:3: io.open is not available: model files run in a sandbox
local nn = require "nn"
local f = io.open("/etc/passwd")
return {input = {1, 2}, net = nn.Linear(2, 1)}
