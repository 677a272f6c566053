-- broadcast.lua - NumPy broadcasting through every binary operator, in both directions:
-- [3,1] with [1,4], [4] with [3,4] and [3,4] with [4], a scalar parameter with a tensor, so the
-- gradient of the smaller operand is summed back down to its shape.
local dlc, init, optim = require "dlc", require "init", require "optim"

local c = dlc.param("c", {3, 1}, init.normal(0, 1))
local r = dlc.param("r", {1, 4}, init.uniform(0.5, 2))  -- positive: divisor and base
local v = dlc.param("v", {4}, init.uniform(0.5, 2))
local q = dlc.param("q", {3, 4}, init.normal(0, 1))
local s = dlc.param("s", {}, init.constant(0.7))        -- a 0-D parameter
local w = {}
for i = 1, 4 do w[i] = dlc.input("w" .. i, {3, 4}) end

local terms = {
  c + r, c - r, c * r, c / r, r ^ c,      -- [3,1] op [1,4]
  v + q, v - q, v * q, v / (q * q + 1),   -- [4] op [3,4]
  q - v, q / v, v ^ (q / 4), q * s,       -- [3,4] op [4]; a scalar tensor
  s * v - s / r + r ^ s,                  -- [] with [4] and [1,4]
}
local loss = 0
for i, t in ipairs(terms) do loss = loss + (t * w[(i - 1) % 4 + 1]):sum() end

return { name = "broadcast", inputs = w, outputs = {terms[1]}, loss = loss / 10,
         optim = optim.SGD{lr = 0.1} }
