-- course_library.lua - COURSE.md's activations and losses on the course's own numbers:
-- the worked neuron's z = 1.16 (sigmoid 0.76133) under binary cross-entropy, on probabilities
-- and on logits; the predicted [0.2, 0.3, 0.5] with the second class true (-ln 0.3 = 1.20397)
-- under NLL, focal loss (gamma = 0 and alpha = 1 is cross-entropy; the defaults weigh it by
-- 0.25 (1 - 0.3)^2) and KL divergence (cross-entropy = entropy + KL, and a one-hot target has
-- entropy 0 log 0 = 0); Huber, MAE and RMSE of the errors [0.5, 3]; Leaky ReLU, ELU and SiLU
-- of [-2, -1, 1].
local dlc, nn = require "dlc", require "nn"
local z      = dlc.input("z", {1, 1})
local one    = dlc.input("one", {1, 1})
local p      = dlc.input("p", {1, 3})
local cls    = dlc.input("cls", {1}, {dtype = "int"})
local onehot = dlc.input("onehot", {1, 3})
local err    = dlc.input("err", {1, 2})
local a      = dlc.input("a", {1, 3})
local zero2  = err * 0
return {
  name    = "course_library",
  inputs  = {z, one, p, cls, onehot, err, a},
  outputs = {
    nn.BCELoss()(z:sigmoid(), one), nn.BCEWithLogitsLoss()(z, one), nn.BCEWithLogitsLoss()(z, one - 1),
    nn.NLLLoss()(p:log(), cls), nn.FocalLoss{alpha = 1, gamma = 0}(p:log(), cls), nn.FocalLoss()(p:log(), cls),
    nn.KLDivLoss{reduction = "batchmean"}(p:log(), onehot),
    nn.HuberLoss()(err, zero2), nn.L1Loss()(err, zero2), nn.RMSELoss()(err, zero2),
    nn.LeakyReLU()(a), nn.ELU()(a), nn.SiLU()(a),
  },
}
