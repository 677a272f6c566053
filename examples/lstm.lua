-- lstm.lua - each Fashion-MNIST image read as a sequence of its 28 rows (28 pixels each) by an
-- LSTM; the last step's hidden state classifies the image.  The 28 steps are unrolled, and
-- each step's loops become one kernel called 28 times, so the C stays small.
--   dlc train examples/lstm.lua --epochs 10      (batch 64, Adam)
local nn, optim = require "nn", require "optim"
return {
  name   = "lstm",
  input  = {64, 28, 28},                                   -- [N, T = 28 rows, 28 pixels]
  net    = nn.Sequential {
             nn.LSTM(28, 128, {batch_first = true}),       -- [64, 28, 128]
             nn.Last{batch_first = true},                  -- the last step: [64, 128]
             nn.Linear(128, 10) },
  target = {classes = 10},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 2e-3},
}
