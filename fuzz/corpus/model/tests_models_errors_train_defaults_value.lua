-- expect: train_defaults_value.lua:[0-9]+: spec.train.val_split must be a number in \[0, 1\), got 1.5
local nn = require "nn"
return {input = {1, 2}, net = nn.Linear(2, 1), train = {val_split = 1.5}}
