-- expect: linear_huge.lua:3: .*too large
local nn = require "nn"
return { input = {2, 100000}, net = nn.Linear(100000, 100000) }
