-- lenet.lua - LeNet-5 (LeCun et al., 1998) for Fashion-MNIST's 28x28 images, as courses teach
-- it with ReLU and max pooling: two convolution blocks, then three fully connected layers.
--   dlc train examples/lenet.lua --epochs 10      (batch 32, Adam)
local nn, optim = require "nn", require "optim"
return {
  name   = "lenet",
  input  = {32, 1, 28, 28},
  net    = nn.Sequential {
             nn.Conv2d(1, 6, 5, {padding = 2}), nn.ReLU(), nn.MaxPool2d(2),   -- 6x28x28 -> 6x14x14
             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),                 -- 16x10x10 -> 16x5x5
             nn.Flatten(),                                                    -- 400
             nn.Linear(400, 120), nn.ReLU(),
             nn.Linear(120, 84), nn.ReLU(),
             nn.Linear(84, 10) },
  target = {classes = 10},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 1e-3},
}
