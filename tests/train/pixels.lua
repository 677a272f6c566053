-- pixels.lua - an int32 input fed from data: the 36 pixels of data/bands-* as token ids (0..255)
-- into nn.Embedding(256, 2), then a linear classifier; functional, batch 16.  The target is
-- the second input (listed first, so the data feeds the first input besides the target).
-- -D extra=1 adds an input the data cannot feed (dlc train refuses it, naming it).
local dlc, nn, optim = require "dlc", require "nn", require "optim"
local label = dlc.input("label", {16}, {dtype = "int"})
local pixels = dlc.input("pixels", {16, 36}, {dtype = "int"})
local h = nn.Embedding(256, 2)(pixels):reshape(16, 72)
local out = nn.Linear(72, 3)(h)
local inputs = {label, pixels}
if dlc.arg.extra then
  local gain = dlc.input("gain", {1, 3})
  out = out * gain
  inputs[3] = gain
end
return {
  name    = "pixels",
  inputs  = inputs,
  outputs = {out},
  target  = label,
  loss    = nn.CrossEntropyLoss(),
  optim   = optim.Adam{lr = 0.05},
}
