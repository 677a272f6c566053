-- expect: pool_kernel_too_big.lua:3: nn.MaxPool2d\(2\): kernel height 2 is larger than the padded input \(1 \+ 2\*0 = 1\) of shape \[64,6,1,1\]
local nn = require "nn"
return {input = {64, 6, 1, 1}, net = nn.Sequential{nn.MaxPool2d(2), nn.Flatten()}}
