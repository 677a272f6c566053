-- dropout.lua - the dropout statistics model (tests/norm/dropout_test.c).  -D p=P sets the drop
-- probability, -D layers=L (default 1) puts L Dropout(p) layers in series.
--
-- Training output is not returned by the generated API, so the mask is read off a gradient:
-- x is the 64x64 identity, the Linear (no bias, weight all ones) makes h[b, o] = W[o, b], the
-- dropout layers make y = h * mask * c (c = 1 / (1 - p) per layer), and the loss is
-- sum |y - 0| (L1, reduction "sum").  Then dloss/dW[o, b] = sign(y[b, o]) * mask[b, o] * c,
-- i.e. exactly c^L where sample b's output o was kept and 0 where dropped, whatever the
-- (positive) weights, so it can be read after every training step.
local dlc, nn, init, optim = require "dlc", require "nn", require "init", require "optim"

local p = tonumber(dlc.arg.p)
local layers = tonumber(dlc.arg.layers or "1")
local layers_list = { nn.Linear(64, 1000, {bias = false, init = init.constant(1)}) }
for _ = 1, layers do layers_list[#layers_list + 1] = nn.Dropout(p) end
-- functional: the Sequential named as spec.net names it, so the state_dict is the same
if dlc.arg.functional then layers_list.name = "net" end
local net = nn.Sequential(layers_list)

if dlc.arg.functional then
  -- -D functional=1: the same net called on a tensor, the target an input: dropout is on in
  -- the training step and off in inference from this one call, with the same masks
  local x, target = dlc.input("x", {64, 64}), dlc.input("target", {64, 1000})
  return { name = "dropout", inputs = {x, target}, outputs = {net(x)}, target = target,
           loss = nn.L1Loss{reduction = "sum"}, optim = optim.SGD{lr = 1e-3} }
end
return { name = "dropout", input = {64, 64}, net = net, target = {64, 1000},
         loss = nn.L1Loss{reduction = "sum"}, optim = optim.SGD{lr = 1e-3} }
