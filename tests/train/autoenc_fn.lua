-- autoenc_fn.lua - autoenc.lua in functional style: the one input x is also the loss's target
-- (target = x), so the data feeds x and no labels are needed.
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local x = dlc.input("x", {16, 36})
local encode, decode = nn.Linear(36, 8), nn.Linear(8, 36)
local y = decode(encode(x):relu()):sigmoid()
return {
  name    = "autoenc_fn",
  inputs  = {x},
  outputs = {y},
  target  = x,
  loss    = nn.MSELoss(),
  optim   = optim.Adam{lr = 0.01},
}
