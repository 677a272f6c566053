-- layers.lua - the layers and tensor ops of issue 11 against PyTorch: `-D case=NAME` picks the
-- case, mirrored by CASES in make_layer_fixtures.py (same layers, same parameter names), checked
-- by lib_test.c against fixtures/layer_NAME.safetensors.
--
-- Every module is given its PyTorch name ({name = "conv1"}, nn.Sequential{..., name = "head"}
-- naming its children head.0, head.1, ...), so the fixture's parameter names are the keys of the
-- state_dict of the torch.nn.Module the script builds.  A float image is a parameter x (its
-- gradient is a parameter gradient); the loss is sum(y * w), w an input of the output's shape.
-- The cases on int32 tokens or indices (embedding, gather) have them as the input t instead, and
-- w is a parameter.
local dlc, nn, optim = require "dlc", require "nn", require "optim"

-- float cases: image shape, function(x) -> y
local function image(shape, f) return function() return shape, f end end
-- int cases: index shape, function(t) -> y
local function tokens(shape, f) return function() return shape, f, true end end

local cases = {
  -- y = relu(bn2(conv2(relu(bn1(conv1(x))))) + x): output in inference mode (the running
  -- statistics loaded from the fixture), loss and gradients in training mode (batch statistics).
  -- The convolutions have no bias, as before batch norm in ResNets: in training its gradient is 0.
  resblock = image({2, 3, 5, 4}, function(x)
    local conv1 = nn.Conv2d(3, 3, 3, {padding = 1, bias = false, name = "conv1"})
    local bn1 = nn.BatchNorm2d(3, {name = "bn1"})
    local conv2 = nn.Conv2d(3, 3, 3, {padding = 1, bias = false, name = "conv2"})
    local bn2 = nn.BatchNorm2d(3, {name = "bn2"})
    return (bn2(conv2(bn1(conv1(x)):relu())) + x):relu()
  end),
  -- tokens [2, 5] with repeats: rows of emb.weight hit several times sum their gradients
  embedding = tokens({2, 5}, function(t)
    local emb = nn.Embedding(10, 6, {name = "emb"})
    local fc = nn.Linear(6, 3, {name = "fc"})
    return fc(emb(t))
  end),
  embedding_padding = tokens({2, 5}, function(t)
    local emb = nn.Embedding(10, 6, {padding_idx = -8, name = "emb"})
    local fc = nn.Linear(6, 3, {name = "fc"})
    return fc(emb(t))
  end),
  layernorm = image({2, 3, 6}, function(x) return nn.LayerNorm(6, {name = "ln"})(x) end),
  layernorm2d = image({2, 3, 6}, function(x) return nn.LayerNorm({3, 6}, {name = "ln"})(x) end),
  convtranspose = image({2, 3, 4, 5}, function(x)
    return nn.ConvTranspose2d(3, 2, 3, {stride = 2, padding = 1, output_padding = 1, name = "deconv"})(x)
  end),
  convtranspose_rect_nobias = image({2, 3, 4, 5}, function(x)
    return nn.ConvTranspose2d(3, 2, {2, 3}, {bias = false, name = "deconv"})(x)
  end),
  upsample_nearest = image({2, 2, 3, 4}, function(x) return nn.Upsample{scale_factor = 2}(x) end),
  upsample_bilinear = image({2, 2, 3, 4}, function(x) return nn.Upsample{scale_factor = 2, mode = "bilinear"}(x) end),
  upsample_bilinear_3x2 = image({2, 2, 3, 4}, function(x)
    return nn.Upsample{scale_factor = {3, 2}, mode = "bilinear"}(x)
  end),
  -- global average pooling, then a classifier
  adaptive_global = image({2, 3, 5, 6}, function(x)
    return nn.Sequential{nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 4), name = "head"}(x)
  end),
  -- 5 rows into 2 cells, 6 columns into 4: overlapping windows of unequal sizes
  adaptive_uneven = image({2, 3, 5, 6}, function(x)
    return nn.Sequential{nn.AdaptiveAvgPool2d({2, 4}), nn.Flatten(), nn.Linear(24, 4), name = "head"}(x)
  end),
  conv1d_maxpool = image({2, 3, 8}, function(x)
    return nn.Sequential{nn.Conv1d(3, 4, 3, {padding = 1}), nn.ReLU(), nn.MaxPool1d(2), name = "features"}(x)
  end),
  maxpool1d = image({2, 3, 9}, function(x) return nn.MaxPool1d(2)(x) end),
  avgpool1d = image({2, 3, 8}, function(x) return nn.AvgPool1d(3, {stride = 2, padding = 1})(x) end),
  conv1d_avgpool = image({2, 3, 11}, function(x)
    local conv = nn.Conv1d(3, 4, 3, {stride = 2, name = "conv"})
    return nn.AvgPool1d(3, {stride = 2, padding = 1})(conv(x))
  end),
  -- narrow, chunk, transpose, cat and stack, every result flattened and joined
  tensorops_slice = image({2, 3, 4, 5}, function(x)
    local c1, c2, c3 = x:chunk(3, 4)                            -- widths 2, 2, 1
    local parts = {
      x:narrow(4, 2, 3),                                         -- [2, 3, 4, 3]
      x:narrow(-2, -2, 2),                                       -- the last 2 rows
      dlc.cat({c3, c1, c2}, 4),                                  -- the columns rotated
      dlc.stack({c2 * 2, c1}, 5),                                -- [2, 3, 4, 2, 2]
      x:transpose(2, 4),                                         -- [2, 5, 4, 3]
      x:transpose(1, 3):narrow(1, 2, 2),                         -- [2, 3, 2, 5]
    }
    for i, p in ipairs(parts) do parts[i] = p:reshape(2, -1) end
    return dlc.cat(parts, 2)
  end),
  -- slices of length 1 inside a dim: select, narrow by 1, stack on an inner dim (whose
  -- gradient slices by 1)
  tensorops_select = image({2, 3, 4, 5}, function(x)
    local c1, c2 = x:chunk(3, 4)
    local parts = {
      x:select(2, 3),                                            -- [2, 4, 5]
      x:select(3, -1),                                           -- [2, 3, 5]
      x:narrow(2, 2, 1),                                         -- [2, 1, 4, 5]
      dlc.stack({c1, c2}, 2),                                    -- [2, 2, 3, 4, 2]
    }
    for i, p in ipairs(parts) do parts[i] = p:reshape(2, -1) end
    return dlc.cat(parts, 2)
  end),
  -- reductions over one and several dims
  tensorops_reduce = image({2, 3, 4, 5}, function(x)
    local parts = {
      x:mean({2, 3}),                                            -- [2, 5]
      x:mean(4),                                                 -- [2, 3, 4]
      x:sum({2, 4}),                                             -- [2, 4]
      x:var(3),                                                  -- [2, 3, 5]
      x:var(4, {unbiased = false}),                              -- [2, 3, 4]
      x:var({3, 4}),                                             -- [2, 3]
      x:min(3),                                                  -- [2, 3, 5]
      x:max(4),                                                  -- [2, 3, 4]
    }
    for i, p in ipairs(parts) do parts[i] = p:reshape(2, -1) end
    return dlc.cat(parts, 2)
  end),
  -- gather along dim 1 of a [4, 5] table, indices [3, 5] (repeats sum their gradients)
  gather_dim1 = tokens({3, 5}, function(t) return dlc.param("x", {4, 5}):gather(1, t) end),
  -- gather along the last dim of [2, 3, 6], indices [2, 3, 4]
  gather_last = tokens({2, 3, 4}, function(t) return dlc.param("x", {2, 3, 6}):gather(3, t) end),
  -- self-attention, [L, N, E], 2 heads; in_proj_weight / out_proj as PyTorch names them
  mha = image({5, 2, 8}, function(x) return nn.MultiheadAttention(8, 2, {name = "attn"})(x, x, x) end),
  -- batch_first, 4 heads, causal (PyTorch: the -inf upper triangle as attn_mask), key and
  -- value another tensor than the query
  mha_causal = image({2, 5, 8}, function(x)
    return nn.MultiheadAttention(8, 4, {batch_first = true, name = "attn"})(x, x * 0.5, x:tanh(), {is_causal = true})
  end),
  -- batched matmul: [B, n, k] x [B, k, m], and [n, k] x [B, k, m] broadcast over B
  bmm = image({2, 3, 4}, function(x)
    return x:matmul(x:transpose(2, 3)) + x:select(1, 1):matmul(x:transpose(2, 3))
  end),
  -- a head's 16 dims over 12 positions, and [2, 16, 12] x its transpose: the backward's
  -- batched products summed over an innermost dim (opt_layout.c's sum_inner) and over a
  -- middle one (emit_loops.c's sums_inward)
  mha_wide = image({2, 12, 32}, function(x)
    return nn.MultiheadAttention(32, 2, {batch_first = true, name = "attn"})(x, x, x)
  end),
  bmm_wide = image({2, 16, 12}, function(x) return x:matmul(x:transpose(2, 3)) end),
  -- recurrent layers over [T, N, F] (batch_first: [N, T, F]); the output sequence
  rnn = image({6, 2, 4}, function(x) return (nn.RNN(4, 5, {name = "rnn"})(x)) end),
  rnn_relu_2layer_nobias = image({6, 2, 4}, function(x)
    return (nn.RNN(4, 5, {num_layers = 2, nonlinearity = "relu", bias = false, name = "rnn"})(x))
  end),
  lstm = image({6, 2, 4}, function(x) return (nn.LSTM(4, 5, {name = "rnn"})(x)) end),
  lstm_2layer_bidir = image({2, 6, 4}, function(x)
    return (nn.LSTM(4, 5, {num_layers = 2, bidirectional = true, batch_first = true, name = "rnn"})(x))
  end),
  gru = image({6, 2, 4}, function(x) return (nn.GRU(4, 5, {name = "rnn"})(x)) end),
  gru_2layer_bidir = image({2, 6, 4}, function(x)
    return (nn.GRU(4, 5, {num_layers = 2, bidirectional = true, batch_first = true, name = "rnn"})(x))
  end),
  -- a given initial state {h0, c0} (parameters), the last step through nn.Last into a
  -- classifier, and the final state h_n, c_n
  lstm_state = image({5, 2, 3}, function(x)
    local lstm = nn.LSTM(3, 4, {bidirectional = true, name = "rnn"})
    local out, hc = lstm(x, {dlc.param("h0", {2, 2, 4}), dlc.param("c0", {2, 2, 4})})
    local head = nn.Sequential{nn.Last(), nn.Linear(8, 3), name = "head"}
    return dlc.cat({head(out), hc[1]:reshape(2, -1), hc[2]:reshape(2, -1)}, 2)
  end),
  -- an unbatched sequence [T, F] and a given h0 [1, H]: output and h_n joined
  gru_unbatched_state = image({5, 3}, function(x)
    local out, h = nn.GRU(3, 4, {name = "rnn"})(x, dlc.param("h0", {1, 4}))
    return dlc.cat({out, h}, 1)
  end),
}

local case = dlc.arg.case
local build = cases[case]
if not build then error("layers.lua: unknown case " .. tostring(case) .. " (give -D case=NAME)") end
local shape, f, int = build()
if int then
  local t = dlc.input("t", shape, {dtype = "int"})
  local y = f(t)
  local w = dlc.param("w", y:size())
  return { name = "layer_" .. case, inputs = {t}, outputs = {y}, loss = (y * w):sum(),
           optim = optim.SGD{lr = 0.1} }
end
local y = f(dlc.param("x", shape))
local w = dlc.input("w", y:size())
return { name = "layer_" .. case, inputs = {w}, outputs = {y}, loss = (y * w):sum(),
         optim = optim.SGD{lr = 0.1} }
