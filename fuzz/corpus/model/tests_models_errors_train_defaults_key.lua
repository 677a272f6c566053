-- expect: train_defaults_key.lua:[0-9]+: spec.train: unknown key 'epoch' \(known: augment, epochs, normalize, seed, shuffle, val_split\)
local nn = require "nn"
return {input = {1, 2}, net = nn.Linear(2, 1), train = {epoch = 3}}
