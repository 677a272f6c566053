-- dlc.lua - the `dlc` module: inputs, parameters, tensor methods and the spec table.
-- Runs inside the sandbox with the C primitives (`core`) as its argument.  Dims are 1-based
-- (negative counts from the end), as everywhere in Lua; core takes them as given.
local core = ...
local dlc = {}
local T = core.methods

dlc.arg = core.args

local function is_tensor(v) return core.is_tensor(v) end

local function need_tensor(v, what)
  if not is_tensor(v) then core.error(what .. " expects a tensor, got " .. type(v)) end
end

local function norm_dim(x, d, what)
  local n = #core.shape(x)
  if math.type(d) ~= "integer" then core.error(what .. ": dim must be an integer, got " .. tostring(d)) end
  local a = d < 0 and d + n + 1 or d
  if a < 1 or a > n then
    core.error(string.format("%s: dim %d is out of range for a %d-D tensor (dims are 1..%d)", what, d, n, n))
  end
  return a
end

local function numel(s)
  local n = 1
  for _, d in ipairs(s) do n = n * d end
  return n
end

-- shape arguments: a table {2, 3} or the sizes themselves; one -1 is inferred
local function shape_args(x, what, ...)
  local s = ...
  if type(s) ~= "table" then s = {...} end
  local out, infer = {}, nil
  for i, d in ipairs(s) do
    if d == -1 and not infer then infer = i; out[i] = 1
    elseif math.type(d) ~= "integer" or d < 1 then
      core.error(what .. ": sizes must be positive integers (or one -1), got " .. tostring(d))
    else out[i] = d end
  end
  if infer then
    local total, rest = numel(core.shape(x)), numel(out)
    if total % rest ~= 0 then
      core.error(string.format("%s: cannot infer -1: %d elements are not a multiple of %d", what, total, rest))
    end
    out[infer] = total // rest
  end
  return out
end

-- ---- inputs and parameters ------------------------------------------------------------

function dlc.input(name, shape, opts)
  if type(name) ~= "string" or name == "" then core.error("dlc.input: the first argument is the input's name") end
  local dtype = "float"
  if opts ~= nil then
    if type(opts) ~= "table" then core.error("dlc.input: options must be a table, e.g. {dtype = \"int\"}") end
    for k, v in pairs(opts) do
      if k ~= "dtype" then core.error("dlc.input: unknown option '" .. tostring(k) .. "'") end
      if v ~= "float" and v ~= "int" then core.error("dlc.input: dtype must be \"float\" or \"int\"") end
      dtype = v
    end
  end
  return core.input(name, shape, dtype)
end

function dlc.param(name, shape, initializer)
  if type(name) ~= "string" or name == "" then core.error("dlc.param: the first argument is the parameter's name") end
  local init = require "init"
  return core.param(name, shape, init._resolve(initializer or init.zeros(), shape, "dlc.param"))
end

-- ---- tensor methods ---------------------------------------------------------------------

-- matmul(b): 2-D products as they are; [..., n, k] x [k, m] as one 2-D product; otherwise
-- batched, the leading dims broadcast as NumPy's ([B, n, k] x [B, k, m], [B, h, n, k] x
-- [B, h, k, m], [n, k] x [B, k, m]), lowered to a broadcast product summed over k.
function T:matmul(b)
  need_tensor(b, "matmul")
  local sa, sb = core.shape(self), core.shape(b)
  if #sa == 2 and #sb == 2 then return core.matmul(self, b) end
  if #sa < 2 or #sb < 2 then core.error("matmul needs tensors of at least 2 dims, got " .. #sa .. " and " .. #sb) end
  if sa[#sa] ~= sb[#sb - 1] then
    core.error(string.format("matmul: inner dimensions differ: [%s] times [%s] (%d vs %d)", table.concat(sa, ","),
      table.concat(sb, ","), sa[#sa], sb[#sb - 1]))
  end
  if #sb == 2 then
    local rows = numel(sa) // sa[#sa]
    local out = {}
    for i = 1, #sa - 1 do out[i] = sa[i] end
    out[#sa] = sb[2]
    return core.reshape(core.matmul(core.reshape(self, {rows, sa[#sa]}), b), out)
  end
  local r = (self:unsqueeze(-1) * b:unsqueeze(-3)):sum(-2)
  return r
end
function T:t() return core.transpose(self) end
function T:size(d)
  local s = core.shape(self)
  if d == nil then return s end
  return s[norm_dim(self, d, "size")]
end
T.shape = T.size
function T:dim() return #core.shape(self) end
function T:numel() return numel(core.shape(self)) end
function T:reshape(...) return core.reshape(self, shape_args(self, "reshape", ...)) end
T.view = T.reshape

-- permute(d1, d2, ...) or permute{d1, ...}: output dim i is input dim d_i (1-based), as PyTorch
function T:permute(...)
  local dims = select("#", ...) == 1 and type(...) == "table" and ... or {...}
  local perm = {}
  for i, d in ipairs(dims) do perm[i] = norm_dim(self, d, "permute") - 1 end
  return core.permute(self, perm)
end

function T:flatten(start_dim, end_dim)
  local s = core.shape(self)
  if #s == 0 then return core.reshape(self, {1}) end
  local a = norm_dim(self, start_dim or 1, "flatten")
  local b = norm_dim(self, end_dim or -1, "flatten")
  if a > b then core.error("flatten: start_dim comes after end_dim") end
  local out, n = {}, 1
  for i = 1, a - 1 do out[#out + 1] = s[i] end
  for i = a, b do n = n * s[i] end
  out[#out + 1] = n
  for i = b + 1, #s do out[#out + 1] = s[i] end
  return core.reshape(self, out)
end

local function drop_dim(s, a)
  local r = {}
  for i, d in ipairs(s) do if i ~= a then r[#r + 1] = d end end
  return r
end

function T:max(dim, keepdim)
  if dim == nil then
    return core.reshape(core.max(core.reshape(self, {self:numel()}), 1), {})
  end
  local a = norm_dim(self, dim, "max")
  local r = core.max(self, a)
  if not keepdim then r = core.reshape(r, drop_dim(core.shape(r), a)) end
  return r
end

-- dims given as one dim or a table of dims: sorted 1-based dims, each once
local function dim_list(x, dims, what)
  if type(dims) ~= "table" then return {norm_dim(x, dims, what)} end
  local r, seen = {}, {}
  for i, d in ipairs(dims) do
    local a = norm_dim(x, d, what)
    if seen[a] then core.error(what .. ": dim " .. tostring(d) .. " is given twice") end
    seen[a], r[i] = true, a
  end
  if #r == 0 then core.error(what .. ": give at least one dim") end
  table.sort(r)
  return r
end

-- sum over dims (one dim or a table of dims); keepdim keeps them as size 1
function T:sum(dim, keepdim)
  if dim == nil then return core.sum_to(self, {}) end
  local s = core.shape(self)
  local dims = dim_list(self, dim, "sum")
  for _, a in ipairs(dims) do s[a] = 1 end
  local r = core.sum_to(self, s)
  if keepdim then return r end
  local out = {}
  for i, d in ipairs(s) do
    local drop = false
    for _, a in ipairs(dims) do drop = drop or a == i end
    if not drop then out[#out + 1] = d end
  end
  return core.reshape(r, out)
end

function T:mean(dim, keepdim)
  local s = core.shape(self)
  local n = 1
  if dim == nil then n = numel(s) else for _, a in ipairs(dim_list(self, dim, "mean")) do n = n * s[a] end end
  return self:sum(dim, keepdim) / n
end

-- var(dim, {unbiased = true, keepdim = false}): PyTorch's variance (Bessel's correction
-- unless unbiased = false); dim nil: over all elements
function T:var(dim, o)
  if type(dim) == "table" and o == nil and dim[1] == nil then dim, o = nil, dim end
  o = o or {}
  if type(o) ~= "table" then core.error("var: options must be a table, e.g. {unbiased = false}") end
  for k in pairs(o) do
    if k ~= "unbiased" and k ~= "keepdim" then core.error("var: unknown option '" .. tostring(k) .. "' (known: keepdim, unbiased)") end
  end
  local s = core.shape(self)
  local n = 1
  if dim == nil then n = numel(s) else for _, a in ipairs(dim_list(self, dim, "var")) do n = n * s[a] end end
  local unbiased = o.unbiased == nil or o.unbiased
  if unbiased and n < 2 then core.error("var: the unbiased variance needs at least 2 elements, got " .. n) end
  local mean = self:mean(dim, true)
  return ((self - mean) ^ 2):sum(dim, o.keepdim) / (unbiased and n - 1 or n)
end

function T:min(dim, keepdim) return -((-self):max(dim, keepdim)) end

-- transpose(d1, d2): two dims swapped, any rank; t(): a 2-D transpose
function T:transpose(d1, d2)
  local n = #core.shape(self)
  local a, b = norm_dim(self, d1, "transpose"), norm_dim(self, d2, "transpose")
  local perm = {}
  for i = 1, n do perm[i] = i - 1 end
  perm[a], perm[b] = b - 1, a - 1
  return core.permute(self, perm)
end

local function index_arg(v, what)
  if math.type(v) ~= "integer" then core.error(what .. " must be an integer, got " .. tostring(v)) end
  return v
end

-- narrow(dim, start, length): elements start .. start + length - 1 (1-based) of dim
function T:narrow(dim, start, length)
  local a = norm_dim(self, dim, "narrow")
  local size = core.shape(self)[a]
  start, length = index_arg(start, "narrow: start"), index_arg(length, "narrow: length")
  if start < 0 then start = start + size + 1 end
  if start < 1 or length < 1 or start + length - 1 > size then
    core.error(string.format("narrow: elements %d to %d are outside dim %d of size %d", start, start + length - 1, a, size))
  end
  return core.slice(self, a, start - 1, length)
end

-- select(dim, index): the slice at index (1-based; negative from the end), dim removed
function T:select(dim, index)
  local a = norm_dim(self, dim, "select")
  local s = core.shape(self)
  index = index_arg(index, "select: index")
  if index < 0 then index = index + s[a] + 1 end
  if index < 1 or index > s[a] then
    core.error(string.format("select: index %d is outside dim %d of size %d", index, a, s[a]))
  end
  if a < #s then
    -- dims a and a + 1 merged (a free view of a whole buffer), then one run of the merged dim:
    -- the slice stays a read-through view for its users (a size-1 slice reshaped would be copied)
    local m, inner = {}, s[a + 1]
    for i = 1, #s do if i ~= a + 1 then m[#m + 1] = i == a and s[a] * inner or s[i] end end
    return core.slice(core.reshape(self, m), a, (index - 1) * inner, inner)
  end
  local r = core.slice(self, a, index - 1, 1)
  return core.reshape(r, drop_dim(s, a))
end

-- chunk(n, dim): n pieces along dim (the last may be smaller), as PyTorch's, returned as
-- several values: local i, f, g, o = gates:chunk(4, 2)
function T:chunk(n, dim)
  if math.type(n) ~= "integer" or n < 1 then core.error("chunk: n must be a positive integer, got " .. tostring(n)) end
  local a = norm_dim(self, dim or 1, "chunk")
  local size = core.shape(self)[a]
  local step = (size + n - 1) // n
  local r = {}
  for start = 0, size - 1, step do r[#r + 1] = core.slice(self, a, start, math.min(step, size - start)) end
  return table.unpack(r)
end

function T:unsqueeze(dim)
  local s = core.shape(self)
  if math.type(dim) ~= "integer" then core.error("unsqueeze: dim must be an integer") end
  local a = dim < 0 and dim + #s + 2 or dim
  if a < 1 or a > #s + 1 then core.error(string.format("unsqueeze: dim %d is out of range for a %d-D tensor", dim, #s)) end
  table.insert(s, a, 1)
  return core.reshape(self, s)
end

function T:squeeze(dim)
  local s = core.shape(self)
  if dim == nil then
    local r = {}
    for _, d in ipairs(s) do if d ~= 1 then r[#r + 1] = d end end
    return core.reshape(self, r)
  end
  local a = norm_dim(self, dim, "squeeze")
  if s[a] ~= 1 then return self end
  return core.reshape(self, drop_dim(s, a))
end

-- gather(dim, index): out[i][j] = x[index[i][j]][j] along dim (torch.gather; indices 0-based
-- as PyTorch's, an int32 tensor of x's rank)
function T:gather(dim, index)
  need_tensor(index, "gather")
  if core.dtype(index) ~= "int" then core.error("gather: the index must be an int32 tensor (dlc.input(..., {dtype = \"int\"}))") end
  local a = norm_dim(self, dim, "gather")
  return core.gather(self, a, index, core.shape(index))
end

-- dlc.cat({a, b, ...}, dim): joined along dim (default 1), every other dim equal
function dlc.cat(list, dim)
  if type(list) ~= "table" or #list == 0 then core.error("dlc.cat takes a list of tensors: dlc.cat({a, b}, dim)") end
  for i, t in ipairs(list) do
    if not is_tensor(t) then core.error(string.format("dlc.cat: element %d is a %s, not a tensor", i, type(t))) end
  end
  local first = core.shape(list[1])
  local a = norm_dim(list[1], dim or 1, "dlc.cat")
  local total = 0
  for i, t in ipairs(list) do
    local s = core.shape(t)
    local ok = #s == #first
    for d = 1, #s do ok = ok and (d == a or s[d] == first[d]) end
    if not ok then
      core.error(string.format("dlc.cat: tensor %d has shape [%s]; each must match [%s] in every dim but dim %d", i,
        table.concat(s, ","), table.concat(first, ","), a))
    end
    total = total + s[a]
  end
  if #list == 1 then return list[1] end
  local r, at = nil, 0
  for _, t in ipairs(list) do
    local p = core.pad(t, a, at, total)
    r = r and r + p or p
    at = at + core.shape(t)[a]
  end
  return r
end

-- dlc.stack({a, b, ...}, dim): equal shapes joined along a new dim
function dlc.stack(list, dim)
  if type(list) ~= "table" or #list == 0 then core.error("dlc.stack takes a list of tensors: dlc.stack({a, b}, dim)") end
  local u = {}
  for i, t in ipairs(list) do
    if not is_tensor(t) then core.error(string.format("dlc.stack: element %d is a %s, not a tensor", i, type(t))) end
    u[i] = t:unsqueeze(dim or 1)
  end
  return dlc.cat(u, dim or 1)
end

for _, op in ipairs {"exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "erf"} do
  T[op] = function(self) return core.unary(op, self) end
end

function T:softmax(dim) return core.row("softmax", self, norm_dim(self, dim or -1, "softmax")) end
function T:log_softmax(dim) return core.row("log_softmax", self, norm_dim(self, dim or -1, "log_softmax")) end

function T:clamp(lo, hi)
  if lo == nil and hi == nil then core.error("clamp: give a min, a max or both") end
  for _, v in ipairs {lo or 0, hi or 0} do
    if type(v) ~= "number" then core.error("clamp: bounds must be numbers") end
  end
  return core.unary("clamp", self, lo or -math.huge, hi or math.huge)
end

function T:pow(e) return self ^ e end

-- ---- the spec table -----------------------------------------------------------------------

local known_keys = {name = true, input = true, inputs = true, net = true, outputs = true,
  target = true, loss = true, optim = true, clip_grad_norm = true, train = true, scheduler = true}

local function is_module(v)
  local mt = getmetatable(v)
  return type(v) == "table" and type(mt) == "table" and mt._kind ~= nil
end
dlc._is_module = is_module

local function tensor_list(v, key)
  if is_tensor(v) then return {v} end
  if type(v) ~= "table" then core.error("spec." .. key .. " must be a list of tensors") end
  local r = {}
  for i, t in ipairs(v) do
    if not is_tensor(t) then core.error(string.format("spec.%s[%d] is a %s, not a tensor", key, i, type(t))) end
    r[i] = t
  end
  if #r == 0 then core.error("spec." .. key .. " is empty") end
  return r
end

local function build_target(spec, batch)
  local t = spec.target
  if type(t) ~= "table" then
    core.error('spec.target must be {classes = K}, a shape like {64, 1}, or "input" (the input is the target)')
  end
  if t.classes ~= nil then
    if math.type(t.classes) ~= "integer" or t.classes < 1 then
      core.error("spec.target.classes must be a positive integer")
    end
    return core.input("target", {batch}, "int"), t.classes
  end
  return core.input("target", t, "float")
end

local function build_loss(spec, outputs, target, classes)
  local loss = spec.loss
  if is_tensor(loss) then return loss end
  if not is_module(loss) then core.error("spec.loss must be a loss module (e.g. nn.MSELoss()) or a scalar tensor") end
  if not target then core.error("spec.loss is a module but the spec has no target") end
  if classes then
    local s = core.shape(outputs[1])
    if s[#s] ~= classes then
      core.error(string.format("the net outputs %d scores per sample but the target has %d classes", s[#s], classes))
    end
  end
  return loss(outputs[1], target)
end

-- spec.net applied twice: in training mode (dropout on, batch statistics), for the loss, and in
-- inference mode, for m_forward and m_eval.  Layers that do not care give the same nodes both
-- times (hash-consing), so only the parts that differ are built twice.
-- spec.train: defaults for dlc train's options (the command line wins)
local train_keys = {epochs = "an integer >= 0", val_split = "a number in [0, 1)", seed = "an integer >= 0",
  normalize = '"scale", "minmax", "zscore" or "none"', shuffle = "a boolean",
  augment = '"none" or a comma list of hflip, crop:P (P from 1 to 1024) and shift, e.g. "hflip,crop:4"'}
-- dlc train's --augment list (runtime/prep.c, rt_augment_parse): each kind at most once
local function augment_ok(v)
  if type(v) ~= "string" then return false end
  if v == "none" then return true end
  local seen = {}
  for item in (v .. ","):gmatch("([^,]*),") do
    local p = item:match("^crop:([1-9]%d*)$")
    local key = p and "crop" or item ~= "crop" and item
    if (key ~= "hflip" and key ~= "shift" and key ~= "crop") or seen[key] or (p and (#p > 4 or tonumber(p) > 1024)) then
      return false
    end
    seen[key] = true
  end
  return true
end
local function check_train(t)
  if type(t) ~= "table" then core.error("spec.train must be a table of dlc train defaults, e.g. {epochs = 5}") end
  local r = {} -- a plain copy, read raw: C reads it after the model's time is over
  for k, v in next, t do
    local ok = (k == "epochs" or k == "seed") and math.type(v) == "integer" and v >= 0
      or k == "val_split" and type(v) == "number" and v >= 0 and v < 1
      or k == "normalize" and (v == "scale" or v == "minmax" or v == "zscore" or v == "none")
      or k == "augment" and augment_ok(v)
      or k == "shuffle" and type(v) == "boolean"
    if not train_keys[k] then
      core.error("spec.train: unknown key '" .. tostring(k) .. "' (known: augment, epochs, normalize, seed, shuffle, val_split)")
    elseif not ok then
      core.error("spec.train." .. k .. " must be " .. train_keys[k] .. ", got " .. tostring(v))
    end
    r[k] = v
  end
  return r
end

local function both_modes(net, x, training)
  local train_out
  if training then
    core.mode("train")
    train_out = net(x)
  end
  core.mode("eval")
  local eval_out = net(x)
  core.mode("none")
  return {eval_out}, {train_out or eval_out}
end

-- dlc train --loss/--optim/--lr: a model without loss and optim (as dlc import writes them) gets
-- them, with the target its loss needs: class indices for cross_entropy and nll, else a tensor of
-- the output's shape.
local complete_losses = {cross_entropy = "CrossEntropyLoss", nll = "NLLLoss", mse = "MSELoss", l1 = "L1Loss",
  bce = "BCELoss", bce_with_logits = "BCEWithLogitsLoss"}
local complete_optims = {sgd = "SGD", adam = "Adam", adamw = "AdamW", rmsprop = "RMSprop"}
local function complete_spec(spec, out)
  local c = core.complete
  if spec.loss ~= nil or spec.optim ~= nil then
    core.error("--loss, --optim and --lr complete a model that has no loss and no optim; this one has its own")
  end
  if spec.target ~= nil then core.error("--loss makes the target; this model has one: give it spec.loss and spec.optim") end
  local lname, oname = complete_losses[c.loss], complete_optims[c.optim ~= "" and c.optim or "adam"]
  if not lname then
    core.error(c.loss == "" and "--optim and --lr need --loss (cross_entropy, nll, mse, l1, bce or bce_with_logits)"
      or "--loss " .. c.loss .. ": not a loss dlc train knows (cross_entropy, nll, mse, l1, bce or bce_with_logits)")
  end
  if not oname then core.error("--optim " .. c.optim .. ": not an optimizer dlc train knows (sgd, adam, adamw or rmsprop)") end
  local nn, optim = require "nn", require "optim"
  local s = core.shape(out)
  local target
  if lname == "CrossEntropyLoss" or lname == "NLLLoss" then
    if #s ~= 2 then core.error("--loss " .. c.loss .. " needs an output of [batch, classes], got " .. table.concat(s, "x")) end
    target = {classes = s[2]}
  else
    target = s
  end
  local lr = c.lr > 0 and c.lr or (oname == "SGD" and 0.01 or nil)
  return setmetatable({target = target, loss = nn[lname](), optim = optim[oname]{lr = lr}}, {__index = spec})
end

function dlc._build(spec, stem)
  if type(spec) ~= "table" then
    core.error("the model file must return a spec table, e.g. return {input = ..., net = ...}; it returned " .. type(spec))
  end
  for k in pairs(spec) do
    if not known_keys[k] then
      core.error("unknown key '" .. tostring(k) .. "' in the spec (known: name, input, inputs, net, outputs, target, loss, optim, scheduler, clip_grad_norm, train)")
    end
  end
  local name = spec.name or stem
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    core.error("spec.name must be a C identifier (letters, digits, _), got " .. tostring(name) ..
      (spec.name and "" or " (from the file name: set name = ...)"))
  end
  local inputs, outputs, train_outputs
  if core.batch and spec.input ~= nil then
    -- dlc train --batch B: the model's fixed shapes are rebuilt around another batch size
    local function rebatch(s, what)
      if type(s) ~= "table" or #s < 1 then core.error("spec." .. what .. " must be a shape") end
      local r = {core.batch}
      for i = 2, #s do r[i] = s[i] end
      return r
    end
    spec = setmetatable({input = rebatch(spec.input, "input")}, {__index = spec})
    if type(spec.target) == "table" and spec.target.classes == nil then spec.target = rebatch(spec.target, "target") end
  elseif core.batch then
    core.error("--batch needs a sequential-style model (input = {batch, ...}); a functional model can read its batch size from -D batch=N")
  end
  if spec.input ~= nil then
    if spec.inputs ~= nil then core.error("give either input (a shape, with net) or inputs (tensors), not both") end
    if not is_module(spec.net) then core.error("spec.input needs spec.net, a module such as nn.Sequential{...}") end
    inputs = {core.input("x", spec.input, "float")}
    outputs, train_outputs = both_modes(spec.net, inputs[1], spec.loss ~= nil or core.complete ~= nil)
  elseif spec.inputs ~= nil then
    inputs = tensor_list(spec.inputs, "inputs")
    for i, t in ipairs(inputs) do
      if core.kind(t) ~= "input" then core.error(string.format("spec.inputs[%d] is not made by dlc.input", i)) end
    end
    if spec.outputs ~= nil then outputs = tensor_list(spec.outputs, "outputs")
    elseif is_module(spec.net) then outputs, train_outputs = both_modes(spec.net, inputs[1], spec.loss ~= nil or core.complete ~= nil)
    else core.error("spec.inputs needs spec.outputs (tensors) or spec.net (a module)") end
  else
    core.error("the spec needs input = {batch, ...} (with net) or inputs = {tensors} (with outputs)")
  end
  train_outputs = train_outputs or outputs
  if core.complete then spec = complete_spec(spec, outputs[1]) end
  local r = {name = name, inputs = inputs, outputs = outputs}
  local classes
  if is_tensor(spec.target) then
    -- functional style: the target is one of the inputs, in its place among them
    for i, t in ipairs(inputs) do if core.id(t) == core.id(spec.target) then r.target_index = i end end
    if not r.target_index then core.error("spec.target must be one of spec.inputs (a tensor made by dlc.input)") end
    r.target = spec.target
    if core.dtype(spec.target) == "int" then
      local s = core.shape(outputs[1])
      classes = s[#s]
    end
  elseif spec.target == "input" then
    -- an autoencoder: the loss compares the output with the input itself (no target input)
    r.target_index = 1
    r.target = inputs[1]
  elseif spec.target ~= nil then
    local t
    -- the batch: the input's first dim, or for a completed model the output's (a time-major
    -- recurrent model's input is [T, N, F])
    t, classes = build_target(spec, core.complete and core.shape(outputs[1])[1] or core.shape(inputs[1])[1])
    inputs[#inputs + 1] = t
    r.target_index = #inputs
    r.target = t
  end
  if spec.loss ~= nil then
    r.loss = build_loss(spec, train_outputs, r.target, classes)
    -- dlc train reports a binary classifier's accuracy: the loss says how to read its output
    local kind = is_module(spec.loss) and getmetatable(spec.loss)._kind
    if kind == "BCELoss" or kind == "BCEWithLogitsLoss" then r.binary = kind end
    if is_module(spec.loss) and spec.loss._per_sample then r.sample_loss = spec.loss:_per_sample(outputs[1], r.target) end
    if #core.shape(r.loss) ~= 0 and r.loss:numel() ~= 1 then
      core.error("the loss must be a scalar; reduce it with :mean() or :sum()")
    end
  end
  if spec.optim ~= nil then
    local mt = getmetatable(spec.optim)
    if type(spec.optim) ~= "table" or not mt or not mt._optimizer then
      core.error("spec.optim must be an optimizer, e.g. optim.SGD{lr = 0.01}")
    end
    if not r.loss then core.error("spec.optim needs spec.loss: what should the optimizer minimise?") end
    r.optim = spec.optim
  elseif r.loss then
    core.error("spec.loss needs spec.optim, e.g. optim = optim.SGD{lr = 0.01}")
  end
  if spec.clip_grad_norm ~= nil then
    local c = spec.clip_grad_norm
    if type(c) ~= "number" or not (c > 0) or c == math.huge then
      core.error("spec.clip_grad_norm must be a positive number (the maximal global L2 norm), got " .. tostring(c))
    end
    if not r.optim then core.error("spec.clip_grad_norm needs spec.optim") end
    r.clip_grad_norm = c
  end
  if spec.scheduler ~= nil then
    -- the learning rate becomes a run-time value (optim.lr) that the runtime sets from the schedule
    local mt = getmetatable(spec.scheduler)
    if type(spec.scheduler) ~= "table" or type(mt) ~= "table" or not mt._scheduler then
      core.error("spec.scheduler must be a learning-rate scheduler, e.g. optim.StepLR{step_size = 10}")
    end
    if not r.optim then core.error("spec.scheduler needs spec.optim: whose learning rate should it change?") end
    r.scheduler = spec.scheduler:_resolve(r.optim)
    r.optim = r.optim:_scheduled()
  end
  if spec.train ~= nil then r.train = check_train(spec.train) end
  if is_module(spec.net) then spec.net:_name("net") end
  return r
end

return dlc
