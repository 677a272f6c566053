-- conv_sgd.lua - SGD with momentum on two convolutions: the first filter's gradient a dot-form
-- product whose k (8 x 62 x 62 = 30752) ends in a partial chunk, the second's short enough for
-- one chunk; batch norm between them (its parameters are not products: updated as before).
local nn, optim = require "nn", require "optim"
return {
  name   = "conv_sgd",
  input  = {8, 1, 64, 64},
  net    = nn.Sequential { nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(4),
                           nn.Conv2d(4, 6, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(5), nn.Flatten(),
                           nn.Linear(6 * 3 * 3, 4) },
  target = {classes = 4},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.05, momentum = 0.9},
}
