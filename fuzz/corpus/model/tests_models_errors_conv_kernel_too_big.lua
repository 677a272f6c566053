-- expect: conv_kernel_too_big.lua:4: nn.Conv2d\(1, 4, 7\): kernel height 7 is larger than the padded input \(5 \+ 2\*0 = 5\) of shape \[2,1,5,5\]
local nn = require "nn"
return {input = {2, 1, 5, 5},
        net = nn.Sequential{nn.Conv2d(1, 4, 7), nn.Flatten()}}
