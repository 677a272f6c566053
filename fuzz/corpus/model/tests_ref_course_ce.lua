-- course_ce.lua - COURSE.md's cross-entropy examples.  Predicted probabilities p =
-- [0.2, 0.3, 0.5] with the second class true: -ln 0.3 = 1.20397, as sparse CE (class index,
-- on the logits log p) and as categorical CE (one-hot target); softmax of the logits
-- [3.2, 1.3, 0.2, 0.8] with the first class true: 0.25470 nats, 0.36745 bits.
local dlc, nn = require "dlc", require "nn"
local p      = dlc.input("p", {1, 3})
local cls    = dlc.input("cls", {1}, {dtype = "int"})
local onehot = dlc.input("onehot", {1, 3})
local z      = dlc.input("z", {1, 4})
local first  = dlc.input("first", {1}, {dtype = "int"})
local ce     = nn.CrossEntropyLoss()
local nats   = ce(z, first)
return {
  name    = "course_ce",
  inputs  = {p, cls, onehot, z, first},
  outputs = {ce(p:log(), cls), ce(p:log(), onehot), nats, nats / math.log(2)},
}
