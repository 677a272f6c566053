-- numerics.lua - dlc train --check-numerics (numerics.cmake): blobs.lua's CSV classifier in the
-- functional style, with -D log=1 taking the log of its first layer's output (about half of
-- it negative: NaN in the first step, at line 10) and -D lr=X its learning rate (1e38: the
-- weights overflow within a few steps).
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local x = dlc.input("x", {8, 4})
local t = dlc.input("t", {8}, {dtype = "int"})
local hidden, out = nn.Linear(4, 16), nn.Linear(16, 3)
local h = hidden(x)
if dlc.arg.log == 1 then h = h:log() end
local y = out(h:relu())
return {
  name    = "numerics",
  inputs  = {x, t},
  target  = t,
  outputs = {y},
  loss    = nn.CrossEntropyLoss(),
  optim   = optim.SGD{lr = dlc.arg.lr or 0.1},
}
