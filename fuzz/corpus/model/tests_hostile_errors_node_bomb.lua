-- expect: node_bomb.lua:6: the model builds more than 65536 operations, dlc.s limit
-- args: --stats
local dlc = require "dlc"
local x = dlc.input("x", {1})
local y = x
for i = 1, 10000000 do y = y + i end
return { inputs = {x}, outputs = {y} }
