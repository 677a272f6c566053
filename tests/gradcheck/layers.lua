-- layers.lua - the layers of the later chapters, differentiated by dlc: ConvTranspose2d,
-- Upsample (nearest and bilinear), AdaptiveAvgPool2d (even, uneven and global), Conv1d with
-- MaxPool1d and AvgPool1d, LayerNorm, Embedding (int32 tokens in [0, 5), rows hit several
-- times), nn.Residual, nn.MultiheadAttention (self-attention; batch_first, causal, with
-- distinct query, key and value), batched matmul (rank 4, and a rank-2 operand broadcast), and
-- batch norm and dropout (p = 0 here: no randomness) called in functional style, whose
-- training value the gradient goes through.
local dlc, nn, init, optim = require "dlc", require "nn", require "init", require "optim"

local w = dlc.input("w", {2, 3, 5, 6})
local tok = dlc.input("tok", {2, 4}, {dtype = "int"})
local x = dlc.param("x", {2, 3, 5, 6}, init.uniform(-1, 1))
local function score(y, k)
  local v = w:flatten(1)
  local n = y:numel()
  local r = y:flatten(1)
  if n <= v:numel() then return (r * v:narrow(1, 1, n) * k):sum() end
  return (r * r * k):sum()
end

local terms = {}
local only = tonumber(dlc.arg.only)
local function add(t) if not only or only == #terms + 1 then terms[#terms + 1] = t else terms[#terms + 1] = false end end
add(score(nn.ConvTranspose2d(3, 2, 3, {stride = 2, padding = 1, output_padding = 1})(x), 1))
add(score(nn.ConvTranspose2d(3, 4, {2, 3}, {bias = false})(x), 0.5))
add(score(nn.Upsample{scale_factor = 2}(x), 0.3))
add(score(nn.Upsample{scale_factor = {3, 2}, mode = "bilinear"}(x) * 2, 0.3))
add(score(nn.AdaptiveAvgPool2d({2, 4})(x), 1) + score(nn.AdaptiveAvgPool2d(1)(x), 1) +
    score(nn.AdaptiveAvgPool2d({5, 3})(x), 1))
local seq = x:flatten(3)                       -- [2, 3, 30]
add(score(nn.MaxPool1d(2)(nn.Conv1d(3, 4, 3, {padding = 1})(seq)), 1))
add(score(nn.AvgPool1d(3, {stride = 2})(nn.Conv1d(3, 2, 5, {stride = 2})(seq)), 1))
local ln = nn.LayerNorm(6, {name = "ln"})
add(score(ln(x), 1) + score(nn.LayerNorm({5, 6})(x * 3), 1))
local emb = nn.Embedding(5, 6, {name = "emb"})
add(score(emb(tok) * x:narrow(2, 1, 1):reshape(2, 5, 6):narrow(2, 1, 4), 1))
add(score(nn.Residual(nn.Sequential{nn.Linear(6, 6), nn.Tanh()})(x), 1))
local tokens_seq = x:reshape(6, 5, 6)      -- [L, N, E]
add(score(nn.MultiheadAttention(6, 2, {name = "attn"})(tokens_seq), 1))
add(score(nn.MultiheadAttention(6, 3, {batch_first = true})(tokens_seq, tokens_seq:tanh(), tokens_seq * 2,
  {is_causal = true}), 1))
add(score(x:matmul(x:transpose(3, 4)) + x:select(1, 2):select(1, 1):matmul(x:transpose(3, 4)), 0.2))
local bn = nn.BatchNorm2d(3, {name = "bn"})
add(score(nn.Dropout(0)(bn(x * 2 + 1)), 1))
local loss
for _, t in ipairs(terms) do if t then loss = loss and loss + t or t end end
return { name = "layers", inputs = {w, tok}, outputs = {x}, loss = loss / 10, optim = optim.SGD{lr = 0.1} }
