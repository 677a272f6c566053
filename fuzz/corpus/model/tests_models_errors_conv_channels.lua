-- expect: conv_channels.lua:5: nn.Conv2d\(8, 16, 5\) expects 8 input channels, got shape \[64,6,12,12\] \(6 channels\)
local nn = require "nn"
return {input = {64, 1, 28, 28},
        net = nn.Sequential{nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(8, 16, 5), nn.Flatten()}}
