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
  return core.with_loc(self._line, function() return self:forward(table.unpack(args, 1, args.n)) end)
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
    ctor(self, ...)
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
  for _, k in ipairs(self._order) do core.rename(self._params[k], prefix .. "." .. k) end
end

function Module:parameters()
  local r = {}
  for _, k in ipairs(self._order) do r[#r + 1] = self._params[k] end
  return r
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
  for i, m in ipairs(self._mods) do m:_name(prefix .. "." .. (i - 1)) end
end

function nn.Sequential:parameters()
  local r = {}
  for _, m in ipairs(self._mods) do
    for _, p in ipairs(m:parameters()) do r[#r + 1] = p end
  end
  return r
end

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

return nn
