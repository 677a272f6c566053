-- expect: lstm_state.lua:5: nn.LSTM\(3, 4\): the initial state is the table {h0, c0}
local nn, dlc, optim = require "nn", require "dlc", require "optim"
local x = dlc.input("x", {5, 2, 3})
local h0 = dlc.input("h0", {1, 2, 4})
local lstm = nn.LSTM(3, 4)
local out = lstm(x, h0)
return { inputs = {x, h0}, outputs = {out}, loss = out:sum(), optim = optim.SGD{lr = 0.1} }
