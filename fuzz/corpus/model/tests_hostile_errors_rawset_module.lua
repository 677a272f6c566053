-- expect: rawset_module.lua:5: attempt to call a number value \(field 'Linear'\)
local nn = require "nn"
rawset(nn, "Linear", 5)
-- the model changed its own view only: dlc's nn is untouched, the call is the model's error
return { input = {2, 2}, net = nn.Linear(2, 2) }
