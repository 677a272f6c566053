-- expect: dropout_nan.lua:3: nn.Dropout\(p\): p must be in \[0, 1\), got -?nan
local nn = require "nn"
return { input = {2, 2}, net = nn.Sequential{nn.Linear(2, 2), nn.Dropout(0/0)} }
