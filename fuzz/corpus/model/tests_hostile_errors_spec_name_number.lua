-- expect: spec_name_number.lua:3: spec.name must be a C identifier \(letters, digits, _\), got 42
local nn = require "nn"
return { name = 42, input = {2, 2}, net = nn.Linear(2, 2) }
