-- expect: freeze_bn_applied\.lua:9: nn\.BatchNorm1d\(3\):freeze\(\) after it was applied: freeze a batch norm before applying it, so that it normalizes with its running statistics
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local x = dlc.input("x", {5, 4})
local t = dlc.input("t", {5}, {dtype = "int"})
local fc = nn.Linear(4, 3)
local bn = nn.BatchNorm1d(3)
local y = bn(fc(x))
fc:freeze()
bn:freeze()
return { name = "late", inputs = {x, t}, outputs = {y},
         loss = nn.CrossEntropyLoss()(y, t), optim = optim.SGD{lr = 0.1} }
