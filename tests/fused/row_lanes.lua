-- row_lanes.lua - softmax and log-softmax along short last dims, a group of rows at a time, one
-- in each lane (emit_rows.c's row_lanes): 63 rows of 16 (whole vectors: copied in and out by
-- register tiles), then 63 rows of 12 (copied element by element); 63 is not a whole number of
-- groups (8 lanes on generic and f64's 4, 16 on avx512), so the last group has fewer lanes.
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local x = dlc.input("x", {21, 3, 16})
local y = dlc.input("y", {21}, {dtype = "int"})
local fc1 = nn.Linear(16, 16, {name = "fc1"})
local fc2 = nn.Linear(16, 12, {name = "fc2"})
local fc3 = nn.Linear(36, 5, {name = "fc3"})
local p = nn.Softmax(-1)(fc1(x))         -- [21, 3, 16]
local q = nn.LogSoftmax(-1)(fc2(p))      -- [21, 3, 12]
return { name = "row_lanes", inputs = {x, y}, outputs = {fc3(q:flatten(2))}, target = y,
         loss = nn.CrossEntropyLoss(), optim = optim.SGD{lr = 0.5, momentum = 0.9} }
