-- tensorops.lua - the tensor methods that move data: narrow, select, chunk, dlc.cat,
-- dlc.stack, transpose(d1, d2), unsqueeze/squeeze, mean and sum over several dims, var (with
-- and without Bessel's correction), min(dim), gather(dim, index) with an int32 index (values
-- in [0, 5)), each weighted so every element has its own gradient.
local dlc, nn, init, optim = require "dlc", require "nn", require "init", require "optim"

local w = dlc.input("w", {3, 4, 5})
local idx = dlc.input("idx", {3, 4, 2}, {dtype = "int"})
local p = dlc.param("p", {3, 4, 5}, init.uniform(-1, 1))
local q = dlc.param("q", {3, 2, 5}, init.uniform(-1, 1))

local terms = {}
local only = tonumber(dlc.arg.only)
local function add(t) if not only or only == #terms + 1 then terms[#terms + 1] = t else terms[#terms + 1] = false end end
add((p:narrow(3, 2, 3) * w:narrow(3, 1, 3)):sum())
add((p:select(2, 3) * w:select(2, -1)):sum())
local a, b, c = p:chunk(3, 3)              -- sizes 2, 2, 1
add((a * b):sum() + (c * c * 3):sum())
local joined = dlc.cat({q, p, q * 2}, 2)   -- [3, 8, 5]
add((joined * dlc.cat({w, w}, 2)):sum())
add((dlc.stack({p, p * p}, 2):reshape(3, 8, 5) * dlc.cat({w, w}, 2)):sum())
add((p:transpose(1, 3) * w:permute(3, 2, 1)):sum())
add((p:unsqueeze(2):squeeze(2) * w):sum())
add((p:mean({1, 3}) * w:select(1, 1):select(2, 1)):sum())
add((p:var(3) * w:select(3, 2)):sum() + (p:var(2, {unbiased = false, keepdim = true}) * w:narrow(2, 1, 1)):sum())
add((p:min(3) * w:select(3, 4)):sum())
add((p:gather(3, idx) * w:narrow(3, 1, 2)):sum())
local loss
for _, t in ipairs(terms) do if t then loss = loss and loss + t or t end end

return { name = "tensorops", inputs = {w, idx}, outputs = {p}, loss = loss / 10, optim = optim.SGD{lr = 0.1} }
