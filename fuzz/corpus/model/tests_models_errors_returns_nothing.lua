-- expect: returns_nothing.lua:3: the model file must return a spec table
local nn = require "nn"
local unused = nn.Linear(2, 2)
