-- mlp.lua - a small MLP end to end, as the README's Fashion-MNIST model is written: image
-- batch flattened, two hidden ReLU layers, class-index cross-entropy.  The second hidden
-- layer's small positive bias keeps most of its units alive on these 8 samples, so few
-- gradients are trivially zero.
local nn, init, optim = require "nn", require "init", require "optim"

return {
  name = "mlp",
  input = {8, 1, 3, 3},
  net = nn.Sequential {
    nn.Flatten(),
    nn.Linear(9, 8), nn.ReLU(),
    nn.Linear(8, 6, {bias_init = init.constant(0.1)}), nn.ReLU(),
    nn.Linear(6, 3) },
  target = {classes = 3},
  loss = nn.CrossEntropyLoss(),
  optim = optim.SGD{lr = 0.1},
}
