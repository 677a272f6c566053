-- lstm_by_hand.lua - an LSTM written by hand over the 28 rows of an image (hidden 64): the
-- same gate computations 28 times on other buffers.  kernel_sharing.sh checks they become one
-- kernel each (the C stays small), and that it compiles.
local nn, optim, dlc = require "nn", require "optim", require "dlc"
local x = dlc.input("x", {64, 28, 28})
local y = dlc.input("y", {64}, {dtype = "int"})
local H = 64
local ih = nn.Linear(28, 4 * H, {name = "ih"})
local hh = nn.Linear(H, 4 * H, {name = "hh"})
local fc = nn.Linear(H, 10, {name = "fc"})
local h, c
for t = 1, 28 do
  local g = ih(x:select(2, t))
  if h then g = g + hh(h) end
  local i, f, gg, o = g:chunk(4, 2)
  i, f, gg, o = i:sigmoid(), f:sigmoid(), gg:tanh(), o:sigmoid()
  c = c and f * c + i * gg or i * gg
  h = o * c:tanh()
end
return {inputs = {x, y}, outputs = {fc(h)}, target = y, loss = nn.CrossEntropyLoss(), optim = optim.Adam{lr = 1e-3}}
