-- expect: unknown_key.lua:3: unknown key 'nett' in the spec
local nn = require "nn"
return {input = {1, 2}, nett = nn.Linear(2, 1)}
