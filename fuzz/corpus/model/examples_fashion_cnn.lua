-- fashion_cnn.lua - a small modern CNN for Fashion-MNIST: two blocks of convolution, batch
-- normalization, ReLU and max pooling, dropout, and a fully connected classifier.
--   dlc train examples/fashion_cnn.lua --epochs 10      (batch 32, Adam)
local nn, optim = require "nn", require "optim"
return {
  name   = "fashion_cnn",
  input  = {32, 1, 28, 28},
  net    = nn.Sequential {
             nn.Conv2d(1, 32, 3, {padding = 1}), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2), -- 32x14x14
             nn.Conv2d(32, 64, 3, {padding = 1}), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2), -- 64x7x7
             nn.Dropout(0.25), nn.Flatten(),                                                     -- 3136
             nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5),
             nn.Linear(128, 10) },
  target = {classes = 10},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 1e-3},
}
