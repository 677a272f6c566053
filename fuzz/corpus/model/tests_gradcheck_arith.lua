-- arith.lua - the arithmetic operators + - * / ^ and unary minus, with tensors on both sides,
-- a number on either side, and a parameter used many times (fan-out).  Every product is
-- weighted by an input, so no upstream gradient is all ones.
local dlc, init, optim = require "dlc", require "init", require "optim"

local a = dlc.param("a", {3, 4}, init.normal(0, 1))
local b = dlc.param("b", {3, 4}, init.uniform(0.5, 2))  -- positive: divisor and base
local e = dlc.param("e", {3, 4}, init.uniform(0.5, 2))  -- exponent
local w = {}
for i = 1, 6 do w[i] = dlc.input("w" .. i, {3, 4}) end

local terms = {
  a + b, a - b,
  a * b, a / b,
  b ^ e, b:pow(e) * a,             -- base and exponent both parameters
  -a + 2 * a ^ 2 - a ^ 3 / 4,      -- unary minus, number * tensor, numeric exponents
  (3 - a) * (1 / b) + a * 0.5,     -- number on the left of - and /, on the right of *
  2 ^ a - (a + 1.5) / 3,           -- number base, tensor exponent; tensor / number
  a * a * a - b * a,               -- fan-out
}
local loss = 0
for i, t in ipairs(terms) do loss = loss + (t * w[(i - 1) % 6 + 1]):sum() end

return { name = "arith", inputs = w, outputs = {terms[1]}, loss = loss / 10,
         optim = optim.SGD{lr = 0.1} }
