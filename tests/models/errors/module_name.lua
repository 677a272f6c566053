-- expect: module_name.lua:3: nn.Linear: name must be a state_dict prefix such as "conv1" or "encoder.fc" \(letters, digits, _ and dots\), got "fc\*/"
local nn, dlc = require "nn", require "dlc"
local fc = nn.Linear(4, 3, {name = "fc*/"})
local x = dlc.input("x", {2, 4})
return { inputs = {x}, outputs = {fc(x)} }
