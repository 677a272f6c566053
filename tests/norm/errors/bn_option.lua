-- expect: bn_option.lua:5: nn.BatchNorm1d: unknown option 'momentun' \(known: affine, eps, momentum\)
-- a misspelt option
local nn = require "nn"
return { input = {2, 3},
         net = nn.Sequential { nn.BatchNorm1d(3, {momentun = 0.1}) } }
