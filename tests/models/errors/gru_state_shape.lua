-- expect: gru_state_shape.lua:5: nn.GRU\(3, 4\): h0 must have shape \[2,2,4\], got \[1,2,4\]
local nn, dlc, optim = require "nn", require "dlc", require "optim"
local x = dlc.input("x", {5, 2, 3})
local h0 = dlc.input("h0", {1, 2, 4})
local gru = nn.GRU(3, 4, {num_layers = 2})
local out = gru(x, h0)
return { inputs = {x, h0}, outputs = {out}, loss = out:sum(), optim = optim.SGD{lr = 0.1} }
