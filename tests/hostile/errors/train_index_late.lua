-- expect: train_index_late.lua:7: spec.train: unknown key 'x' \(known: augment, epochs, normalize, seed, shuffle, val_split\)
-- spec.train's metamethods never run outside the model's time: dlc copies the table raw
local nn = require "nn"
local spin = function() while true do end end
local train = setmetatable({x = 1}, {__index = spin, __pairs = spin, __len = spin})
return { input = {2, 2}, net = nn.Linear(2, 2),
  train = train }
