-- expect: complete_bad_loss.lua:6: --loss hinge: not a loss dlc train knows \(cross_entropy, nll, mse, l1, bce or bce_with_logits\)
-- args: --loss hinge --optim sgd
local dlc, nn = require "dlc", require "nn"
local x = dlc.input("x", {4, 3})
local y = nn.Linear(3, 2, {name = "fc"})(x)
return { inputs = {x}, outputs = {y} }
