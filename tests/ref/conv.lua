-- conv.lua - convolution and pooling against PyTorch: `-D case=NAME` picks the case, mirrored by
-- CASES in make_conv_fixtures.py (same layers, same parameter names), checked by lib_test.c
-- against fixtures/conv_NAME.safetensors.
--
-- The image is a parameter x (so its gradient is a parameter gradient, next to the weights' and
-- biases', named as dlc names them: conv2d0.weight, conv2d0.bias, conv2d1.weight, ...).  The one
-- output is net(x); the loss is sum(net(x) * w), w an input of the output's shape (the gradient
-- is w times the Jacobian).
local dlc, nn, optim = require "dlc", require "nn", require "optim"

-- image shape [N, C, H, W], the layers applied in order
local cases = {
  -- odd image sizes, stride 2, zero padding 1
  stride2_pad1 = function() return {2, 3, 7, 5}, {nn.Conv2d(3, 4, 3, {stride = 2, padding = 1})} end,
  -- replicate padding, rectangular kernel and stride
  replicate_rect = function()
    return {2, 2, 6, 5}, {nn.Conv2d(2, 3, {3, 2}, {stride = {2, 1}, padding = {1, 1}, padding_mode = "replicate"})}
  end,
  -- several input and output channels, no bias, no padding
  channels_nobias = function() return {2, 5, 6, 6}, {nn.Conv2d(5, 6, 3, {bias = false})} end,
  -- 7 rows: the last one falls outside every window
  maxpool2 = function() return {2, 3, 7, 8}, {nn.MaxPool2d(2)} end,
  maxpool3_s2_p1 = function() return {2, 3, 7, 6}, {nn.MaxPool2d(3, {stride = 2, padding = 1})} end,
  -- overlapping windows: an element's gradient sums over every window it is the minimum of
  minpool2_s1 = function() return {2, 2, 5, 6}, {nn.MinPool2d(2, {stride = 1})} end,
  avgpool3_s2_p1 = function() return {2, 3, 7, 6}, {nn.AvgPool2d(3, {stride = 2, padding = 1})} end,
  avgpool_rect = function() return {2, 2, 9, 7}, {nn.AvgPool2d({3, 2}, {stride = {3, 3}})} end,
  -- conv -> relu -> maxpool -> conv
  stack = function()
    return {2, 3, 9, 9}, {nn.Conv2d(3, 4, 3, {padding = 1}), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 2, 3)}
  end,
  -- images of small integers: windows tie, the first extreme element gets the gradient
  maxpool2_ties = function() return {2, 3, 6, 8}, {nn.MaxPool2d(2)} end,
  maxpool3_s2_p1_ties = function() return {2, 2, 7, 6}, {nn.MaxPool2d(3, {stride = 2, padding = 1})} end,
  maxpool21_s12_ties = function() return {2, 2, 6, 8}, {nn.MaxPool2d({2, 1}, {stride = {1, 2}})} end,
  minpool2_s1_ties = function() return {2, 2, 5, 6}, {nn.MinPool2d(2, {stride = 1})} end,
}

local case = dlc.arg.case
local build = cases[case]
if not build then error("conv.lua: unknown case " .. tostring(case) .. " (give -D case=NAME)") end
local shape, layers = build()
local y = dlc.param("x", shape)
for _, m in ipairs(layers) do y = m(y) end
local w = dlc.input("w", y:size())
return { name = "conv_" .. case, inputs = {w}, outputs = {y}, loss = (y * w):sum(),
         optim = optim.SGD{lr = 0.1} }
