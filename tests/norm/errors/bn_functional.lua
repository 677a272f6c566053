-- expect: bn_functional.lua:6: nn.BatchNorm1d\(3\) must be inside spec.net \(sequential style\), where dlc builds both the training pass and the inference pass
-- batch norm called on a tensor in functional style: dlc builds one graph there, so there is no
-- separate training and inference pass to give it
local nn, dlc, optim = require "nn", require "dlc", require "optim"
local x = dlc.input("x", {4, 3})
local bn = nn.BatchNorm1d(3)
local y = bn(x)
return { inputs = {x}, outputs = {y}, loss = (y ^ 2):mean(), optim = optim.SGD{lr = 0.1} }
