-- softmax_rows.lua - softmax and log-softmax along rows of 16, 2049 rows of each: one more
-- than a whole number of groups of rows (emit_rows.c's row_lanes, a row in each vector lane),
-- and enough to split across threads under --openmp, where only the thread of the last group
-- computes the row after it (e2e_rows_openmp_same_bits: the same bytes as one thread).
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local x = dlc.input("x", {683, 3, 16})
local y = dlc.input("y", {683}, {dtype = "int"})
local fc1 = nn.Linear(16, 16, {name = "fc1"})
local fc2 = nn.Linear(16, 16, {name = "fc2"})
local fc3 = nn.Linear(48, 10, {name = "fc3"})
local p = nn.Softmax(-1)(fc1(x))         -- [683, 3, 16]
local q = nn.LogSoftmax(-1)(fc2(p))      -- [683, 3, 16]
return { name = "softmax_rows", inputs = {x, y}, outputs = {fc3(q:flatten(2))}, target = y,
         loss = nn.CrossEntropyLoss(), optim = optim.SGD{lr = 0.05} }
