-- expect: cosine_eta_min\.lua:9: optim\.CosineAnnealingLR: eta_min must be in \[0, inf\), got -0\.1
local nn, optim = require "nn", require "optim"
return {
  input     = {5, 4},
  net       = nn.Sequential { nn.Linear(4, 3) },
  target    = {classes = 3},
  loss      = nn.CrossEntropyLoss(),
  optim     = optim.SGD{lr = 0.1},
  scheduler = optim.CosineAnnealingLR{T_max = 10, eta_min = -0.1},
}
