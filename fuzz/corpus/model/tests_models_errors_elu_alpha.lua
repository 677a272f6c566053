-- expect: elu_alpha.lua:3: nn.ELU: alpha must be a finite number, got string
local nn = require "nn"
return {input = {2, 4}, net = nn.Sequential{nn.Linear(4, 4), nn.ELU("1")}}
