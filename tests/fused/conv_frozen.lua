-- conv_frozen.lua - convolutions' forward products computed with their window gathers
-- (im2col) a block of images at a time (emit_window.c's window_images): the windows of a
-- block of the batch's images into a buffer that holds one block, the product's columns of
-- those images from it, block after block.  In the forward and eval functions every
-- convolution's window has that one reader; in the training step only the frozen first
-- convolution's (transfer learning: nothing computes its filter's gradient, so nothing else
-- reads its windows), while the second's windows are also read by its filter's gradient and
-- stay whole.
local nn, optim = require "nn", require "optim"
return {
  name   = "conv_frozen",
  input  = {8, 3, 12, 12},
  net    = nn.Sequential {
             nn.Conv2d(3, 8, 3, {padding = 1}):freeze(), nn.ReLU(),        -- 8x12x12, frozen
             nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),                -- 16x10x10 -> 16x5x5
             nn.Flatten(), nn.Linear(16 * 5 * 5, 10) },
  target = {classes = 10},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 0.01},
}
