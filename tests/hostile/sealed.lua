-- sealed.lua - a model that overwrites its globals and its library tables.  dlc's own Lua runs
-- in an environment of its own, so the model still compiles (tests/hostile: hostile_sealed).
string.format, string.rep, string.match = nil, nil, nil
math.floor, math.type, math.huge = nil, nil, 0
table.insert, table.concat, table.unpack, table.pack = nil, nil, nil, nil
pairs, ipairs, type, tostring, error, select, next, rawget = nil, nil, nil, nil, nil, nil, nil, nil
local nn, optim = require "nn", require "optim"
setmetatable, getmetatable = nil, nil
return { input = {4, 2}, net = nn.Sequential{nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)},
  target = {4, 1}, loss = nn.MSELoss(), optim = optim.SGD{lr = 0.1} }
