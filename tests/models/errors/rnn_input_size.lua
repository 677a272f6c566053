-- expect: rnn_input_size.lua:4: nn.LSTM\(28, 64\) expects a sequence \[N, T, 28\], got shape \[64,28,14\]
local nn, dlc, optim = require "nn", require "dlc", require "optim"
local x = dlc.input("x", {64, 28, 14})
local lstm = nn.LSTM(28, 64, {batch_first = true})
local out = lstm(x)
return { inputs = {x}, outputs = {out}, loss = out:sum(), optim = optim.SGD{lr = 0.1} }
