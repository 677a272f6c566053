-- expect: dropout_functional.lua:5: nn.Dropout\(0.5\) must be inside spec.net \(sequential style\), where dlc builds both the training pass and the inference pass
-- dropout called on a tensor in functional style
local nn, dlc, optim = require "nn", require "dlc", require "optim"
local x = dlc.input("x", {4, 3})
local y = nn.Dropout(0.5)(x)
return { inputs = {x}, outputs = {y}, loss = y:sum(), optim = optim.SGD{lr = 0.1} }
