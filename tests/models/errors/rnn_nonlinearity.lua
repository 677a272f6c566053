-- expect: rnn_nonlinearity.lua:4: nn.RNN: nonlinearity must be "tanh" or "relu", got "sigmoid"
local nn, dlc, optim = require "nn", require "dlc", require "optim"
local x = dlc.input("x", {5, 2, 3})
local rnn = nn.RNN(3, 4, {nonlinearity = "sigmoid"})
return { inputs = {x}, outputs = {rnn(x)}, optim = optim.SGD{lr = 0.1} }
