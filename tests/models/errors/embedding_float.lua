-- expect: embedding_float.lua:3: nn.Embedding\(10, 4\) takes int32 indices
local nn, dlc = require "nn", require "dlc"
local emb = nn.Embedding(10, 4)
local x = dlc.input("x", {2, 5})
return { inputs = {x}, outputs = {emb(x)} }
