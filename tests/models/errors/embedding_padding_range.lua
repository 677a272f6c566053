-- expect: embedding_padding_range.lua:3: nn.Embedding: padding_idx must be an integer within num_embeddings \(-10\.\.9\), got 10
local nn, dlc = require "nn", require "dlc"
local emb = nn.Embedding(10, 4, {padding_idx = 10})
local t = dlc.input("t", {2, 5}, {dtype = "int"})
return { inputs = {t}, outputs = {emb(t)} }
