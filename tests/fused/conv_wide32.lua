-- conv_wide32.lua - conv_wide with 32 filters: a filter gradient 32 x 72 with k = 4 x 24 x 24 =
-- 2304, computed as (B A^T)^T (opt_layout.c's TRANS_MIN_WIN_ROWS: two 16-float vectors of the
-- new product's row) whose dot form would keep 32 x 72 lanes of 16 (147 KB on f32, 295 KB on
-- f64); then a Linear layer's ordinary fused product.
local nn, optim = require "nn", require "optim"
return {
  name   = "conv_wide32",
  input  = {4, 8, 24, 24},
  net    = nn.Sequential { nn.Conv2d(8, 32, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(),
                           nn.Linear(32 * 6 * 6, 4) },
  target = {classes = 4},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 1e-3},
}
