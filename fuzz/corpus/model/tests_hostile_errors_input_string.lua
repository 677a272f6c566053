-- expect: input_string.lua:3: a shape must be a table of sizes, e.g. {64, 784}; got string
local nn = require "nn"
return { input = "64x2", net = nn.Linear(2, 2) }
