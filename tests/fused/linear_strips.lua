-- linear_strips.lua - dot products whose tiles' lanes would not fit on the stack (emit_matmul.c's
-- dot_strips) run in chunks of k a strip of tiles at a time, each strip with its own lanes: the
-- first Linear's forward (32 x 170 outputs, k = 2048: 170 KB of lanes on generic and f64, 340 KB
-- on avx512) a column of tiles at a time, the last column narrower; the third's (k = 1536, both
-- operands in L2) a row of tiles at a time (f64: a column, its weight beyond L2).  Each
-- strip's last chunk ends in the bias and ReLU (the product's epilogue).
local nn, optim = require "nn", require "optim"
return {
  name   = "linear_strips",
  input  = {32, 2048},
  net    = nn.Sequential { nn.Linear(2048, 170), nn.ReLU(), nn.Linear(170, 1536), nn.ReLU(),
                           nn.Linear(1536, 170), nn.ReLU(), nn.Linear(170, 10) },
  target = {classes = 10},
  loss   = nn.CrossEntropyLoss(),
  optim  = optim.Adam{lr = 0.01},
}
