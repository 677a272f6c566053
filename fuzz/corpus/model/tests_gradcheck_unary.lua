-- unary.lua - the elementwise functions exp, log, sqrt, abs, tanh, sigmoid, relu and clamp.
-- Kinks are avoided by construction: abs and relu see values in [0.1, 1] of either sign
-- (pos and -pos), clamp sees values 0.1 or more inside or outside its bounds; log and sqrt
-- see positive values.
local dlc, init, optim = require "dlc", require "init", require "optim"

local a = dlc.param("a", {3, 4}, init.normal(0, 1))
local pos = dlc.param("pos", {3, 4}, init.uniform(0.1, 1))
local inside = dlc.param("inside", {3, 4}, init.uniform(-0.4, 0.4))
local below = dlc.param("below", {3, 4}, init.uniform(-2, -0.6))
local above = dlc.param("above", {3, 4}, init.uniform(0.6, 2))
local w = {}
for i = 1, 5 do w[i] = dlc.input("w" .. i, {3, 4}) end

local terms = {
  a:exp(), (a * a + 1):log(), pos:log(), pos:sqrt(), (a * a + 0.5):sqrt(),
  pos:abs(), (-pos):abs(), (a * 2):tanh(), a:sigmoid(), (a * 3):sigmoid(),
  pos:relu(), (-pos):relu() + (pos - 1.5):relu(),
  inside:clamp(-0.5, 0.5), below:clamp(-0.5, 0.5), above:clamp(-0.5, 0.5),
  below:clamp(-0.5), above:clamp(nil, 0.5), inside:clamp(nil, 0.5) + inside:clamp(-0.5),
  a:exp():log(), pos:log():exp(),
}
local loss = 0
for i, t in ipairs(terms) do loss = loss + (t * w[(i - 1) % 5 + 1]):sum() end

return { name = "unary", inputs = w, outputs = {terms[1]}, loss = loss / 10,
         optim = optim.SGD{lr = 0.1} }
