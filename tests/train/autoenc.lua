-- autoenc.lua - the autoencoder of the `dlc train` tests (target = "input": the loss compares
-- the output with the input, no labels): 36-8-36 over the 6x6 images of data/bands-*, ReLU,
-- a sigmoid at the end, batch 16, MSE, Adam.  -D dim=4 makes it 4-2-4 (data/blobs.csv).
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local dim = math.tointeger(tonumber(dlc.arg.dim or 36))
local code = dim // 2 < 8 and dim // 2 or 8
return {
  name   = "autoenc",
  input  = {16, dim},
  net    = nn.Sequential {
             nn.Linear(dim, code), nn.ReLU(),
             nn.Linear(code, dim), dim == 36 and nn.Sigmoid() or nn.Identity() },
  target = "input",
  loss   = nn.MSELoss(),
  optim  = optim.Adam{lr = 0.01},
}
