-- conv_back.lua - convolutions' input gradients computed straight from dY (emit_window.c's
-- direct_grad_of: the flipped filters over dY, each filter offset's sum over dY's channels
-- added into the pixel in the scatter's order, never writing the columns).  The second
-- convolution's gradient goes into rows of 20 pixels, longer than a tile: runs of a row (2 on
-- avx512, 3 on generic, 5 on f64); the third's kernel is 3 x 4 without padding, so its
-- gradient reads dY padded by 2 rows and 3 columns (tiles of whole 10-pixel rows on avx512,
-- half rows elsewhere); the fourth is 1 x 1 (no row of dY is ever outside it) and the fifth
-- has 48 input channels (3 vectors of channels on avx512); the two last ones' gradients go
-- into 3 x 7 images: tiles of 2 rows and then the row left on avx512.
local nn, optim = require "nn", require "optim"
return {
  name   = "conv_back",
  input  = {4, 3, 10, 20},
  net    = nn.Sequential {
             nn.Conv2d(3, 16, 3, {padding = 1}), nn.ReLU(),     -- 16x10x20
             nn.Conv2d(16, 32, 3, {padding = 1}), nn.ReLU(),    -- 32x10x20
             nn.MaxPool2d(2),                                   -- 32x5x10
             nn.Conv2d(32, 32, {3, 4}), nn.Tanh(),              -- 32x3x7
             nn.Conv2d(32, 48, 1), nn.ReLU(),                   -- 48x3x7
             nn.Conv2d(48, 32, 3, {padding = 1}), nn.ReLU(),    -- 32x3x7
             nn.Flatten(), nn.Linear(32 * 3 * 7, 5) },
  target = {classes = 5},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 1e-3},
}
