-- library.lua - one activation or loss of the library against PyTorch: `-D case=NAME` picks the
-- case, mirrored by CASES in make_library_fixtures.py (same variants, same parameter names),
-- checked by lib_test.c against fixtures/library_NAME.safetensors.
--
-- Each variant of the function (a default and, where there is one, another hyper-parameter or
-- reduction) gets its own parameter a, b, c, ... holding the input values, so the input's
-- gradient is a parameter's gradient.
--   activation: output k is f_k(param k); the loss is sum_k sum(f_k(param k) * w), w an input
--               of the same shape (the gradient is w times the Jacobian)
--   loss:       output k is L_k(param k, t), t the target input; the loss is their sum
local dlc, nn, optim = require "dlc", require "nn", require "optim"

local function names(i) return string.char(96 + i) end -- a, b, c, ...

local function activation(shape, mods)
  local w = dlc.input("w", shape)
  local outs, loss = {}, 0
  for i, m in ipairs(mods) do
    outs[i] = m(dlc.param(names(i), shape))
    loss = loss + (outs[i] * w):sum()
  end
  return w, outs, loss
end

local function losses(shape, tshape, tdtype, mods)
  local t = dlc.input("t", tshape, {dtype = tdtype})
  local outs, loss = {}, 0
  for i, m in ipairs(mods) do
    outs[i] = m(dlc.param(names(i), shape), t)
    loss = loss + outs[i]
  end
  return t, outs, loss
end

local S = {4, 5}  -- activations
local L = {4, 3}  -- losses: [batch, classes or features]
local sum = {reduction = "sum"}

local cases = {
  sigmoid = function() return activation(S, {nn.Sigmoid()}) end,
  tanh = function() return activation(S, {nn.Tanh()}) end,
  relu = function() return activation(S, {nn.ReLU()}) end,
  leaky_relu = function() return activation(S, {nn.LeakyReLU(), nn.LeakyReLU(0.2)}) end,
  -- one shared slope (0.25), and one slope per channel (dim 2) loaded from the fixture
  prelu = function() return activation({4, 3, 2}, {nn.PReLU(), nn.PReLU(3)}) end,
  elu = function() return activation(S, {nn.ELU(), nn.ELU(0.5)}) end,
  silu = function() return activation(S, {nn.SiLU()}) end,
  gelu = function() return activation(S, {nn.GELU(), nn.GELU{approximate = "tanh"}}) end,
  softplus = function() return activation(S, {nn.Softplus(), nn.Softplus{beta = 2, threshold = 1}}) end,
  softmax = function() return activation(S, {nn.Softmax(2), nn.Softmax(1)}) end,
  log_softmax = function() return activation(S, {nn.LogSoftmax(2), nn.LogSoftmax(1)}) end,

  mse = function() return losses(L, L, "float", {nn.MSELoss(), nn.MSELoss(sum)}) end,
  l1 = function() return losses(L, L, "float", {nn.L1Loss(), nn.L1Loss(sum)}) end,
  huber = function()
    return losses(L, L, "float", {nn.HuberLoss(), nn.HuberLoss(sum), nn.HuberLoss{delta = 0.5}})
  end,
  rmse = function() return losses(L, L, "float", {nn.RMSELoss(), nn.RMSELoss(sum)}) end,
  bce = function() return losses(L, L, "float", {nn.BCELoss(), nn.BCELoss(sum)}) end,
  bce_logits = function()
    return losses(L, L, "float", {nn.BCEWithLogitsLoss(), nn.BCEWithLogitsLoss(sum)})
  end,
  cross_entropy = function()
    return losses(L, {4}, "int", {nn.CrossEntropyLoss(), nn.CrossEntropyLoss(sum)})
  end,
  cross_entropy_probs = function()
    return losses(L, L, "float", {nn.CrossEntropyLoss(), nn.CrossEntropyLoss(sum)})
  end,
  nll = function() return losses(L, {4}, "int", {nn.NLLLoss(), nn.NLLLoss(sum)}) end,
  focal = function()
    return losses(L, {4}, "int", {nn.FocalLoss(), nn.FocalLoss(sum), nn.FocalLoss{alpha = 0.75, gamma = 0.5}})
  end,
  kl_div = function()
    return losses(L, L, "float", {nn.KLDivLoss(), nn.KLDivLoss{reduction = "batchmean"}, nn.KLDivLoss(sum)})
  end,
  kl_div_log_target = function()
    return losses(L, L, "float", {nn.KLDivLoss{log_target = true, reduction = "batchmean"},
                                  nn.KLDivLoss{log_target = true, reduction = "sum"}})
  end,
}

local case = dlc.arg.case
local build = cases[case]
if not build then error("library.lua: unknown case " .. tostring(case) .. " (give -D case=NAME)") end
local input, outs, loss = build()
return { name = "library_" .. case, inputs = {input}, outputs = outs, loss = loss,
         optim = optim.SGD{lr = 0.1} }
