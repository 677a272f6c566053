-- expect: param_bomb.lua:5: the model builds more than 65536 operations, dlc.s limit
-- args: --stats
local dlc, init = require "dlc", require "init"
local ps = {}
for i = 1, 1000000 do ps[i] = dlc.param("w" .. i, {1}, init.zeros()) end
return {}
