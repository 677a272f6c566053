-- expect: target_not_input.lua:6: spec.target must be one of spec.inputs
local nn, dlc, optim = require "nn", require "dlc", require "optim"
local x = dlc.input("x", {2, 4})
local fc = nn.Linear(4, 3)
local out = fc(x)
return { inputs = {x}, outputs = {out}, target = out, loss = nn.MSELoss(), optim = optim.SGD{lr = 0.1} }
