-- expect: sequential_self.lua:3: modules nested too deeply
local nn = require "nn"
local s = nn.Sequential{nn.Linear(2, 2)}
s:add(s)
return { input = {2, 2}, net = s }
