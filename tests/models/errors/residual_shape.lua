-- expect: residual_shape.lua:5: nn.Residual\(nn.Linear\(4, 3\)\): the module turns \[2,4\] into \[2,3\]; a residual connection needs the same shape
local nn = require "nn"
return { input = {2, 4},
  net = nn.Sequential {
    nn.Residual(nn.Linear(4, 3)) } }
