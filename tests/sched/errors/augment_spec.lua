-- expect: augment_spec\.lua:10: spec\.train\.augment must be "none" or a comma list of hflip, crop:P \(P from 1 to 1024\) and shift, e\.g\. "hflip,crop:4", got crop:0,hflip
local nn, optim = require "nn", require "optim"
return {
  train  = {augment = "crop:0,hflip"},
  input  = {5, 1, 2, 2},
  net    = nn.Sequential { nn.Flatten(), nn.Linear(4, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.SGD{lr = 0.1},
}
