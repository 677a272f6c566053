-- cat_rnn.lua - concatenations and their adjoints: sums of pads of disjoint ranges, whose loops
-- emit_loops.c cuts at the pads' bounds (each segment reads one input, or is zero).  An LSTM's
-- backward joins its gates' gradients over the 3 steps (the input projection's slices: pads
-- along the innermost dim, one of them never written, the forget gate of the first step); a
-- cat along a middle dim (an outer loop cut, the inner one pasted per segment) and one along
-- the last, in the forward, whose backward slices them again.
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local x = dlc.input("x", {4, 3, 5})
local y = dlc.input("y", {4}, {dtype = "int"})
local lstm = nn.LSTM(5, 6, {batch_first = true, name = "lstm"})
local fc1 = nn.Linear(30, 7, {name = "fc1"})
local fc2 = nn.Linear(13, 3, {name = "fc2"})
local out = lstm(x)                                         -- [4, 3, 6]
local h = nn.Last{batch_first = true}(out)                  -- [4, 6]
local c = dlc.cat({x, x * x}, 2)                            -- [4, 6, 5]
local z = dlc.cat({h, fc1(c:flatten(2)):tanh()}, 2)         -- [4, 13]
return { name = "cat_rnn", inputs = {x, y}, outputs = {fc2(z)}, target = y, loss = nn.CrossEntropyLoss(),
         optim = optim.Adam{lr = 0.01} }
