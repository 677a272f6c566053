-- drop.lua - the data-parallel tests' model with dropout and Adam: bands.lua's 6x6 images,
-- 36-32-3 with ReLU and Dropout(0.3).  Replicas must draw the masks the one-process run on the
-- global batch draws (dlc_draw_step), or their parameters part from that run's.
local nn, optim = require "nn", require "optim"

return {
  name   = "drop",
  input  = {8, 1, 6, 6},
  net    = nn.Sequential {
             nn.Flatten(),
             nn.Linear(36, 32), nn.ReLU(), nn.Dropout(0.3),
             nn.Linear(32, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 0.01},
}
