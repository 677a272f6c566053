-- row_lanes.lua - softmax and log-softmax along short last dims, a group of rows at a time, one
-- in each lane (emit_rows.c's row_lanes): 2049 rows of 16 (whole vectors: copied in and out by
-- register tiles), then 2049 rows of 12 (copied element by element).  2049 is one more than a
-- whole number of groups (4, 8 or 16 lanes), so a last group of one row follows; the softmax
-- has enough elements to split across threads under --openmp, where only the thread of the
-- last whole group computes it (tests/e2e: e2e_rows_openmp_same_bits, one thread's bytes).
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local x = dlc.input("x", {683, 3, 16})
local y = dlc.input("y", {683}, {dtype = "int"})
local fc1 = nn.Linear(16, 16, {name = "fc1"})
local fc2 = nn.Linear(16, 12, {name = "fc2"})
local fc3 = nn.Linear(36, 5, {name = "fc3"})
local p = nn.Softmax(-1)(fc1(x))         -- [683, 3, 16]
local q = nn.LogSoftmax(-1)(fc2(p))      -- [683, 3, 12]
return { name = "row_lanes", inputs = {x, y}, outputs = {fc3(q:flatten(2))}, target = y,
         loss = nn.CrossEntropyLoss(), optim = optim.Adam{lr = 0.01} }
