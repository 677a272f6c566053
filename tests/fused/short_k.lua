-- short_k.lua - products A B^T with a short k (16 <= k <= 128) and N a whole number of
-- 16-float vectors, which opt_layout.c computes in the axpy form after a copy of B^T
-- (AXPY_MAX_K, ir.h): three Linears' bias and activation as the axpy tiles' epilogue (13 rows: a
-- short row tile; k = 60, 32 and 128), the last Linear (5 outputs) in the dot form, and an LSTM
-- whose input projection (k = 20, 4 gates x 16) is the same kind of product.
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local x = dlc.input("x", {13, 3, 20})
local y = dlc.input("y", {13}, {dtype = "int"})
local fc1 = nn.Linear(60, 32, {name = "fc1"})
local fc2 = nn.Linear(32, 128, {name = "fc2"})
local fc4 = nn.Linear(128, 48, {name = "fc4"})
local lstm = nn.LSTM(20, 16, {batch_first = true, name = "lstm"})
local fc3 = nn.Linear(64, 5, {name = "fc3"})
local h = fc4(fc2(fc1(x:flatten(2)):relu()):tanh()):relu()  -- [13, 48]
local r = nn.Last{batch_first = true}((lstm(x)))             -- [13, 16]
return { name = "short_k", inputs = {x, y}, outputs = {fc3(dlc.cat({h, r}, 2))}, target = y,
         loss = nn.CrossEntropyLoss(), optim = optim.Adam{lr = 0.01} }
