-- conv_wide.lua - Adam on a convolution wide enough (64 filters of 8 x 3 x 3, k = 4 x 24 x 24 =
-- 2304) for its weight gradient to be computed as (B A^T)^T (opt_layout.c): the windows times the
-- output gradient transposed, in k chunks, each tile updating the filters at transposed
-- positions; then a Linear layer's ordinary fused product.
local nn, optim = require "nn", require "optim"
return {
  name   = "conv_wide",
  input  = {4, 8, 24, 24},
  net    = nn.Sequential { nn.Conv2d(8, 64, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(),
                           nn.Linear(64 * 6 * 6, 4) },
  target = {classes = 4},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 1e-3},
}
