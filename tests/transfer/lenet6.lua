-- lenet6.lua - LeNet's shape at the scale of the 6x6 images of tests/train/data/bands-* (3
-- classes): two convolution blocks (the second with batch norm), then three fully connected
-- layers.  The transfer tests train it with a 4-way last layer, then start a 3-way one from
-- that checkpoint (dlc train --init) with every layer but the last frozen.
--   -D classes=K   outputs of the last layer (default 3)
--   -D freeze=1    module:freeze() on every module but the last layer
--   -D lr=R        Adam's learning rate (default 0.01)
local dlc, nn, optim = require "dlc", require "nn", require "optim"

local layers = {
  nn.Conv2d(1, 4, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(2),    -- 4x6x6 -> 4x3x3
  nn.Conv2d(4, 8, 3, {padding = 1}), nn.BatchNorm2d(8), nn.ReLU(),  -- 8x3x3
  nn.Flatten(),                                                      -- 72
  nn.Linear(72, 24), nn.ReLU(),
  nn.Linear(24, 16), nn.ReLU(),
}
if dlc.arg.freeze == 1 then
  for _, m in ipairs(layers) do m:freeze() end
end
layers[#layers + 1] = nn.Linear(16, dlc.arg.classes or 3)

return {
  name   = "lenet6",
  input  = {16, 1, 6, 6},
  net    = nn.Sequential(layers),
  target = {classes = dlc.arg.classes or 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = dlc.arg.lr or 0.01},
}
