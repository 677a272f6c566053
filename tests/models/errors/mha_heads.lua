-- expect: mha_heads.lua:3: nn.MultiheadAttention: embed_dim 10 is not divisible by num_heads 3
local nn, dlc = require "nn", require "dlc"
local attn = nn.MultiheadAttention(10, 3)
local x = dlc.input("x", {5, 2, 10})
return { inputs = {x}, outputs = {attn(x)} }
