-- train_meta.lua - spec.train with metamethods that never return: dlc copies the table raw inside
-- the model's time, so C never calls them afterwards (tests/hostile: hostile_train_meta).
local nn = require "nn"
local spin = function() while true do end end
local train = setmetatable({epochs = 1}, {__index = spin, __newindex = spin, __len = spin})
return { input = {2, 2}, net = nn.Linear(2, 2), train = train }
