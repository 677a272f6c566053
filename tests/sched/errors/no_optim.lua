-- expect: no_optim\.lua:4: spec\.scheduler needs spec\.optim: whose learning rate should it change\?
local dlc, optim = require "dlc", require "optim"
local x = dlc.input("x", {2, 3})
return { inputs = {x}, outputs = {x:relu()}, scheduler = optim.ExponentialLR{gamma = 0.5} }
