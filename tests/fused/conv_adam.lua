-- conv_adam.lua - Adam on a convolution whose filter gradient is a long dot-form product (k =
-- 10 x 63 x 64 = 40320: its operands, 1.4 and 0.6 MB, do not fit in L2 together, so it runs in
-- four chunks of k that keep their lanes, emit_matmul.c's dot_lanes; the update takes the last)
-- and a wide Linear.
local nn, optim = require "nn", require "optim"
return {
  name   = "conv_adam",
  input  = {10, 1, 65, 66},
  net    = nn.Sequential { nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(), nn.Linear(4 * 15 * 16, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 0.01},
}
