-- random.lua - a model that draws from math.random: the generator is seeded the same way every
-- run, so the same model gives the same C (tests/hostile: hostile_random_same_c).
local dlc = require "dlc"
local n = math.random(1, 1000000)
local x = dlc.input("x", {2, n % 7 + 1})
return { name = "rnd", inputs = {x}, outputs = {x * (n % 13 + 1)} }
