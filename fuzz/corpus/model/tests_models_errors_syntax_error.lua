-- expect: syntax_error.lua:3: .*near 'end'
local nn = require "nn"
return { input = {1, 2}, net = nn.Linear(2, 1) end
