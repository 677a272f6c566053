-- expect: train_index_metamethod.lua:4: the model file ran for more than 1 s of CPU time and was stopped
-- args: --lua-timeout 1
local nn = require "nn"
return { input = {2, 2}, net = nn.Linear(2, 2), train = setmetatable({}, {__pairs = function() while true do end end}) }
