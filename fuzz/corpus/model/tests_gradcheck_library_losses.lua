-- library_losses.lua - the library's loss modules, each under both reductions (KLDivLoss under
-- its three), each on its own parameter so a wrong rule cannot hide behind another: L1Loss,
-- HuberLoss (delta 1 and 0.5: the differences a - y reach both pieces), RMSELoss, BCELoss (on
-- probabilities directly, and through a sigmoid), BCEWithLogitsLoss (also at logits exactly 0,
-- where the loss is smooth but max(x, 0) and |x| have kinks), NLLLoss, FocalLoss (gamma 2, 0.5,
-- 1 and 0) and KLDivLoss (log_target false and true).
local dlc, nn, init, optim = require "dlc", require "nn", require "init", require "optim"

local y = dlc.input("y", {4, 3})
local t = dlc.input("t", {4, 3})
local cls = dlc.input("cls", {4}, {dtype = "int"})
local n = 0
local function P(ini)
  n = n + 1
  return dlc.param("p" .. n, {4, 3}, ini or init.normal(0, 1))
end
local probs = t:sigmoid()        -- BCE targets in (0, 1)
local dist = t:softmax(2)        -- KL targets: rows of probabilities
local logdist = t:log_softmax(2)

local loss, first = 0, nil
for _, r in ipairs {"mean", "sum"} do
  local s = r == "sum" and 0.25 or 1
  local a = P()
  first = first or a
  loss = loss + s * (nn.L1Loss{reduction = r}(a, y)
    + nn.HuberLoss{reduction = r}(P(), y) + nn.HuberLoss{reduction = r, delta = 0.5}(P(), y)
    + nn.RMSELoss{reduction = r}(P(), y)
    + nn.BCELoss{reduction = r}(P(init.uniform(0.05, 0.95)), probs)
    + nn.BCELoss{reduction = r}(P():sigmoid(), probs)
    + nn.BCEWithLogitsLoss{reduction = r}(P(), probs)
    + nn.BCEWithLogitsLoss{reduction = r}(P(init.zeros()), probs)
    + nn.NLLLoss{reduction = r}(P(), cls) + nn.NLLLoss{reduction = r}(P():log_softmax(2), cls)
    + nn.FocalLoss{reduction = r}(P(), cls) + nn.FocalLoss{reduction = r, gamma = 0.5, alpha = 1}(P(), cls)
    + nn.FocalLoss{reduction = r, gamma = 1}(P(), cls) + nn.FocalLoss{reduction = r, gamma = 0}(P(), cls)
    + nn.KLDivLoss{reduction = r}(P(), dist) + nn.KLDivLoss{reduction = r, log_target = true}(P(), logdist))
end
loss = loss + nn.KLDivLoss{reduction = "batchmean"}(P():log_softmax(2), dist)
  + nn.KLDivLoss{reduction = "batchmean", log_target = true}(P(), logdist)

return { name = "library_losses", inputs = {y, t, cls}, outputs = {first}, loss = loss / 4,
         optim = optim.SGD{lr = 0.1} }
