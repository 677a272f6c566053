-- nn.lua - layers, activations, losses and containers, as compositions of core primitives.
-- A module is a table whose metatable (its class) has _kind; calling it applies forward with
-- the module's own model line, so nodes and errors point at where the module was written.
-- Parameters are created with the module and renamed into the state_dict scheme (net.0.weight)
-- when the spec's net is named.  No module has a backward: autodiff derives it.
local core = ...
local init = require "init"
local nn = {}
local Module = {}
Module.__index = Module

local counters = {}

local function apply(self, ...)
  local args = table.pack(...)
  local want = self._nargs or 1 -- losses take (input, target), every other module one input
  if self._vararg then want = args.n end -- MultiheadAttention: (x) or (q, k, v[, options])
  if args.n ~= want then
    core.error(string.format("%s takes %d input%s, got %d", tostring(self), want, want == 1 and "" or "s", args.n))
  end
  return core.with_module(self._scope, self._line, function() return self:forward(table.unpack(args, 1, args.n)) end)
end

-- {name = "conv1"} among a module's arguments (its options table, or the list of a
-- Sequential): the module's checkpoint name, taken out before the module sees its arguments.
-- A given name is the module's whole state_dict prefix: containers do not rename it.
local function given_name(kind, args)
  local given
  for i = 1, args.n do
    local v = args[i]
    if type(v) == "table" and getmetatable(v) == nil and rawget(v, "name") ~= nil then
      given = v.name
      if type(given) ~= "string" or not given:match("^[%w_]+[%w_.]*$") or given:match("%.%.") or given:match("%.$") then
        core.error(string.format("nn.%s: name must be a state_dict prefix such as \"conv1\" or \"encoder.fc\" " ..
          "(letters, digits, _ and dots), got %s", kind, type(given) == "string" and ("\"" .. given .. "\"") or type(given)))
      end
      local copy = {}
      for k, x in next, v do if k ~= "name" then copy[k] = x end end
      if next(copy) == nil and i == args.n then args.n = i - 1 else args[i] = copy end
    end
  end
  return args, given
end

-- class(kind, ctor): nn.Kind(...) builds an instance; instance(x) applies it
local function class(kind, ctor)
  local c = {_kind = kind, __call = apply}
  c.__index = c
  c.__tostring = function(self) return "nn." .. kind .. (self._desc and ("(" .. self._desc .. ")") or "()") end
  setmetatable(c, {__index = Module, __call = function(_, ...)
    local self = setmetatable({_line = core.line(), _params = {}, _order = {}}, c)
    counters[kind] = (counters[kind] or -1) + 1
    self._auto = kind:lower() .. counters[kind]
    self._scope = core.scope(self._auto, kind) -- its nodes' module, renamed with it (_name)
    local args, given = given_name(kind, table.pack(...))
    ctor(self, table.unpack(args, 1, args.n))
    if given then
      self._given = given
      self:_name(given)
    end
    return self
  end})
  nn[kind] = c
  return c
end

function Module:forward() core.error(tostring(self) .. " has no forward") end

function Module:_param(name, shape, initializer)
  local p = core.param(self._auto .. "." .. name, shape, init._resolve(initializer, shape, tostring(self)))
  self._params[name] = p
  self._order[#self._order + 1] = name
  self[name] = p
  return p
end

function Module:_name(prefix)
  prefix = self._given or prefix
  core.rename_scope(self._scope, prefix)
  for _, k in ipairs(self._order) do core.rename(self._params[k], prefix .. "." .. k) end
end

function Module:parameters()
  local r = {}
  for _, k in ipairs(self._order) do r[#r + 1] = self._params[k] end
  return r
end

local function is_module(m)
  local mt = type(m) == "table" and getmetatable(m)
  return mt and rawget(mt, "_kind") ~= nil
end

-- module:freeze(): the module's parameters and its children's are no longer trained (no
-- gradient, no optimizer state, never updated) but stay the model's, saved and loaded under
-- their names; a frozen batch norm normalizes with its running statistics in training too and
-- leaves them alone (PyTorch's bn.eval(); requires_grad = False alone would still use the
-- batch's).  Returns the module, so nn.Linear(4, 3):freeze() chains.
function Module:freeze()
  if not is_module(self) then core.error("freeze: call it on a module, as m:freeze()") end
  if self._freeze_bn then self:_freeze_bn() end
  self._frozen = true
  for _, p in ipairs(self:parameters()) do core.freeze(p) end
  for k, v in pairs(self) do -- children: a Sequential's list, Residual's module, sub-layers
    if k == "_mods" then for _, m in ipairs(v) do m:freeze() end
    elseif is_module(v) then v:freeze() end
  end
  return self
end

-- ---- argument checking ------------------------------------------------------------------

local function pos_int(v, what)
  if math.type(v) ~= "integer" or v < 1 then core.error(what .. " must be a positive integer, got " .. tostring(v)) end
  return v
end

-- options(t, {key = {type, default}}, what): a checked copy with defaults filled in
local function options(t, spec, what)
  local r = {}
  for k, s in pairs(spec) do r[k] = s[2] end
  if t == nil then return r end
  if type(t) ~= "table" then core.error(what .. ": options must be a table, e.g. {reduction = \"sum\"}") end
  for k, v in pairs(t) do
    local s = spec[k]
    if not s then
      local known = {}
      for name in pairs(spec) do known[#known + 1] = name end
      table.sort(known)
      core.error(string.format("%s: unknown option '%s' (known: %s)", what, tostring(k), table.concat(known, ", ")))
    end
    if s[1] ~= "any" and type(v) ~= s[1] then
      core.error(string.format("%s: option %s must be a %s, got %s", what, k, s[1], type(v)))
    end
    r[k] = v
  end
  return r
end

local function need_tensor(x, what)
  if not core.is_tensor(x) then core.error(what .. " expects a tensor, got " .. type(x)) end
end

local function shape_str(s) return "[" .. table.concat(s, ",") .. "]" end

-- ---- containers ---------------------------------------------------------------------------

class("Sequential", function(self, list)
  self._mods = {}
  if list == nil then return end
  if type(list) ~= "table" or getmetatable(list) then core.error("nn.Sequential takes a list of modules: nn.Sequential{m1, m2}") end
  local n = #list
  for k in pairs(list) do
    if math.type(k) ~= "integer" or k < 1 or k > n then core.error("nn.Sequential takes a list of modules, without keys") end
  end
  for i = 1, n do self:add(list[i]) end
end)

function nn.Sequential:add(m)
  local mt = getmetatable(m)
  if type(m) ~= "table" or not mt or not mt._kind then
    core.error(string.format("nn.Sequential: element %d is a %s, not a module", #self._mods + 1, type(m)))
  end
  self._mods[#self._mods + 1] = m
  return self
end

function nn.Sequential:forward(x)
  for _, m in ipairs(self._mods) do x = m(x) end
  return x
end

function nn.Sequential:_name(prefix)
  prefix = self._given or prefix
  core.rename_scope(self._scope, prefix)
  for i, m in ipairs(self._mods) do m:_name(prefix .. "." .. (i - 1)) end
end

function nn.Sequential:parameters()
  local r = {}
  for _, m in ipairs(self._mods) do
    for _, p in ipairs(m:parameters()) do r[#r + 1] = p end
  end
  return r
end

-- nn.Residual(m): m(x) + x, a skip connection for sequential models.  It adds no level to
-- the checkpoint names: m's parameters are named as if m stood in its place (the Residual's
-- index in its Sequential, e.g. net.3.0.weight for a Sequential m), as a PyTorch block that
-- subclasses Sequential and adds its input in forward names them.
class("Residual", function(self, m)
  local mt = getmetatable(m)
  if type(m) ~= "table" or not mt or not mt._kind then core.error("nn.Residual takes a module: nn.Residual(nn.Sequential{...})") end
  self._inner = m
  self._desc = tostring(m)
end)

function nn.Residual:forward(x)
  local y = self._inner(x)
  local sx, sy = core.shape(x), core.shape(y)
  if table.concat(sx, ",") ~= table.concat(sy, ",") then
    core.error(string.format("%s: the module turns %s into %s; a residual connection needs the same shape",
      tostring(self), shape_str(sx), shape_str(sy)))
  end
  return y + x
end

function nn.Residual:_name(prefix)
  prefix = self._given or prefix
  core.rename_scope(self._scope, prefix)
  self._inner:_name(prefix)
end

function nn.Residual:parameters() return self._inner:parameters() end

-- ---- layers ---------------------------------------------------------------------------------

class("Linear", function(self, fin, fout, o)
  pos_int(fin, "nn.Linear: in_features")
  pos_int(fout, "nn.Linear: out_features")
  o = options(o, {bias = {"boolean", true}, init = {"table", nil}, bias_init = {"table", nil}}, "nn.Linear")
  self.in_features, self.out_features = fin, fout
  self._desc = fin .. ", " .. fout
  local bound = 1 / math.sqrt(fin) -- PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
  self:_param("weight", {fout, fin}, o.init or init.uniform(-bound, bound))
  if o.bias then self:_param("bias", {fout}, o.bias_init or init.uniform(-bound, bound)) end
end)

function nn.Linear:forward(x)
  need_tensor(x, tostring(self))
  local s = core.shape(x)
  if #s == 0 or s[#s] ~= self.in_features then
    core.error(string.format("%s expects inputs with %d features in the last dim, got shape %s",
      tostring(self), self.in_features, shape_str(s)))
  end
  local x2 = #s == 2 and x or core.reshape(x, {x:numel() // self.in_features, self.in_features})
  local y = core.matmul(x2, self.weight, false, true)
  if self.bias then y = y + self.bias end
  if #s ~= 2 then
    local out = {}
    for i = 1, #s - 1 do out[i] = s[i] end
    out[#s] = self.out_features
    y = core.reshape(y, out)
  end
  return y
end

class("Flatten", function(self, start_dim, end_dim)
  self.start_dim, self.end_dim = start_dim or 2, end_dim or -1
end)
function nn.Flatten:forward(x)
  need_tensor(x, "nn.Flatten")
  return x:flatten(self.start_dim, self.end_dim)
end

-- ---- convolution and pooling ------------------------------------------------------------------
-- NCHW throughout.  Both are built on one primitive, core.window (im2col: the sliding windows
-- of the image laid out as a matrix, padding applied as it reads), so Conv2d is one matrix
-- product with the weight viewed as [cout, cin*kh*kw] and average pooling one reduction over
-- the window; the autodiff turns the window into its adjoint (col2im).  Max and min pooling
-- are one op, core.max_pool, read straight from the image; its adjoint routes the gradient
-- to the first extreme element of each window, as PyTorch does.

-- a size given as n or {h, w}
local function pair(v, what)
  if math.type(v) == "integer" then return {v, v} end
  if type(v) == "table" and not getmetatable(v) and #v == 2 and math.type(v[1]) == "integer"
     and math.type(v[2]) == "integer" then
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    if n == 2 then return {v[1], v[2]} end
  end
  core.error(what .. " must be an integer or a pair {h, w} of integers, got " .. tostring(v))
end

local function pair_str(p) return p[1] == p[2] and tostring(p[1]) or ("{" .. p[1] .. ", " .. p[2] .. "}") end

-- kernel, stride, padding checked as PyTorch checks them
local function window_args(what, k, stride, padding)
  k = pair(k, what .. ": kernel_size")
  stride = pair(stride, what .. ": stride")
  padding = pair(padding, what .. ": padding")
  for d = 1, 2 do
    if k[d] < 1 then core.error(string.format("%s: kernel_size must be at least 1, got %s", what, pair_str(k))) end
    if stride[d] < 1 then core.error(string.format("%s: stride must be at least 1, got %s", what, pair_str(stride))) end
    if padding[d] < 0 then core.error(string.format("%s: padding must be >= 0, got %s", what, pair_str(padding))) end
    if 2 * padding[d] > k[d] then
      core.error(string.format("%s: padding %s is more than half the kernel size %s (PyTorch's rule: at most %d)",
        what, pair_str(padding), pair_str(k), k[d] // 2))
    end
  end
  return k, stride, padding
end

-- check an [N, C, H, W] input against the module; the output height and width
local function window_input(self, x, channels)
  need_tensor(x, tostring(self))
  local s = core.shape(x)
  if #s ~= 4 then
    core.error(string.format("%s expects an [N, C, H, W] input, got shape %s", tostring(self), shape_str(s)))
  end
  if channels and s[2] ~= channels then
    core.error(string.format("%s expects %d input channels, got shape %s (%d channels)", tostring(self), channels,
      shape_str(s), s[2]))
  end
  local out = {}
  for d = 1, 2 do
    local len, k, p = s[2 + d], self.kernel_size[d], self.padding[d]
    if k > len + 2 * p then
      core.error(string.format("%s: kernel %s %d is larger than the padded input (%d + 2*%d = %d) of shape %s",
        tostring(self), d == 1 and "height" or "width", k, len, p, len + 2 * p, shape_str(s)))
    end
    out[d] = (len + 2 * p - k) // self.stride[d] + 1
  end
  return s, out[1], out[2]
end

local function window_attrs(self)
  return {self.kernel_size[1], self.kernel_size[2], self.stride[1], self.stride[2], self.padding[1], self.padding[2]}
end

class("Conv2d", function(self, cin, cout, k, o)
  pos_int(cin, "nn.Conv2d: in_channels")
  pos_int(cout, "nn.Conv2d: out_channels")
  o = options(o, {stride = {"any", 1}, padding = {"any", 0}, padding_mode = {"string", "zeros"},
                  bias = {"boolean", true}, init = {"table", nil}, bias_init = {"table", nil}}, "nn.Conv2d")
  if o.padding_mode ~= "zeros" and o.padding_mode ~= "replicate" then
    core.error("nn.Conv2d: padding_mode must be \"zeros\" or \"replicate\", got \"" .. o.padding_mode .. "\"")
  end
  local kk = pair(k, "nn.Conv2d: kernel_size")
  if o.padding == "valid" then o.padding = 0 end
  if o.padding == "same" then
    local st = pair(o.stride, "nn.Conv2d: stride")
    if st[1] ~= 1 or st[2] ~= 1 or kk[1] % 2 == 0 or kk[2] % 2 == 0 then
      core.error("nn.Conv2d: padding = \"same\" needs stride 1 and an odd kernel size")
    end
    o.padding = {kk[1] // 2, kk[2] // 2}
  end
  self.kernel_size, self.stride, self.padding = window_args("nn.Conv2d", k, o.stride, o.padding)
  self.in_channels, self.out_channels, self.padding_mode = cin, cout, o.padding_mode
  self._desc = string.format("%d, %d, %s", cin, cout, pair_str(self.kernel_size))
  local fan_in = cin * self.kernel_size[1] * self.kernel_size[2]
  local bound = 1 / math.sqrt(fan_in) -- PyTorch's default, as for Linear
  self:_param("weight", {cout, cin, self.kernel_size[1], self.kernel_size[2]}, o.init or init.uniform(-bound, bound))
  if o.bias then self:_param("bias", {cout}, o.bias_init or init.uniform(-bound, bound)) end
end)

function nn.Conv2d:forward(x)
  local s, oh, ow = window_input(self, x, self.in_channels)
  local ckk = self.in_channels * self.kernel_size[1] * self.kernel_size[2]
  local cols = core.window(x, window_attrs(self), self.padding_mode, "conv") -- [C, KH, KW, N, OH, OW]
  local y = core.matmul(core.reshape(self.weight, {self.out_channels, ckk}), core.reshape(cols, {ckk, s[1] * oh * ow}))
  y = core.reshape(y, {self.out_channels, s[1], oh, ow}):permute(2, 1, 3, 4)
  if self.bias then y = y + core.reshape(self.bias, {1, self.out_channels, 1, 1}) end
  return y
end

-- pooling: kind "max" | "min" | "avg"; nn.XPool2d(k, {stride = k, padding = 0}) or (k, stride)
local function pooling(name, kind)
  class(name, function(self, k, o)
    if math.type(o) == "integer" or (type(o) == "table" and o[1] ~= nil) then o = {stride = o} end
    o = options(o, {stride = {"any", nil}, padding = {"any", 0}}, "nn." .. name)
    self.kernel_size, self.stride, self.padding = window_args("nn." .. name, k, o.stride or k, o.padding)
    self._desc = pair_str(self.kernel_size)
  end)
  nn[name].forward = function(self, x)
    local s, oh, ow = window_input(self, x, nil)
    if kind == "max" then return core.max_pool(x, window_attrs(self)) end
    if kind == "min" then return -core.max_pool(-x, window_attrs(self)) end
    local kk, rest = self.kernel_size[1] * self.kernel_size[2], s[1] * s[2] * oh * ow
    local cols = core.window(x, window_attrs(self), "zeros", "pool")
    cols = core.reshape(cols, {kk, rest}) -- [KH*KW, N*C*OH*OW]
    local y = core.sum_to(cols, {1, rest}) / kk -- count_include_pad = true
    return core.reshape(y, {s[1], s[2], oh, ow})
  end
end
pooling("MaxPool2d", "max")
pooling("MinPool2d", "min")
pooling("AvgPool2d", "avg")

-- ---- 1-d convolution and pooling: the 2-d ones over [N, C, 1, L] ------------------------------

local function single(v, what)
  if math.type(v) ~= "integer" then core.error(what .. " must be an integer, got " .. tostring(v)) end
  return v
end

local function need_ncl(self, x)
  need_tensor(x, tostring(self))
  local s = core.shape(x)
  if #s ~= 3 then core.error(string.format("%s expects an [N, C, L] input, got shape %s", tostring(self), shape_str(s))) end
  return s
end

-- Conv1d(cin, cout, k, {stride, padding, padding_mode, bias}): weight [cout, cin, k] as PyTorch's
class("Conv1d", function(self, cin, cout, k, o)
  pos_int(cin, "nn.Conv1d: in_channels")
  pos_int(cout, "nn.Conv1d: out_channels")
  o = options(o, {stride = {"number", 1}, padding = {"any", 0}, padding_mode = {"string", "zeros"},
                  bias = {"boolean", true}, init = {"table", nil}, bias_init = {"table", nil}}, "nn.Conv1d")
  k = single(k, "nn.Conv1d: kernel_size")
  if o.padding == "valid" then o.padding = 0 end
  if o.padding == "same" then
    if o.stride ~= 1 or k % 2 == 0 then core.error("nn.Conv1d: padding = \"same\" needs stride 1 and an odd kernel size") end
    o.padding = k // 2
  end
  if o.padding_mode ~= "zeros" and o.padding_mode ~= "replicate" then
    core.error("nn.Conv1d: padding_mode must be \"zeros\" or \"replicate\", got \"" .. o.padding_mode .. "\"")
  end
  self.kernel_size, self.stride, self.padding = window_args("nn.Conv1d", {1, k},
    {1, single(o.stride, "nn.Conv1d: stride")}, {0, single(o.padding, "nn.Conv1d: padding")})
  self.in_channels, self.out_channels, self.padding_mode = cin, cout, o.padding_mode
  self._desc = string.format("%d, %d, %d", cin, cout, k)
  local bound = 1 / math.sqrt(cin * k)
  self:_param("weight", {cout, cin, k}, o.init or init.uniform(-bound, bound))
  if o.bias then self:_param("bias", {cout}, o.bias_init or init.uniform(-bound, bound)) end
end)

function nn.Conv1d:forward(x)
  local s = need_ncl(self, x)
  local y = nn.Conv2d.forward(self, core.reshape(x, {s[1], s[2], 1, s[3]}))
  local ys = core.shape(y)
  return core.reshape(y, {ys[1], ys[2], ys[4]})
end

local function pooling1d(name, kind2d)
  class(name, function(self, k, o)
    if math.type(o) == "integer" then o = {stride = o} end
    o = options(o, {stride = {"number", nil}, padding = {"number", 0}}, "nn." .. name)
    k = single(k, "nn." .. name .. ": kernel_size")
    self.kernel_size, self.stride, self.padding = window_args("nn." .. name, {1, k},
      {1, single(o.stride or k, "nn." .. name .. ": stride")}, {0, single(o.padding, "nn." .. name .. ": padding")})
    self._desc = tostring(k)
  end)
  nn[name].forward = function(self, x)
    local s = need_ncl(self, x)
    local y = nn[kind2d].forward(self, core.reshape(x, {s[1], s[2], 1, s[3]}))
    local ys = core.shape(y)
    return core.reshape(y, {ys[1], ys[2], ys[4]})
  end
end
pooling1d("MaxPool1d", "MaxPool2d")
pooling1d("AvgPool1d", "AvgPool2d")

-- ConvTranspose2d(cin, cout, k, {stride, padding, output_padding, bias}): the adjoint of a
-- convolution, weight [cin, cout, kh, kw] as PyTorch's.  Each input pixel's channels times the
-- weight give a kh x kw patch per output channel (one matrix product), and the patches are
-- added into the output where a convolution with the same kernel, stride and padding would
-- have read them (col2im).  Output size (H - 1) * stride - 2 * padding + k + output_padding.
class("ConvTranspose2d", function(self, cin, cout, k, o)
  pos_int(cin, "nn.ConvTranspose2d: in_channels")
  pos_int(cout, "nn.ConvTranspose2d: out_channels")
  o = options(o, {stride = {"any", 1}, padding = {"any", 0}, output_padding = {"any", 0},
                  bias = {"boolean", true}, init = {"table", nil}, bias_init = {"table", nil}}, "nn.ConvTranspose2d")
  self.kernel_size, self.stride, self.padding = window_args("nn.ConvTranspose2d", k, o.stride, o.padding)
  self.output_padding = pair(o.output_padding, "nn.ConvTranspose2d: output_padding")
  for d = 1, 2 do
    if self.output_padding[d] < 0 or self.output_padding[d] >= self.stride[d] then
      core.error(string.format("nn.ConvTranspose2d: output_padding must be >= 0 and smaller than the stride %s, got %s",
        pair_str(self.stride), pair_str(self.output_padding)))
    end
  end
  self.in_channels, self.out_channels = cin, cout
  self._desc = string.format("%d, %d, %s", cin, cout, pair_str(self.kernel_size))
  -- PyTorch's default: fan_in computed from the weight's dim 1 (cout) times the kernel
  local bound = 1 / math.sqrt(cout * self.kernel_size[1] * self.kernel_size[2])
  self:_param("weight", {cin, cout, self.kernel_size[1], self.kernel_size[2]}, o.init or init.uniform(-bound, bound))
  if o.bias then self:_param("bias", {cout}, o.bias_init or init.uniform(-bound, bound)) end
end)

function nn.ConvTranspose2d:forward(x)
  need_tensor(x, tostring(self))
  local s = core.shape(x)
  if #s ~= 4 or s[2] ~= self.in_channels then
    core.error(string.format("%s expects an [N, %d, H, W] input, got shape %s", tostring(self), self.in_channels, shape_str(s)))
  end
  local k, st, p, op = self.kernel_size, self.stride, self.padding, self.output_padding
  local out = {}
  for d = 1, 2 do
    out[d] = (s[2 + d] - 1) * st[d] - 2 * p[d] + k[d] + op[d]
    if out[d] < 1 then core.error(string.format("%s: the output would have size %d in dim %d", tostring(self), out[d], 2 + d)) end
  end
  local n, cin, cout = s[1], self.in_channels, self.out_channels
  local xr = core.reshape(x:permute(2, 1, 3, 4), {cin, n * s[3] * s[4]})
  local cols = core.matmul(core.reshape(self.weight, {cin, cout * k[1] * k[2]}), xr, true, false)
  cols = core.reshape(cols, {cout, k[1], k[2], n, s[3], s[4]})
  local y = core.unwindow(cols, window_attrs(self), {n, cout, out[1], out[2]})
  if self.bias then y = y + core.reshape(self.bias, {1, cout, 1, 1}) end
  return y
end

-- AdaptiveAvgPool2d(out): PyTorch's adaptive windows, output cell i of a dim of size L
-- averaging elements floor(i L / out) .. ceil((i + 1) L / out) - 1; separable, one dim at a
-- time (an even split is one reshape and a mean).  out = 1: global average pooling.
local function adaptive_avg(x, dim, out)
  local s = core.shape(x)
  local len = s[dim]
  if len % out == 0 then
    local r = {}
    for i = 1, #s do
      if i == dim then r[#r + 1] = out; r[#r + 1] = len // out else r[#r + 1] = s[i] end
    end
    return core.reshape(x, r):mean(dim + 1)
  end
  local cells = {}
  for i = 0, out - 1 do
    local a, b = (i * len) // out, -((-(i + 1) * len) // out)
    cells[#cells + 1] = x:narrow(dim, a + 1, b - a):mean(dim, true)
  end
  return require("dlc").cat(cells, dim)
end

class("AdaptiveAvgPool2d", function(self, out)
  local o = pair(out, "nn.AdaptiveAvgPool2d: output_size")
  pos_int(o[1], "nn.AdaptiveAvgPool2d: output_size")
  pos_int(o[2], "nn.AdaptiveAvgPool2d: output_size")
  self.output_size = o
  self._desc = pair_str(o)
end)

function nn.AdaptiveAvgPool2d:forward(x)
  need_tensor(x, tostring(self))
  local s = core.shape(x)
  if #s ~= 4 then core.error(string.format("%s expects an [N, C, H, W] input, got shape %s", tostring(self), shape_str(s))) end
  for d = 1, 2 do
    if self.output_size[d] > s[2 + d] then
      core.error(string.format("%s: output size %d is larger than the input's %d in dim %d", tostring(self),
        self.output_size[d], s[2 + d], 2 + d))
    end
  end
  return adaptive_avg(adaptive_avg(x, 3, self.output_size[1]), 4, self.output_size[2])
end

-- Upsample{scale_factor = s, mode = "nearest" | "bilinear"} on [N, C, H, W], an integer
-- scale (or {sh, sw}).  bilinear is PyTorch's align_corners = false: output pixel o of a dim
-- reads source position (o + 0.5) / s - 0.5, clamped at the edges; with an integer scale the
-- weights depend only on o mod s, so each of the s phases is a weighted sum of the input and
-- its neighbour (the edge pixel repeated), and the phases interleave.
class("Upsample", function(self, o)
  o = options(o, {scale_factor = {"any", nil}, mode = {"string", "nearest"}, align_corners = {"boolean", false},
                  size = {"any", nil}}, "nn.Upsample")
  if o.size ~= nil then core.error("nn.Upsample: give scale_factor (an integer); size is not supported") end
  if o.scale_factor == nil then core.error("nn.Upsample: scale_factor is required, e.g. nn.Upsample{scale_factor = 2}") end
  self.scale = pair(o.scale_factor, "nn.Upsample: scale_factor (an integer or {sh, sw})")
  pos_int(self.scale[1], "nn.Upsample: scale_factor")
  pos_int(self.scale[2], "nn.Upsample: scale_factor")
  if o.mode ~= "nearest" and o.mode ~= "bilinear" then
    core.error("nn.Upsample: mode must be \"nearest\" or \"bilinear\", got \"" .. o.mode .. "\"")
  end
  if o.align_corners then core.error("nn.Upsample: align_corners = true is not supported") end
  self.mode = o.mode
  self._desc = string.format("scale_factor=%s, mode=%s", pair_str(self.scale), o.mode)
end)

local function upsample_dim(x, dim, sc, bilinear)
  if sc == 1 then return x end
  local s = core.shape(x)
  local len = s[dim]
  local wide = {}
  for i = 1, #s do wide[#wide + 1] = s[i]; if i == dim then wide[#wide + 1] = sc end end
  local out = {}
  for i = 1, #s do out[i] = i == dim and len * sc or s[i] end
  if not bilinear then
    local with1 = {}
    for i = 1, #s do with1[#with1 + 1] = s[i]; if i == dim then with1[#with1 + 1] = 1 end end
    return core.reshape(core.broadcast(core.reshape(x, with1), wide), out)
  end
  local dlc = require "dlc"
  local prev, nxt = x, x
  if len > 1 then
    prev = dlc.cat({x:narrow(dim, 1, 1), x:narrow(dim, 1, len - 1)}, dim)
    nxt = dlc.cat({x:narrow(dim, 2, len - 1), x:narrow(dim, len, 1)}, dim)
  end
  local phases = {}
  for r = 0, sc - 1 do
    local f = (r + 0.5) / sc - 0.5
    if f < 0 then phases[#phases + 1] = prev * (-f) + x * (1 + f)
    elseif f == 0 then phases[#phases + 1] = x
    else phases[#phases + 1] = x * (1 - f) + nxt * f end
  end
  return core.reshape(dlc.stack(phases, dim + 1), out)
end

function nn.Upsample:forward(x)
  need_tensor(x, tostring(self))
  local s = core.shape(x)
  if #s ~= 4 then core.error(string.format("%s expects an [N, C, H, W] input, got shape %s", tostring(self), shape_str(s))) end
  local bilinear = self.mode == "bilinear"
  return upsample_dim(upsample_dim(x, 3, self.scale[1], bilinear), 4, self.scale[2], bilinear)
end

-- ---- embeddings and normalization over the last dims ---------------------------------------------

-- Embedding(num_embeddings, embedding_dim, {padding_idx}): weight [num, dim], N(0, 1) as
-- PyTorch's; int32 indices of any shape [...] give [..., dim].  An index outside 0..num-1 gives
-- a zero vector (PyTorch raises an error): generated code never reads outside the table.
-- padding_idx (0-based like the indices; negative counts from the end, as PyTorch's): that row
-- starts at zeros and gets no gradient, so it stays what it is (zeros, or a checkpoint's value).
class("Embedding", function(self, num, dim, o)
  pos_int(num, "nn.Embedding: num_embeddings")
  pos_int(dim, "nn.Embedding: embedding_dim")
  o = options(o, {init = {"table", nil}, padding_idx = {"any", nil}}, "nn.Embedding")
  local pad = o.padding_idx
  if pad ~= nil then
    if math.type(pad) ~= "integer" or pad < -num or pad >= num then
      core.error(string.format("nn.Embedding: padding_idx must be an integer within num_embeddings (-%d..%d), got %s",
                               num, num - 1, tostring(pad)))
    end
    if pad < 0 then pad = pad + num end
  end
  self.num_embeddings, self.embedding_dim, self.padding_idx = num, dim, pad
  self._desc = num .. ", " .. dim .. (pad and ", padding_idx=" .. pad or "")
  local initializer = o.init or init.normal(0, 1)
  if pad then
    local base = initializer
    initializer = setmetatable({name = base.name, resolve = function(shape)
      local r = init._resolve(base, shape, tostring(self))
      r.zero_row = pad + 1
      return r
    end}, getmetatable(base))
  end
  self:_param("weight", {num, dim}, initializer)
end)

function nn.Embedding:forward(idx)
  need_tensor(idx, tostring(self))
  if core.dtype(idx) ~= "int" then
    core.error(tostring(self) .. " takes int32 indices, e.g. dlc.input(\"tokens\", {B, T}, {dtype = \"int\"})")
  end
  local s = core.shape(idx)
  local n = 1
  for _, d in ipairs(s) do n = n * d end
  local rows = core.gather(self.weight, 1, core.reshape(idx, {n, 1}), {n, self.embedding_dim}, self.padding_idx)
  local out = {}
  for i, d in ipairs(s) do out[i] = d end
  out[#out + 1] = self.embedding_dim
  return core.reshape(rows, out)
end

-- LayerNorm(normalized_shape, {eps = 1e-5, elementwise_affine = true, bias = true}): the
-- last dims normalized by their mean and biased variance, then weight and bias of that shape.
class("LayerNorm", function(self, shape, o)
  if math.type(shape) == "integer" then shape = {shape} end
  if type(shape) ~= "table" or #shape == 0 then core.error("nn.LayerNorm: normalized_shape must be an integer or a table of them") end
  local ns = {}
  for i, d in ipairs(shape) do ns[i] = pos_int(d, "nn.LayerNorm: normalized_shape") end
  o = options(o, {eps = {"number", 1e-5}, elementwise_affine = {"boolean", true}, bias = {"boolean", true}}, "nn.LayerNorm")
  if not (o.eps > 0) then core.error("nn.LayerNorm: eps must be > 0, got " .. o.eps) end
  self.normalized_shape, self.eps = ns, o.eps
  self._desc = #ns == 1 and tostring(ns[1]) or shape_str(ns)
  if o.elementwise_affine then
    self:_param("weight", ns, init.ones())
    if o.bias then self:_param("bias", ns, init.zeros()) end
  end
end)

function nn.LayerNorm:forward(x)
  need_tensor(x, tostring(self))
  local s, ns = core.shape(x), self.normalized_shape
  local ok = #s >= #ns
  for i = 1, #ns do ok = ok and s[#s - #ns + i] == ns[i] end
  if not ok then
    core.error(string.format("%s expects inputs ending in %s, got shape %s", tostring(self), shape_str(ns), shape_str(s)))
  end
  local dims = {}
  for i = #s - #ns + 1, #s do dims[#dims + 1] = i end
  local mean = x:mean(dims, true)
  local d = x - mean
  local y = d * (1 / ((d * d):mean(dims, true) + self.eps):sqrt())
  if self.weight then y = y * self.weight end
  if self.bias then y = y + self.bias end
  return y
end

-- MultiheadAttention(embed_dim, num_heads, {batch_first = false, bias = true, dropout = 0,
-- causal = false}): PyTorch's, with its parameters in_proj_weight [3E, E], in_proj_bias [3E],
-- out_proj.weight [E, E], out_proj.bias [E].  attn(q, k, v[, {attn_mask, is_causal}]) returns
-- the attention output (not the weights); attn(x) is self-attention (in a Sequential).
-- Inputs [L, N, E] ([N, L, E] with batch_first).  attn_mask: a float tensor [L, S] added to
-- the scores; is_causal (or causal = true at construction): position i attends to j <= i only.
class("MultiheadAttention", function(self, e, h, o)
  pos_int(e, "nn.MultiheadAttention: embed_dim")
  pos_int(h, "nn.MultiheadAttention: num_heads")
  o = options(o, {batch_first = {"boolean", false}, bias = {"boolean", true}, dropout = {"number", 0},
                  causal = {"boolean", false}}, "nn.MultiheadAttention")
  if e % h ~= 0 then core.error(string.format("nn.MultiheadAttention: embed_dim %d is not divisible by num_heads %d", e, h)) end
  if not (o.dropout >= 0 and o.dropout < 1) then core.error("nn.MultiheadAttention: dropout must be in [0, 1), got " .. o.dropout) end
  self.embed_dim, self.num_heads, self.batch_first, self.causal = e, h, o.batch_first, o.causal
  self._desc = e .. ", " .. h
  self._vararg = true
  local xb = math.sqrt(6 / (e + 3 * e)) -- xavier_uniform over [3E, E], as PyTorch
  self:_param("in_proj_weight", {3 * e, e}, init.uniform(-xb, xb))
  if o.bias then self:_param("in_proj_bias", {3 * e}, init.zeros()) end
  self.out_proj = nn.Linear(e, e, {bias = o.bias, bias_init = init.zeros()})
  self._drop = o.dropout > 0 and nn.Dropout(o.dropout) or nil
end)

function nn.MultiheadAttention:_name(prefix)
  prefix = self._given or prefix
  core.rename_scope(self._scope, prefix)
  for _, k in ipairs(self._order) do core.rename(self._params[k], prefix .. "." .. k) end
  self.out_proj:_name(prefix .. ".out_proj")
end

function nn.MultiheadAttention:parameters()
  local r = Module.parameters(self)
  for _, p in ipairs(self.out_proj:parameters()) do r[#r + 1] = p end
  return r
end

-- a causal mask [L, S]: 0 where j <= i, -1e9 above the diagonal (exp underflows to exactly 0)
local function causal_mask(l, s)
  local rows = {}
  for i = 1, l do
    local n = s - i
    if n > 0 then rows[i] = core.pad(core.broadcast(-1e9, {1, n}), 2, i, s)
    else rows[i] = core.broadcast(0, {1, s}) end
  end
  return require("dlc").cat(rows, 1)
end

function nn.MultiheadAttention:forward(q, k, v, o)
  if k == nil and v == nil then k, v = q, q end
  for _, t in ipairs {q, k, v} do need_tensor(t, tostring(self)) end
  o = options(o, {attn_mask = {"any", nil}, is_causal = {"boolean", false}, need_weights = {"boolean", false}},
              tostring(self))
  local e, h = self.embed_dim, self.num_heads
  local d = e // h
  local function seq(t, what)
    local s = core.shape(t)
    if #s ~= 3 or s[3] ~= e then
      core.error(string.format("%s: %s must be [%s, %d], got shape %s", tostring(self), what,
        self.batch_first and "N, L" or "L, N", e, shape_str(s)))
    end
    if self.batch_first then return t:transpose(1, 2), s[2], s[1] end
    return t, s[1], s[2]
  end
  local qs, L, N = seq(q, "the query")
  local ks, S, N2 = seq(k, "the key")
  local vs, S2, N3 = seq(v, "the value")
  if N2 ~= N or N3 ~= N or S2 ~= S then core.error(tostring(self) .. ": query, key and value must agree in batch size, and key and value in length") end
  local w, b = self.in_proj_weight, self.in_proj_bias
  local function proj(t, i, len)
    local y = t:matmul(w:narrow(1, i * e + 1, e):t())
    if b then y = y + b:narrow(1, i * e + 1, e) end
    -- [len, N, E] -> [N * h, len, d]
    return y:reshape(len, N * h, d):transpose(1, 2)
  end
  local Q, K, V = proj(qs, 0, L) * (1 / math.sqrt(d)), proj(ks, 1, S), proj(vs, 2, S)
  local scores = Q:matmul(K:transpose(2, 3)) -- [N * h, L, S]
  if o.attn_mask ~= nil then
    need_tensor(o.attn_mask, tostring(self) .. "'s attn_mask")
    local ms = core.shape(o.attn_mask)
    if #ms ~= 2 or ms[1] ~= L or ms[2] ~= S then
      core.error(string.format("%s: attn_mask must be [%d, %d], got %s", tostring(self), L, S, shape_str(ms)))
    end
    scores = scores + o.attn_mask
  end
  if self.causal or o.is_causal then scores = scores + causal_mask(L, S) end
  local p = scores:softmax(3)
  if self._drop then p = self._drop(p) end
  local out = p:matmul(V):transpose(1, 2):reshape(L, N, e) -- [L, N, E]
  out = self.out_proj(out)
  if self.batch_first then out = out:transpose(1, 2) end
  return out
end

-- ---- recurrent layers -------------------------------------------------------------------------
-- nn.RNN, nn.LSTM, nn.GRU (input_size, hidden_size, {num_layers = 1, nonlinearity = "tanh"
-- (RNN only), bias = true, batch_first = false, dropout = 0, bidirectional = false}): PyTorch's
-- equations, gate order (LSTM i, f, g, o; GRU r, z, n), initialization U(-1/sqrt(H), 1/sqrt(H))
-- and parameter names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse), in
-- PyTorch's state_dict order.  Unrolled over the fixed sequence length: the input projection of
-- every step is one matrix product, each step one [N, H] x [H, gates * H] product and the gate
-- arithmetic; the steps' loops are the same but for their buffers, so the emitter makes each one
-- kernel called T times.  Input [T, N, input_size] ([N, T, input_size] with batch_first, or
-- unbatched [T, input_size]).  m(x) returns the output sequence [T, N, D * H] (D = 2 when
-- bidirectional: the forward and reverse directions joined in the last dim) and, as further
-- values, h_n [D * num_layers, N, H] (LSTM: the table {h_n, c_n}); m(x, h0) (LSTM: m(x, {h0, c0}))
-- starts from a given state instead of zeros.  In a Sequential only the output goes on, and
-- nn.Last() takes its last step.  dropout applies to each layer's output but the last's in
-- training, as PyTorch's.
local RECURRENT_GATES = {RNN = 1, LSTM = 4, GRU = 3}

local function recurrent(kind)
  local what = "nn." .. kind
  class(kind, function(self, isz, hsz, o)
    pos_int(isz, what .. ": input_size")
    pos_int(hsz, what .. ": hidden_size")
    local spec = {num_layers = {"number", 1}, bias = {"boolean", true}, batch_first = {"boolean", false},
                  dropout = {"number", 0}, bidirectional = {"boolean", false}}
    if kind == "RNN" then spec.nonlinearity = {"string", "tanh"} end
    o = options(o, spec, what)
    pos_int(o.num_layers, what .. ": num_layers")
    if kind == "RNN" and o.nonlinearity ~= "tanh" and o.nonlinearity ~= "relu" then
      core.error(what .. ": nonlinearity must be \"tanh\" or \"relu\", got \"" .. o.nonlinearity .. "\"")
    end
    if not (o.dropout >= 0 and o.dropout < 1) then core.error(what .. ": dropout must be in [0, 1), got " .. o.dropout) end
    self.input_size, self.hidden_size, self.num_layers = isz, hsz, o.num_layers
    self.batch_first, self.bidirectional, self.nonlinearity = o.batch_first, o.bidirectional, o.nonlinearity
    self._desc = isz .. ", " .. hsz
    self._vararg = true
    local g, dirs = RECURRENT_GATES[kind], o.bidirectional and 2 or 1
    local b = 1 / math.sqrt(hsz)
    for l = 0, o.num_layers - 1 do
      for dir = 1, dirs do
        local sfx = "_l" .. l .. (dir == 2 and "_reverse" or "")
        self:_param("weight_ih" .. sfx, {g * hsz, l == 0 and isz or dirs * hsz}, init.uniform(-b, b))
        self:_param("weight_hh" .. sfx, {g * hsz, hsz}, init.uniform(-b, b))
        if o.bias then
          self:_param("bias_ih" .. sfx, {g * hsz}, init.uniform(-b, b))
          self:_param("bias_hh" .. sfx, {g * hsz}, init.uniform(-b, b))
        end
      end
    end
    if o.dropout > 0 and o.num_layers > 1 then self._drop = nn.Dropout(o.dropout) end
  end)
end
for _, kind in ipairs {"RNN", "LSTM", "GRU"} do recurrent(kind) end

-- One direction of one layer over the sequence inp ([T, N, F] with time in dim td, 1 or 2):
-- its outputs stacked along td, the last h and (LSTM) c.  h, c: the initial state, nil for 0.
local function recurrent_dir(self, kind, inp, td, sfx, h, c, reverse)
  local dlc = require "dlc"
  local w_ih, w_hh = self["weight_ih" .. sfx], self["weight_hh" .. sfx]
  local b_ih, b_hh = self["bias_ih" .. sfx], self["bias_hh" .. sfx]
  local s = core.shape(inp)
  local gh = core.shape(w_ih)[1]
  -- every step's input projection at once; RNN and LSTM add both biases here, GRU only b_ih
  -- (its b_hn sits inside r * (W_hn h + b_hn))
  local xp = inp:reshape(s[1] * s[2], s[3]):matmul(w_ih:t())
  if b_ih then xp = xp + ((kind ~= "GRU") and b_ih + b_hh or b_ih) end
  xp = xp:reshape(s[1], s[2], gh)
  local T = s[td]
  local outs = {}
  for step = 1, T do
    local t = reverse and T - step + 1 or step
    local g = xp:select(td, t) -- [N, gates * H]
    if kind == "GRU" then
      local hp = h and h:matmul(w_hh:t())
      if b_hh then hp = hp and hp + b_hh or b_hh end
      local xr, xz, xn = g:chunk(3, -1)
      local r, z, n
      if hp then
        local hr, hz, hn = hp:chunk(3, -1)
        r, z = (xr + hr):sigmoid(), (xz + hz):sigmoid()
        n = (xn + r * hn):tanh()
      else
        r, z = xr:sigmoid(), xz:sigmoid()
        n = xn:tanh()
      end
      h = h and n + z * (h - n) or n - z * n -- (1 - z) * n + z * h
    else
      if h then g = g + h:matmul(w_hh:t()) end
      if kind == "LSTM" then
        local i, f, gg, o = g:chunk(4, -1)
        i, f, gg, o = i:sigmoid(), f:sigmoid(), gg:tanh(), o:sigmoid()
        c = c and f * c + i * gg or i * gg
        h = o * c:tanh()
      else
        h = self.nonlinearity == "relu" and g:relu() or g:tanh()
      end
    end
    outs[t] = h
  end
  return dlc.stack(outs, td), h, c
end

local function recurrent_forward(self, x, state)
  local dlc = require "dlc"
  local kind = getmetatable(self)._kind
  need_tensor(x, tostring(self))
  local s = core.shape(x)
  local H, L, dirs = self.hidden_size, self.num_layers, self.bidirectional and 2 or 1
  if (#s ~= 3 and #s ~= 2) or s[#s] ~= self.input_size then
    core.error(string.format("%s expects a sequence [%s, %d], got shape %s", tostring(self),
      self.batch_first and "N, T" or "T, N", self.input_size, shape_str(s)))
  end
  local batched = #s == 3
  if not batched then x = x:unsqueeze(2) end -- [T, 1, F], as PyTorch's unbatched input
  local td = (batched and self.batch_first) and 2 or 1
  local N = core.shape(x)[3 - td]
  -- the initial state: [D * num_layers, N, H] (unbatched [D * num_layers, H])
  local h0, c0
  local function state_tensor(t, which)
    need_tensor(t, tostring(self) .. "'s " .. which)
    local want = batched and {dirs * L, N, H} or {dirs * L, H}
    if shape_str(core.shape(t)) ~= shape_str(want) then
      core.error(string.format("%s: %s must have shape %s, got %s", tostring(self), which, shape_str(want),
        shape_str(core.shape(t))))
    end
    return batched and t or t:unsqueeze(2)
  end
  if state ~= nil then
    if kind == "LSTM" then
      if type(state) ~= "table" or core.is_tensor(state) or #state ~= 2 then
        core.error(tostring(self) .. ": the initial state is the table {h0, c0}")
      end
      h0, c0 = state_tensor(state[1], "h0"), state_tensor(state[2], "c0")
    else
      h0 = state_tensor(state, "h0")
    end
  end
  local inp, hn, cn = x, {}, {}
  for l = 0, L - 1 do
    local outs = {}
    for dir = 1, dirs do
      local k = l * dirs + dir
      local sfx = "_l" .. l .. (dir == 2 and "_reverse" or "")
      outs[dir], hn[k], cn[k] = recurrent_dir(self, kind, inp, td, sfx, h0 and h0:select(1, k), c0 and c0:select(1, k), dir == 2)
    end
    inp = dirs == 2 and dlc.cat(outs, 3) or outs[1]
    if self._drop and l < L - 1 then inp = self._drop(inp) end
  end
  local h_n, c_n = dlc.stack(hn, 1), kind == "LSTM" and dlc.stack(cn, 1) or nil
  if not batched then
    inp, h_n, c_n = inp:squeeze(2), h_n:squeeze(2), c_n and c_n:squeeze(2)
  end
  if kind == "LSTM" then return inp, {h_n, c_n} end
  return inp, h_n
end
for _, kind in ipairs {"RNN", "LSTM", "GRU"} do nn[kind].forward = recurrent_forward end

-- nn.Last(dim = 1) (or nn.Last{batch_first = true}, dim 2): the last step of a sequence, the
-- dim removed: x:select(dim, -1).  After a recurrent layer in a Sequential.
class("Last", function(self, o)
  local dim = 1
  if math.type(o) == "integer" then dim = o
  elseif o ~= nil then
    o = options(o, {dim = {"number", 1}, batch_first = {"boolean", false}}, "nn.Last")
    dim = o.batch_first and 2 or o.dim
  end
  if math.type(dim) ~= "integer" then core.error("nn.Last: dim must be an integer, got " .. tostring(dim)) end
  self.dim = dim
  self._desc = dim ~= 1 and tostring(dim) or nil
end)

function nn.Last:forward(x)
  need_tensor(x, tostring(self))
  return x:select(self.dim, -1)
end

-- ---- activations ------------------------------------------------------------------------------

local function activation(kind, op)
  class(kind, function(self, o) options(o, {}, "nn." .. kind) end)
  nn[kind].forward = function(self, x)
    need_tensor(x, tostring(self))
    return op and core.unary(op, x) or x
  end
end
activation("Identity", nil)
activation("ReLU", "relu")
activation("Sigmoid", "sigmoid")
activation("Tanh", "tanh")
activation("Step", "step")

local function dim_module(kind, op)
  class(kind, function(self, dim)
    if dim ~= nil and math.type(dim) ~= "integer" then core.error("nn." .. kind .. ": dim must be an integer") end
    self.dim = dim or -1
    self._desc = tostring(self.dim)
  end)
  nn[kind].forward = function(self, x)
    need_tensor(x, tostring(self))
    return x[op](x, self.dim)
  end
end
dim_module("Softmax", "softmax")
dim_module("LogSoftmax", "log_softmax")

-- ---- regularizers: behave differently in training and inference ------------------------------

-- The pass being built: "train" or "eval" while spec.net is applied once for each; "none" in
-- functional code, where a module builds both values and core.phase picks each pass's.
local function need_mode() return core.mode() end

local streams = 0

-- Inverted dropout: in training each element is kept with probability 1 - p and scaled by
-- 1 / (1 - p); the identity in inference.  Masks come from the counter-based generator keyed
-- by the seed given to m_init, the step count and this layer's stream.
class("Dropout", function(self, p)
  p = p == nil and 0.5 or p
  if type(p) ~= "number" or not (p >= 0 and p < 1) then
    core.error("nn.Dropout(p): p must be in [0, 1), got " .. tostring(p))
  end
  self.p = p
  self._desc = tostring(p)
end)

function nn.Dropout:forward(x)
  need_tensor(x, tostring(self))
  local mode = need_mode()
  if mode == "eval" or self.p == 0 then return x end
  streams = streams + 1 -- each use draws its own masks, also a module used twice
  local keep = core.unary("step", core.rand(core.shape(x), streams) - self.p)
  local y = x * (keep * (1 / (1 - self.p)))
  if mode == "none" then return core.phase(y, x) end
  return y
end

-- Batch normalization over dim 2 (features or channels), PyTorch's: in training the batch's
-- mean and biased variance normalize, and running_mean/running_var (buffers, saved in
-- checkpoints) move by momentum with the unbiased variance; in inference the running
-- statistics normalize.  y = x * alpha + beta with alpha = weight / sqrt(var + eps),
-- beta = bias - mean * alpha, as PyTorch's CPU kernel computes it.
local function batchnorm(kind, ranks)
  class(kind, function(self, n, o)
    pos_int(n, "nn." .. kind .. ": num_features")
    o = options(o, {eps = {"number", 1e-5}, momentum = {"number", 0.1}, affine = {"boolean", true}}, "nn." .. kind)
    if not (o.eps > 0) then core.error("nn." .. kind .. ": eps must be > 0, got " .. o.eps) end
    if not (o.momentum >= 0 and o.momentum <= 1) then
      core.error("nn." .. kind .. ": momentum must be in [0, 1], got " .. o.momentum)
    end
    self.n, self.eps, self.momentum, self.affine = n, o.eps, o.momentum, o.affine
    self._desc = tostring(n)
    if o.affine then
      self:_param("weight", {n}, init.ones())
      self:_param("bias", {n}, init.zeros())
    end
    for _, b in ipairs {{"running_mean", init.zeros()}, {"running_var", init.ones()}} do
      local t = core.param(self._auto .. "." .. b[1], {n}, init._resolve(b[2], {n}), true)
      self._params[b[1]] = t
      self._order[#self._order + 1] = b[1]
      self[b[1]] = t
    end
  end)
  nn[kind].forward = function(self, x)
    need_tensor(x, tostring(self))
    local s = core.shape(x)
    if not ranks[#s] or s[2] ~= self.n then
      core.error(string.format("%s expects %s input with %d channels in dim 2, got shape %s", tostring(self),
        kind == "BatchNorm2d" and "[N, C, H, W]" or "[N, C] or [N, C, L]", self.n, shape_str(s)))
    end
    self._applied = true
    if self._frozen then return self:_normalize(x, "eval") end -- module:freeze(): running statistics
    if need_mode() == "none" then -- functional: both passes, each where it belongs
      return core.phase(self:_normalize(x, "train"), self:_normalize(x, "eval"))
    end
    return self:_normalize(x, need_mode())
  end
  nn[kind]._freeze_bn = function(self)
    if self._applied and not self._frozen then
      core.error(tostring(self) .. ":freeze() after it was applied: freeze a batch norm before applying it, " ..
        "so that it normalizes with its running statistics")
    end
  end
  nn[kind]._normalize = function(self, x, mode)
    local s = core.shape(x)
    local red = {1, self.n}
    for i = 3, #s do red[i] = 1 end
    local count = x:numel() // self.n
    local mean, var
    if mode == "train" then
      if count < 2 then core.error(tostring(self) .. ": training needs more than 1 value per channel") end
      mean = core.sum_to(x, red) / count
      local var_sum = core.sum_to((x - mean) ^ 2, red)
      var = var_sum / count
      local m = self.momentum
      core.update_buffer(self.running_mean, m * core.reshape(mean, {self.n}) + (1 - m) * self.running_mean)
      core.update_buffer(self.running_var, m * core.reshape(var_sum / (count - 1), {self.n}) + (1 - m) * self.running_var)
    else
      mean, var = core.reshape(self.running_mean, red), core.reshape(self.running_var, red)
    end
    local alpha = 1 / (var + self.eps):sqrt()
    if self.affine then alpha = alpha * core.reshape(self.weight, red) end
    local beta = -(mean * alpha)
    if self.affine then beta = core.reshape(self.bias, red) - mean * alpha end
    return x * alpha + beta
  end
end
batchnorm("BatchNorm1d", {[2] = true, [3] = true})
batchnorm("BatchNorm2d", {[4] = true})

-- ---- losses -------------------------------------------------------------------------------------

local function reduce(self, per_element)
  if self.reduction == "sum" then return per_element:sum() end
  return per_element:mean()
end

-- loss_class(kind, options, f, per_sample): f reduces as the module's reduction says;
-- per_sample(self, input, target) gives one loss per sample ([batch]) for evaluation
local function loss_class(kind, extra, f, per_sample)
  local spec = {reduction = {"string", "mean"}}
  for k, v in pairs(extra or {}) do spec[k] = v end
  class(kind, function(self, o)
    o = options(o, spec, "nn." .. kind)
    if o.reduction ~= "mean" and o.reduction ~= "sum" then
      core.error("nn." .. kind .. ": reduction must be \"mean\" or \"sum\", got \"" .. o.reduction .. "\"")
    end
    for k, v in pairs(o) do self[k] = v end
  end)
  nn[kind]._nargs = 2
  nn[kind].forward = function(self, input, target)
    need_tensor(input, tostring(self))
    need_tensor(target, tostring(self))
    return f(self, input, target)
  end
  nn[kind]._per_sample = function(self, input, target)
    return core.with_loc(self._line, function() return per_sample(self, input, target) end)
  end
end

-- the mean over all but the first dim: [B, ...] -> [B]
local function per_row_mean(v)
  local s = core.shape(v)
  if #s <= 1 then return v end
  return v:reshape(s[1], -1):mean(2)
end

local function same_shape(self, a, b)
  local sa, sb = core.shape(a), core.shape(b)
  if shape_str(sa) ~= shape_str(sb) then
    core.error(string.format("%s: input %s and target %s must have the same shape", tostring(self), shape_str(sa), shape_str(sb)))
  end
  if core.dtype(b) ~= "float" then core.error(tostring(self) .. " needs a float target") end
end

loss_class("MSELoss", nil, function(self, x, t)
  same_shape(self, x, t)
  return reduce(self, (x - t) ^ 2)
end, function(self, x, t) return per_row_mean((x - t) ^ 2) end)

loss_class("CrossEntropyLoss", nil, function(self, x, t)
  local s = core.shape(x)
  if #s ~= 2 then core.error(tostring(self) .. " expects [batch, classes] logits, got " .. shape_str(s)) end
  if core.dtype(t) == "int" then return reduce(self, core.xent(x, t)) end
  same_shape(self, x, t) -- probabilities or one-hot rows
  return reduce(self, -(t * x:log_softmax(2)):sum(2))
end, function(self, x, t)
  if core.dtype(t) == "int" then return core.xent(x, t) end
  return -(t * x:log_softmax(2)):sum(2)
end)

-- ==== the course library: activations and losses (issue 4) ======================================
-- PyTorch's definitions as compositions of tensor ops (autodiff derives every backward).  The
-- exact formula of each is in the comment above it; tests/gradcheck/ checks the derivatives in
-- f64 and tests/ref/make_library_fixtures.py forward values and input gradients against PyTorch.

-- 2^-149, the smallest positive float (and an ordinary double): log(max(u, LOG_FLOOR)) is finite
-- for every u >= 0 and below -100, so max(log(max(u, LOG_FLOOR)), -100) is PyTorch's
-- max(log u, -100) for every u >= 0 while its gradient stays 0, never NaN, where the -100 bound
-- holds (0 * 1/LOG_FLOOR is 0; 0 * 1/0 would be NaN).
local LOG_FLOOR = 2 ^ -149
local function clamped_log(u) return u:clamp(LOG_FLOOR):log():clamp(-100) end

-- a finite number argument, or default when nil
local function finite(v, what, default)
  if v == nil then return default end
  if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
    core.error(what .. " must be a finite number, got " .. (type(v) == "number" and tostring(v) or type(v)))
  end
  return v
end

-- f(x) or f{key = x}: PyTorch's first argument, positionally or in the options table
local function first_arg(kind, v, o, key, spec)
  if type(v) == "table" and o == nil then v, o = nil, v end
  o = options(o, spec, "nn." .. kind)
  if v ~= nil and o[key] ~= nil then core.error("nn." .. kind .. ": " .. key .. " is given twice") end
  if v == nil then v = o[key] end
  return v, o
end

-- min(x, 0), with gradient 1 at x = 0 (the x <= 0 branch of PyTorch's backward rules)
local function neg_part(x) return x:clamp(nil, 0) end

-- LeakyReLU: x > 0 ? x : negative_slope * x, as relu(x) + negative_slope * min(x, 0)
-- (PyTorch's gradient, 1 or negative_slope, including negative_slope at x = 0).
class("LeakyReLU", function(self, slope, o)
  slope = first_arg("LeakyReLU", slope, o, "negative_slope", {negative_slope = {"any", nil}})
  self.negative_slope = finite(slope, "nn.LeakyReLU: negative_slope", 0.01)
  self._desc = tostring(self.negative_slope)
end)
function nn.LeakyReLU:forward(x)
  need_tensor(x, tostring(self))
  return x:relu() + self.negative_slope * neg_part(x)
end

-- PReLU: x > 0 ? x : weight * x, weight a parameter of shape [num_parameters] (PyTorch's
-- "weight", init 0.25).  With num_parameters > 1 it is per channel, dim 2 of the input, which
-- must have that size; with 1 it is shared by every element.
class("PReLU", function(self, n, o)
  n, o = first_arg("PReLU", n, o, "num_parameters", {num_parameters = {"any", nil}, init = {"any", nil}})
  n = n == nil and 1 or pos_int(n, "nn.PReLU: num_parameters")
  local initializer = o.init
  if initializer == nil or type(initializer) == "number" then
    initializer = init.constant(finite(initializer, "nn.PReLU: init", 0.25))
  elseif type(initializer) ~= "table" then
    core.error("nn.PReLU: init must be a number (the initial slope) or an initializer, got " .. type(initializer))
  end
  self.num_parameters = n
  self._desc = n == 1 and nil or tostring(n)
  self:_param("weight", {n}, initializer)
end)
function nn.PReLU:forward(x)
  need_tensor(x, tostring(self))
  local w, s = self.weight, core.shape(x)
  if self.num_parameters > 1 then
    if #s < 2 or s[2] ~= self.num_parameters then
      core.error(string.format("%s has %d slopes, one per channel (dim 2), but the input has shape %s",
        tostring(self), self.num_parameters, shape_str(s)))
    end
    local ws = {self.num_parameters}
    for i = 3, #s do ws[#ws + 1] = 1 end
    if #ws > 1 then w = w:reshape(ws) end
  end
  return x:relu() + w * neg_part(x)
end

-- ELU: x > 0 ? x : alpha * (exp(x) - 1), as relu(x) + alpha * (exp(min(x, 0)) - 1): exp never
-- sees a positive argument, so it cannot overflow.  (PyTorch uses expm1: for tiny negative x
-- the two differ by rounding, at most ~1 ulp of 1 in absolute terms.)
class("ELU", function(self, alpha, o)
  alpha = first_arg("ELU", alpha, o, "alpha", {alpha = {"any", nil}})
  self.alpha = finite(alpha, "nn.ELU: alpha", 1)
  self._desc = tostring(self.alpha)
end)
function nn.ELU:forward(x)
  need_tensor(x, tostring(self))
  return x:relu() + self.alpha * (neg_part(x):exp() - 1)
end

-- Softplus: log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold (PyTorch's
-- rule, its gradient too: 1 there, sigmoid(beta * x) elsewhere).
class("Softplus", function(self, beta, o)
  beta, o = first_arg("Softplus", beta, o, "beta", {beta = {"any", nil}, threshold = {"any", nil}})
  self.beta = finite(beta, "nn.Softplus: beta", 1)
  self.threshold = finite(o.threshold, "nn.Softplus: threshold", 20)
  if self.beta == 0 then core.error("nn.Softplus: beta must not be 0") end
  self._desc = string.format("beta=%g, threshold=%g", self.beta, self.threshold)
end)
function nn.Softplus:forward(x)
  need_tensor(x, tostring(self))
  if self.beta == 1 then return core.unary("softplus", x, self.threshold) end
  return core.unary("softplus", x * self.beta, self.threshold) / self.beta
end

-- GELU: x * Phi(x) = x/2 (1 + erf(x / sqrt 2)); approximate = "tanh": x/2 (1 + tanh(sqrt(2/pi)
-- (x + 0.044715 x^3))), PyTorch's two forms.
class("GELU", function(self, o)
  o = options(o, {approximate = {"string", "none"}}, "nn.GELU")
  if o.approximate ~= "none" and o.approximate ~= "tanh" then
    core.error("nn.GELU: approximate is \"none\" or \"tanh\", got \"" .. o.approximate .. "\"")
  end
  self.approximate = o.approximate
  self._desc = o.approximate == "tanh" and "approximate=tanh" or nil
end)
function nn.GELU:forward(x)
  need_tensor(x, tostring(self))
  if self.approximate == "tanh" then
    return x * 0.5 * ((x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)):tanh() + x * 0.5
  end
  return x * 0.5 * core.unary("erf", x * (1 / math.sqrt(2))) + x * 0.5
end

-- SiLU (swish): x * sigmoid(x)
class("SiLU", function(self, o) options(o, {}, "nn.SiLU") end)
function nn.SiLU:forward(x)
  need_tensor(x, tostring(self))
  return x * x:sigmoid()
end

-- library losses: like loss_class, plus a check of the hyper-parameters at the module's line and
-- a list of the reductions accepted
local function lib_loss(kind, extra, check, f, per_sample, reductions)
  local spec = {reduction = {"string", "mean"}}
  for k, v in pairs(extra or {}) do spec[k] = v end
  reductions = reductions or {"mean", "sum"}
  class(kind, function(self, o)
    o = options(o, spec, "nn." .. kind)
    local ok = false
    for _, r in ipairs(reductions) do ok = ok or o.reduction == r end
    if not ok then
      local q = {}
      for i, r in ipairs(reductions) do q[i] = "\"" .. r .. "\"" end
      local list = #q == 2 and (q[1] .. " or " .. q[2]) or (table.concat(q, ", ", 1, #q - 1) .. " or " .. q[#q])
      core.error("nn." .. kind .. ": reduction must be " .. list .. ", got \"" .. o.reduction .. "\"")
    end
    for k, v in pairs(o) do self[k] = v end
    if check then check(self, "nn." .. kind) end
  end)
  nn[kind]._nargs = 2
  nn[kind].forward = function(self, input, target)
    need_tensor(input, tostring(self))
    need_tensor(target, tostring(self))
    return f(self, input, target)
  end
  nn[kind]._per_sample = function(self, input, target)
    return core.with_loc(self._line, function() return per_sample(self, input, target) end)
  end
end

-- an elementwise loss: f(self, input, target) per element, mean or sum over all elements;
-- per sample the mean over all but the first dim
local function pointwise_loss(kind, extra, check, f)
  lib_loss(kind, extra, check, function(self, x, t)
    same_shape(self, x, t)
    return reduce(self, f(self, x, t))
  end, function(self, x, t) return per_row_mean(f(self, x, t)) end)
end

-- [N, C] scores with int32 class indices [N]
local function class_target(self, x, t)
  local s = core.shape(x)
  if #s ~= 2 then core.error(tostring(self) .. " expects [batch, classes] input, got " .. shape_str(s)) end
  if core.dtype(t) ~= "int" then core.error(tostring(self) .. " needs int32 class indices as the target") end
  local st = core.shape(t)
  if #st ~= 1 or st[1] ~= s[1] then
    core.error(string.format("%s: input %s needs a target of shape [%d], got %s", tostring(self), shape_str(s), s[1], shape_str(st)))
  end
end

-- L1Loss (MAE): |x - t|
pointwise_loss("L1Loss", nil, nil, function(_, x, t) return (x - t):abs() end)

-- HuberLoss: |d| < delta ? d^2 / 2 : delta * (|d| - delta / 2), d = x - t, computed as
-- q^2 / 2 + delta * (|d| - q) with q = min(|d|, delta) (PyTorch's gradient: d clamped to
-- [-delta, delta]).  delta > 0.
pointwise_loss("HuberLoss", {delta = {"number", 1}}, function(self, what)
  if not (self.delta > 0) or self.delta == math.huge then core.error(what .. ": delta must be > 0 and finite, got " .. tostring(self.delta)) end
end, function(self, x, t)
  local a = (x - t):abs()
  local q = a:clamp(nil, self.delta)
  return 0.5 * q ^ 2 + self.delta * (a - q)
end)

-- RMSELoss (not in PyTorch): sqrt(MSELoss(x, t)) under the same reduction, i.e.
-- sqrt(mean((x - t)^2)) or, with "sum", sqrt(sum((x - t)^2)).  Per sample: the RMSE of the row
-- (so an evaluation's mean per-sample loss is the mean RMSE, not the RMSE of the whole set).
-- Its gradient is infinite where x == t exactly, as PyTorch's torch.sqrt(MSELoss) is.
lib_loss("RMSELoss", nil, nil, function(self, x, t)
  same_shape(self, x, t)
  return reduce(self, (x - t) ^ 2):sqrt()
end, function(_, x, t) return per_row_mean((x - t) ^ 2):sqrt() end)

-- BCELoss on probabilities p: -(t * max(log p, -100) + (1 - t) * max(log(1 - p), -100)),
-- PyTorch's clamped logs.  Gradient -t/p + (1-t)/(1-p) = (p - t) / (p (1 - p)) and 0 where a log
-- is clamped; PyTorch divides by max(p (1 - p), 1e-12) instead, so the two differ only where
-- p (1 - p) < 1e-12 (p within 1e-12 of 0 or 1).
pointwise_loss("BCELoss", nil, nil, function(_, p, t)
  return -(t * clamped_log(p) + (1 - t) * clamped_log(1 - p))
end)

-- BCEWithLogitsLoss on logits x: max(x, 0) - x t + log(1 + exp(-|x|)), PyTorch's stable form
-- (exp never sees a positive argument).  |x| is written 2 max(x, 0) - x with max(x, 0) a clamp,
-- so the gradient is sigmoid(x) - t at x = 0 too (0.5 - t; abs and relu would give -t there).
pointwise_loss("BCEWithLogitsLoss", nil, nil, function(_, x, t)
  local m = x:clamp(0)
  return m - x * t + (1 + (-(2 * m - x)):exp()):log()
end)

-- NLLLoss: input log-probabilities [N, C], int32 class indices t: -x[i, t[i]], mean over N or sum
lib_loss("NLLLoss", nil, nil, function(self, x, t)
  class_target(self, x, t)
  return reduce(self, -core.pick(x, t))
end, function(_, x, t) return -core.pick(x, t) end)

-- FocalLoss (multi-class, on logits x [N, C], int32 class indices t; PyTorch has no built-in):
-- -alpha (1 - p_t)^gamma log p_t per sample, log p_t = log_softmax(x)[i, t[i]], mean over N or
-- sum.  1 - p_t is computed as the sum of the other classes' probabilities (no cancellation
-- when p_t is near 1), floored at 2^-126 (the smallest normal float) inside the power: with
-- 0 < gamma < 1 the derivative of u^gamma is infinite at u = 0, which a margin of ~100 reaches
-- in float (every other probability underflows); the floor keeps it finite and changes the
-- loss only where it is below ~1e-38.  gamma = 0 is alpha times cross-entropy.  alpha in
-- [0, 1], gamma >= 0.
local function focal(self, x, t)
  class_target(self, x, t)
  local w = -self.alpha * core.pick(x:log_softmax(2), t)
  if self.gamma ~= 0 then
    local others = (x:softmax(2) * (1 - core.onehot(t, core.shape(x)[2]))):sum(2)
    w = w * others:clamp(2 ^ -126) ^ self.gamma
  end
  return w
end
lib_loss("FocalLoss", {alpha = {"number", 0.25}, gamma = {"number", 2}}, function(self, what)
  if not (self.alpha >= 0 and self.alpha <= 1) then core.error(what .. ": alpha must be in [0, 1], got " .. tostring(self.alpha)) end
  if not (self.gamma >= 0) or self.gamma == math.huge then core.error(what .. ": gamma must be >= 0 and finite, got " .. tostring(self.gamma)) end
end, function(self, x, t) return reduce(self, focal(self, x, t)) end, focal)

-- KLDivLoss, PyTorch's convention: input x is log-probabilities, target t probabilities;
-- pointwise t (log t - x) with 0 log 0 = 0 (t log t - t x, as PyTorch's xlogy(t, t) - t x), or
-- with log_target = true exp(t) (t - x).  reduction "mean" averages over all elements (PyTorch's
-- default), "batchmean" is the sum divided by the batch size (the true KL divergence per
-- sample), "sum" the sum.  Per sample: the row's sum with "batchmean", else its mean.
local function kl_pointwise(self, x, t)
  same_shape(self, x, t)
  if self.log_target then return t:exp() * (t - x) end
  return t * t:clamp(LOG_FLOOR):log() - t * x
end
lib_loss("KLDivLoss", {log_target = {"boolean", false}}, nil, function(self, x, t)
  local v = kl_pointwise(self, x, t)
  if self.reduction == "batchmean" then return v:sum() / core.shape(x)[1] end
  return reduce(self, v)
end, function(self, x, t)
  local v = kl_pointwise(self, x, t)
  local s = core.shape(v)
  if self.reduction == "batchmean" and #s > 1 then return v:reshape(s[1], -1):sum(2) end
  return per_row_mean(v)
end, {"mean", "batchmean", "sum"})

-- ==== end of the course library ==================================================================

return nn
