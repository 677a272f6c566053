-- optim.lua - optimizers.  Each builds its update as IR: for every parameter p with gradient
-- slot g it assigns new values to p and to its state (core.state(p, slot), zero at m_init),
-- following PyTorch's update formulas exactly.  Hyper-parameters become named constants,
-- emitted as macros (M_LR, ...).
local core = ...
local optim = {}

local function check_opts(o, spec, what)
  if type(o) ~= "table" then core.error(what .. " takes a table of options, e.g. " .. what .. "{lr = 0.01}") end
  for k, v in pairs(o) do
    local s = spec[k]
    if not s then
      local known = {}
      for name in pairs(spec) do known[#known + 1] = name end
      table.sort(known)
      core.error(string.format("%s: unknown option '%s' (known: %s)", what, tostring(k), table.concat(known, ", ")))
    end
    if type(v) ~= s[1] then core.error(string.format("%s: %s must be a %s, got %s", what, k, s[1], type(v))) end
  end
  local r = {}
  for k, s in pairs(spec) do
    if o[k] == nil then r[k] = s[2] else r[k] = o[k] end
    if r[k] == nil then core.error(what .. ": option " .. k .. " is required") end
    if s[1] == "number" and (r[k] ~= r[k] or r[k] == math.huge or r[k] == -math.huge) then
      core.error(what .. ": " .. k .. " must be a finite number")
    end
  end
  return r
end

local function optimizer(kind, spec, validate, build)
  local cls = {_optimizer = kind}
  cls.__index = cls
  cls.__tostring = function() return "optim." .. kind end
  cls._build = function(self, params)
    core.with_loc(self._line, function() build(self, params) end)
  end
  optim[kind] = function(o)
    local self = check_opts(o, spec, "optim." .. kind)
    validate(self, "optim." .. kind)
    self._line = core.line()
    return setmetatable(self, cls)
  end
end

optimizer("SGD",
  {lr = {"number", nil}, momentum = {"number", 0}, nesterov = {"boolean", false},
   weight_decay = {"number", 0}},
  function(o, what)
    if o.lr <= 0 then core.error(what .. ": lr must be > 0, got " .. o.lr) end
    if o.momentum < 0 then core.error(what .. ": momentum must be >= 0, got " .. o.momentum) end
    if o.weight_decay < 0 then core.error(what .. ": weight_decay must be >= 0, got " .. o.weight_decay) end
    if o.nesterov and o.momentum <= 0 then
      core.error(what .. ": nesterov needs a momentum > 0")
    end
  end,
  function(self, params)
    local lr = core.const(self.lr, "LR")
    local mom = self.momentum ~= 0 and core.const(self.momentum, "MOMENTUM")
    local wd = self.weight_decay ~= 0 and core.const(self.weight_decay, "WEIGHT_DECAY")
    for _, e in ipairs(params) do
      local p, g = e.param, e.grad
      if wd then g = g + wd * p end
      if mom then
        -- PyTorch: buf = g at the first step, then momentum * buf + g; with buf zero at
        -- m_init the first step gives the same
        local buf = core.state(p, "momentum_buffer")
        local nb = mom * buf + g
        core.assign(buf, nb)
        if self.nesterov then g = g + mom * nb else g = nb end
      end
      core.assign(p, p - lr * g)
    end
  end)

return optim
