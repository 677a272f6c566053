-- bn_planes.lua - batch norm over planes of 7 x 7: on avx512 (16 lanes) a plane is too short for
-- lanes along it, and its sums over the batch and the plane, one per channel (the forward's and
-- the backward's two sibling sums), are computed a group of channels at a time, one in each
-- lane (emit_loops.c's kept_lanes); on generic and f64 they sum along the planes, and a sum of
-- the per-image sums over the batch goes so.  20 channels, so that the channels after the last
-- whole group get their own nest.
local nn, optim = require "nn", require "optim"
return {
  name   = "bn_planes",
  input  = {8, 3, 7, 7},
  net    = nn.Sequential { nn.Conv2d(3, 20, 3, {padding = 1}), nn.BatchNorm2d(20), nn.ReLU(), nn.Flatten(),
                           nn.Linear(20 * 7 * 7, 5) },
  target = {classes = 5},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 0.01},
}
