-- pool_bn.lua - the fusions of the backward pass that keep the bits (plan.c, emit_c.c):
-- max pooling's adjoint with the ReLU's mask as its epilogue (tiling windows: 96x96 pooled
-- 2x2 takes the scan path, 48x48 the flat one), and batch norm's sibling sums in one loop.
-- Not fused: min pooling (its adjoint's user, a negation, is computed inside the Tanh's
-- backward) and the last pooling, whose windows overlap.
local nn, optim = require "nn", require "optim"
return {
  name   = "pool_bn",
  input  = {2, 1, 96, 96},
  net    = nn.Sequential {
             nn.Conv2d(1, 2, 3, {padding = 1}), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2),  -- 2x48x48
             nn.Conv2d(2, 3, 3, {padding = 1}), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),  -- 3x24x24
             nn.Conv2d(3, 4, 3, {padding = 1}), nn.Tanh(), nn.MinPool2d(2),                    -- 4x12x12
             nn.Conv2d(4, 4, 3), nn.ReLU(), nn.MaxPool2d(3, 2),                                -- 4x4x4
             nn.Flatten(), nn.Linear(64, 5) },
  target = {classes = 5},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 0.01},
}
