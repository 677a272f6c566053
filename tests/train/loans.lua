-- loans.lua - a binary classifier of the `dlc train` tests: one sigmoid unit over data/loans.csv's
-- income and years employed, BCELoss, batch 20, Adam.  Unnormalized, the income (tens of
-- thousands) saturates the sigmoid: the loss does not move.  -D logits=1: no sigmoid, the
-- model outputs logits for BCEWithLogitsLoss.
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local logits = dlc.arg.logits == 1
local net = nn.Sequential { nn.Linear(2, 1) }
if not logits then net:add(nn.Sigmoid()) end
return {
  name   = "loans",
  input  = {20, 2},
  net    = net,
  target = {20, 1},
  loss   = logits and nn.BCEWithLogitsLoss() or nn.BCELoss(),
  optim  = optim.Adam{lr = 0.05},
}
