-- expect: optim_plain_table.lua:3: spec.optim must be an optimizer, e.g. optim.SGD{lr = 0.01}
local nn = require "nn"
return { input = {2, 2}, net = nn.Linear(2, 1), target = {2, 1}, loss = nn.MSELoss(), optim = {lr = 0.1} }
