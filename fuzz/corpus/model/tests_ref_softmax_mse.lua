-- softmax_mse.lua - PyTorch reference case (make_fixtures.py "softmax_mse"): MLP 4-5-3 with
-- ReLU and a Softmax output layer (dim 2 here is PyTorch's dim=1), MSE against one-hot rows.
local nn, optim = require "nn", require "optim"
return {
  name   = "softmax_mse",
  input  = {5, 4},
  net    = nn.Sequential { nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3), nn.Softmax(2) },
  target = {5, 3},
  loss   = nn.MSELoss(),
  optim  = optim.SGD{lr = 0.5, momentum = 0.9},
}
