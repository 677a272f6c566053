-- conv_wide_stride.lua - a wide convolution (64 filters of 6 x 3 x 4, k = 16 x 17 x 19 = 5168)
-- whose weight gradient is (B A^T)^T (opt_layout.c) and reads its windows from each block's
-- images padded (emit_matmul.c's axpy_window_blocks): a kernel taller than wide, strides of 2
-- down and across, padding down the rows only, rows of 40 pixels.
local nn, optim = require "nn", require "optim"
return {
  name   = "conv_wide_stride",
  input  = {16, 6, 33, 40},
  net    = nn.Sequential { nn.Conv2d(6, 64, {3, 4}, {stride = 2, padding = {1, 0}}), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Flatten(), nn.Linear(64 * 8 * 9, 4) },
  target = {classes = 4},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 1e-3},
}
