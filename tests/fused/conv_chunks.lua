-- conv_chunks.lua - convolutions' input gradients computed a block of images at a time
-- (emit_window.c's window_images): the product W^T dY one block of the batch's columns at
-- a time into a buffer that holds one block, each block scattered (col2im) into its images'
-- planes before the next.  The second and third convolutions' input gradients scatter into
-- planes of one shape from products of different depths (8 and 16 output channels): one
-- scatter kernel, which both blocks' kernels call.  The fourth convolution's windows overlap
-- (3x3, stride 2, padding 1, replicated: the scatter adds, the edge columns' terms to the edge
-- pixels), the fifth's tile the image (2x2, stride 2: it stores).
local nn, optim = require "nn", require "optim"
return {
  name   = "conv_chunks",
  input  = {8, 3, 16, 16},
  net    = nn.Sequential {
             nn.Conv2d(3, 8, 3, {padding = 1}), nn.ReLU(),                  -- 8x16x16
             nn.Conv2d(8, 8, 3, {padding = 1}), nn.ReLU(),                  -- 8x16x16
             nn.Conv2d(8, 16, 3, {padding = 1}), nn.ReLU(),                 -- 16x16x16
             nn.Conv2d(16, 16, 3, {stride = 2, padding = 1, padding_mode = "replicate"}), nn.Tanh(), -- 16x8x8
             nn.Conv2d(16, 16, 2, {stride = 2}), nn.ReLU(),                 -- 16x4x4
             nn.Flatten(), nn.Linear(256, 10) },
  target = {classes = 10},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.05, momentum = 0.9},
}
