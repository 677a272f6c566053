-- expect: unknown_option.lua:4: nn.Linear: unknown option 'bais' \(known: bias, bias_init, init\)
local nn = require "nn"
return {input = {1, 2},
        net = nn.Linear(2, 1, {bais = false})}
