-- linear_epi.lua - products with an elementwise epilogue (emit_c.c epilogue_user): each Linear's
-- bias and activation computed from the product's elements as its tiles store them.  Odd sizes,
-- so the dot form's tiles have ragged edges (rows and columns short of a tile, a k that is not a
-- whole number of vectors); activations of one and several operations (ReLU, GELU, SiLU: the
-- product read twice), and the last Linear's bias alone.  The backward's masks are not fused
-- (their outputs take memory the product's operands hold until it runs).
local nn, optim = require "nn", require "optim"
return {
  name   = "linear_epi",
  input  = {13, 37},
  net    = nn.Sequential { nn.Linear(37, 45), nn.ReLU(), nn.Linear(45, 33), nn.GELU(), nn.Linear(33, 19), nn.SiLU(),
                           nn.Linear(19, 3) },
  target = {classes = 3},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 0.01},
}
