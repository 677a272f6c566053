-- resnet.lua - a small residual network for Fashion-MNIST: a convolution stem, residual blocks
-- (convolution, batch norm, ReLU, convolution, batch norm, plus the block's input, then ReLU)
-- at 14x14 with 32 channels and (two) at 7x7 with 64, global average pooling and one linear layer.
-- Trained with random horizontal flips and 2-pixel crops, AdamW and a cosine learning rate.
--   dlc train examples/resnet.lua      (24 epochs, batch 64, from spec.train)
local nn, optim = require "nn", require "optim"

local function block(c) -- He et al.'s basic block, the shortcut the identity
  return nn.Residual(nn.Sequential {
    nn.Conv2d(c, c, 3, {padding = 1, bias = false}), nn.BatchNorm2d(c), nn.ReLU(),
    nn.Conv2d(c, c, 3, {padding = 1, bias = false}), nn.BatchNorm2d(c) })
end

local EPOCHS = 24
return {
  name   = "resnet",
  input  = {64, 1, 28, 28},
  net    = nn.Sequential {
             nn.Conv2d(1, 32, 3, {padding = 1, bias = false}), nn.BatchNorm2d(32), nn.ReLU(),  -- 32x28x28
             nn.MaxPool2d(2),                                                                   -- 32x14x14
             block(32), nn.ReLU(),
             nn.Conv2d(32, 64, 3, {padding = 1, bias = false}), nn.BatchNorm2d(64), nn.ReLU(), -- 64x14x14
             nn.MaxPool2d(2),                                                                   -- 64x7x7
             block(64), nn.ReLU(),
             block(64), nn.ReLU(),
             nn.AdaptiveAvgPool2d(1), nn.Flatten(),                                             -- 64
             nn.Linear(64, 10) },
  target    = {classes = 10},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.AdamW{lr = 2e-3, weight_decay = 1e-4},
  scheduler = optim.CosineAnnealingLR{T_max = EPOCHS},
  train     = {epochs = EPOCHS, augment = "hflip,crop:2"},
}
