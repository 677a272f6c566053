-- init_stats.lua - one large parameter per initializer, for tests/e2e/init_stats.c: each
-- [200, 500] (fan_out 200, fan_in 500), 1e5 draws.
local dlc, nn, init = require "dlc", require "nn", require "init"
local x = dlc.input("x", {1})
local ps = {}
for _, k in ipairs {"xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal"} do
  ps[#ps + 1] = dlc.param(k, {200, 500}, init[k]())
end
ps[#ps + 1] = dlc.param("uniform", {200, 500}, init.uniform(-0.3, 0.7))
ps[#ps + 1] = dlc.param("normal", {200, 500}, init.normal(0.5, 2))
ps[#ps + 1] = dlc.param("constant", {200, 500}, init.constant(0.25))
local linear = nn.Linear(500, 200) -- PyTorch's default: U(+-1/sqrt(500)) for weight and bias
ps[#ps + 1] = linear.weight
local emb = nn.Embedding(200, 500, {padding_idx = 7}) -- N(0, 1), row 7 zeros
ps[#ps + 1] = emb.weight
local out = x
for _, p in ipairs(ps) do out = out + p:sum() * 0 end
return {name = "init", inputs = {x}, outputs = {out}}
