-- mlp.lua - the classic multilayer perceptron for 28x28 images: 784-256-128-10 with ReLU,
-- trained with cross-entropy on class indices (softmax is fused into the loss).
local nn, optim = require "nn", require "optim"

return {
  name   = "mlp",
  input  = {64, 1, 28, 28},               -- a batch of 64 grayscale images, NCHW
  net    = nn.Sequential {
             nn.Flatten(),
             nn.Linear(784, 256), nn.ReLU(),
             nn.Linear(256, 128), nn.ReLU(),
             nn.Linear(128, 10) },
  target = {classes = 10},                -- int32 class indices, one per image
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.05, momentum = 0.9},
}
