-- conv_pixels.lua - a convolution with fewer output channels than a vector, its forward in
-- vectors of pixels from the padded images (emit_window.c's direct_pixels), whose filter
-- gradient then reads its windows from those padded images instead of gathering them
-- (emit_matmul.c's dot_window_pixels): two input channels, stride 2 down the rows (the next
-- row's pixels two padded rows on), rows of 34 pixels (vectors of 4, 8 or 16 across a row's
-- end), 8 rows (an image's 272 pixels a whole number of vectors).
local nn, optim = require "nn", require "optim"
return {
  name   = "conv_pixels",
  input  = {4, 2, 16, 34},
  net    = nn.Sequential {
             nn.Conv2d(2, 3, 3, {stride = {2, 1}, padding = 1}), nn.ReLU(),  -- 3x8x34
             nn.Flatten(), nn.Linear(3 * 8 * 34, 5) },
  target = {classes = 5},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 0.01},
}
