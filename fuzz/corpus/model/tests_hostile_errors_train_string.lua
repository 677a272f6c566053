-- expect: train_string.lua:3: spec.train must be a table of dlc train defaults, e.g. {epochs = 5}
local nn = require "nn"
return { input = {2, 2}, net = nn.Linear(2, 2), train = "fast" }
