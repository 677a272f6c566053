-- recurrent.lua - nn.RNN (tanh, relu), nn.LSTM and nn.GRU differentiated by dlc: one and two
-- layers, bidirectional, batch_first, without bias, from a given initial state (whose gradient
-- is checked too), unbatched, and nn.Last; the final states h_n (and LSTM's c_n) in the loss.
local dlc, nn, init, optim = require "dlc", require "nn", require "init", require "optim"

local w = dlc.input("w", {200})
local x = dlc.param("x", {5, 2, 3}, init.uniform(-1, 1)) -- [T, N, F]
local function score(y, k)
  local r = y:flatten(1)
  local n = r:numel()
  return (r * w:narrow(1, 1, n) * k):sum()
end

local terms = {}
local only = tonumber(dlc.arg.only)
local function add(t) if not only or only == #terms + 1 then terms[#terms + 1] = t else terms[#terms + 1] = false end end
local out, h = nn.RNN(3, 4)(x)
add(score(out, 1) + score(h, 0.5))
add(score(nn.RNN(3, 4, {num_layers = 2, nonlinearity = "relu", bias = false})(x), 1))
local out2, hc = nn.LSTM(3, 4, {bidirectional = true})(x, {dlc.param("h0", {2, 2, 4}, init.uniform(-1, 1)),
                                                          dlc.param("c0", {2, 2, 4}, init.uniform(-1, 1))})
add(score(out2, 1) + score(hc[1], 0.7) + score(hc[2], 0.3))
add(score(nn.LSTM(3, 3, {num_layers = 2, batch_first = true})(x), 1))
local out3, h3 = nn.GRU(3, 4, {num_layers = 2, bidirectional = true})(x, dlc.param("g0", {4, 2, 4}, init.uniform(-1, 1)))
add(score(out3, 1) + score(h3, 0.5))
add(score(nn.GRU(3, 2, {bias = false})(x:select(2, 1)), 1))                 -- unbatched [T, F]
add(score(nn.Sequential{nn.LSTM(3, 4, {batch_first = true}), nn.Last{batch_first = true}, nn.Linear(4, 2)}(x), 1))
local loss
for _, t in ipairs(terms) do if t then loss = loss and loss + t or t end end
return { name = "recurrent", inputs = {w}, outputs = {x}, loss = loss / 10, optim = optim.SGD{lr = 0.1} }
