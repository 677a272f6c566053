-- activations.lua - the library's activation modules: nn.LeakyReLU (default slope, and a slope
-- given as an option), nn.PReLU (one shared slope; a slope per channel on [N, C, L] and on
-- [N, C] inputs, the slopes' own gradients included), nn.ELU (default alpha and alpha = 0.5),
-- nn.SiLU, nn.Softplus (beta 0.5, threshold 0.04: pos takes the linear tail, neg the curve) and
-- nn.GELU (exact and tanh).
-- Kinks are avoided by construction: each activation sees pos, in [0.1, 2], and neg, in
-- [-2, -0.1], separately; w weights the outputs so every element has its own gradient.
local dlc, nn, init, optim = require "dlc", require "nn", require "init", require "optim"

local w3 = dlc.input("w3", {4, 3, 2})
local w2 = dlc.input("w2", {4, 3})
local pos = dlc.param("pos", {4, 3, 2}, init.uniform(0.1, 2))
local neg = dlc.param("neg", {4, 3, 2}, init.uniform(-2, -0.1))
local pos2 = dlc.param("pos2", {4, 3}, init.uniform(0.1, 2))
local neg2 = dlc.param("neg2", {4, 3}, init.uniform(-2, -0.1))

local acts = {
  nn.LeakyReLU(), nn.LeakyReLU{negative_slope = 0.2}, nn.PReLU(),
  nn.PReLU(3, {init = init.uniform(0.1, 0.5)}), nn.ELU(), nn.ELU(0.5), nn.SiLU(),
  nn.Softplus(), nn.Softplus{beta = 3, threshold = 30}, nn.Softplus{beta = 0.5, threshold = 0.04},
  nn.GELU(), nn.GELU{approximate = "tanh"},
}
local per_feature = nn.PReLU{num_parameters = 3}  -- [N, C]: one slope per column
local loss = 0
for i, m in ipairs(acts) do
  loss = loss + (m(pos) * w3):sum() + (m(neg) * w3 * i):sum()
end
loss = loss + (per_feature(pos2) * w2):sum() + (per_feature(neg2) * w2 * w2):sum()
  + (nn.SiLU()(neg * 4) * w3):sum()  -- silu's tail, down to -8

return { name = "activations", inputs = {w3, w2}, outputs = {pos}, loss = loss / 10,
         optim = optim.SGD{lr = 0.1} }
