-- transformer.lua - a tiny vision transformer for Fashion-MNIST: the image cut into 16 patches
-- of 7x7 pixels (a convolution with stride 7 embeds each as 64 numbers), a learned position
-- embedding, two pre-norm encoder blocks (LayerNorm, 4-head self-attention, LayerNorm, a GELU
-- MLP, each with its residual connection), then the patches' mean through LayerNorm to the 10
-- classes.  Functional style: each module is given its checkpoint name.
--   dlc train examples/transformer.lua --epochs 10      (batch 64, AdamW)
local nn, optim, dlc, init = require "nn", require "optim", require "dlc", require "init"
local B, E, HEADS, BLOCKS = 64, 64, 4, 2

local x = dlc.input("x", {B, 1, 28, 28})
local y = dlc.input("y", {B}, {dtype = "int"})

local function encoder_block(i, t) -- t: [B, 16, E]
  local p = "blocks." .. i
  local ln1 = nn.LayerNorm(E, {name = p .. ".ln1"})
  local attn = nn.MultiheadAttention(E, HEADS, {batch_first = true, name = p .. ".attn"})
  local ln2 = nn.LayerNorm(E, {name = p .. ".ln2"})
  local mlp = nn.Sequential{nn.Linear(E, 2 * E), nn.GELU(), nn.Linear(2 * E, E), name = p .. ".mlp"}
  local u = ln1(t)
  t = t + attn(u, u, u)
  return t + mlp(ln2(t))
end

local patches = nn.Conv2d(1, E, 7, {stride = 7, name = "patch"})(x)    -- [B, E, 4, 4]
local pos = dlc.param("pos", {16, E}, init.normal(0, 0.02))
local t = patches:flatten(3):transpose(2, 3) + pos                     -- [B, 16, E]
for i = 0, BLOCKS - 1 do t = encoder_block(i, t) end
local logits = nn.Linear(E, 10, {name = "head"})(nn.LayerNorm(E, {name = "norm"})(t:mean(2)))

return {
  name    = "transformer",
  inputs  = {x, y},
  outputs = {logits},
  target  = y,
  loss    = nn.CrossEntropyLoss(),
  optim   = optim.AdamW{lr = 1e-3},
}
