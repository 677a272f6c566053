-- bn2d_functional.lua - bn2d.lua written in functional style: the same modules, given their
-- sequential names ({name = "net.0"}, ...), so the same state_dict and the same fixtures.  The
-- batch norm is called on a tensor: dlc builds its training value (batch statistics, running
-- statistics updated) for the training step and its inference value (running statistics) for
-- m_forward and m_eval from this one call.
local nn, optim, dlc = require "nn", require "optim", require "dlc"
local x = dlc.input("x", {3, 2, 4, 5})
local target = dlc.input("target", {3, 3})
local lin = nn.Linear(5, 5, {name = "net.0"})
local bn = nn.BatchNorm2d(2, {name = "net.1"})
local readout = nn.Linear(40, 3, {bias = false, name = "net.3"})
local y = readout(bn(lin(x)):flatten(2))
return { name = "bn2d", inputs = {x, target}, outputs = {y}, target = target,
         loss = nn.KLDivLoss{reduction = "sum"}, optim = optim.SGD{lr = 0.1} }
