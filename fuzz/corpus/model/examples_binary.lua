-- binary.lua - binary classification, the course's rule: a sigmoid output and binary
-- cross-entropy.  Two input features, one hidden layer; the target is 0 or 1 per sample.
local nn, optim = require "nn", require "optim"

return {
  name   = "binary",
  input  = {32, 2},
  net    = nn.Sequential {
             nn.Linear(2, 16), nn.Tanh(),
             nn.Linear(16, 1), nn.Sigmoid() },
  target = {32, 1},
  loss   = nn.BCELoss(),
  optim  = optim.Adam{lr = 0.02},
}
