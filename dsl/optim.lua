-- optim.lua - optimizers.  Each builds its update as IR: for every parameter p with gradient
-- slot g it assigns new values to p and to its state (core.state(p, slot), zero at m_init),
-- following PyTorch 1.13's single-tensor update formulas operation for operation (so the
-- rounding agrees too).  Hyper-parameters become named constants, emitted as macros (M_LR,
-- ...); derived scalars such as 1 - beta1 are computed here in double precision, as PyTorch
-- computes them in Python.  State slots carry PyTorch's names (momentum_buffer, exp_avg,
-- exp_avg_sq, sum, square_avg, acc_delta, grad_avg); the step count t is optim.step.
--
-- Learning-rate schedulers (spec.scheduler: StepLR, MultiStepLR, ExponentialLR,
-- CosineAnnealingLR, OneCycleLR) check PyTorch's arguments here; the rates themselves are the
-- runtime's (runtime/sched.c), which gets the schedule as a plain table (_resolve, read by
-- dsl.c into an RtSched).  With a scheduler the optimizer reads its learning rate from the
-- scalar state optim.lr (set by the runtime, saved in checkpoints) instead of the constant LR.
local core = ...
local optim = {}

local clip_grad_norm

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
    if r[k] == nil and not s.optional then core.error(what .. ": option " .. k .. " is required") end
    if s[1] == "number" and r[k] ~= nil and (r[k] ~= r[k] or r[k] == math.huge or r[k] == -math.huge) then
      core.error(what .. ": " .. k .. " must be a finite number")
    end
  end
  return r
end

-- PyTorch's clip_grad_norm_: the global L2 norm of all gradients (the norm of the per-tensor
-- norms), each gradient scaled by min(1, max_norm / (norm + 1e-6)).
clip_grad_norm = function(params, max_norm)
  local sq
  for _, e in ipairs(params) do
    local n = (e.grad ^ 2):sum():sqrt()
    sq = sq and sq + n ^ 2 or n ^ 2
  end
  if not sq then return params end
  local coef = (core.const(max_norm, "CLIP_GRAD_NORM") / (sq:sqrt() + 1e-6)):clamp(nil, 1)
  local r = {}
  for i, e in ipairs(params) do r[i] = {param = e.param, grad = e.grad * coef, name = e.name} end
  return r
end

-- t, the number of this update (1 at the first), as PyTorch's state["step"] after its +1
local function step_count()
  local s = core.state(nil, "step")
  core.assign(s, s + 1)
  return s + 1
end

local function check_range(o, what, k, lo, hi, lo_open, hi_open)
  local v = o[k]
  local bad = (lo_open and v <= lo or v < lo) or (hi and (hi_open and v >= hi or v > hi))
  if bad then
    core.error(string.format("%s: %s must be in %s%g, %s%s, got %g", what, k, lo_open and "(" or "[", lo,
      hi and string.format("%g", hi) or "inf", hi and (hi_open and ")" or "]") or ")", v))
  end
end

-- the learning rate: the constant LR, or with a scheduler the run-time state optim.lr
local function lr_of(self)
  if self._runtime_lr then return core.state(nil, "lr") end
  return core.const(self.lr, "LR")
end

local function positive_lr(o, what)
  if o.lr <= 0 then core.error(what .. ": lr must be > 0, got " .. o.lr) end
end

local function optimizer(kind, spec, validate, build)
  local cls = {_optimizer = kind}
  cls.__index = cls
  cls.__tostring = function() return "optim." .. kind end
  cls._build = function(self, params, clip)
    core.with_loc(self._line, function()
      if clip then params = clip_grad_norm(params, clip) end
      build(self, params)
    end)
  end
  optim[kind] = function(o)
    local self = check_opts(o, spec, "optim." .. kind)
    validate(self, "optim." .. kind)
    self._line = core.line()
    return setmetatable(self, cls)
  end
  -- the same optimizer with a run-time learning rate (the spec has a scheduler)
  cls._scheduled = function(self)
    local c = {}
    for k, v in next, self do c[k] = v end
    c._runtime_lr = true
    return setmetatable(c, cls)
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
    local lr = lr_of(self)
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

-- ---- adaptive optimizers ------------------------------------------------------------------

local function weight_decay(self, p, g)
  if self.weight_decay ~= 0 then return g + core.const(self.weight_decay, "WEIGHT_DECAY") * p end
  return g
end

optimizer("Adagrad",
  {lr = {"number", 0.01}, lr_decay = {"number", 0}, weight_decay = {"number", 0},
   initial_accumulator_value = {"number", 0}, eps = {"number", 1e-10}},
  function(o, what)
    positive_lr(o, what)
    check_range(o, what, "eps", 0, nil, true)
    check_range(o, what, "weight_decay", 0)
    check_range(o, what, "lr_decay", 0)
    if o.initial_accumulator_value ~= 0 then core.error(what .. ": initial_accumulator_value must be 0 (state starts at zero)") end
  end,
  function(self, params)
    local t = self.lr_decay ~= 0 and step_count()
    local clr = lr_of(self)
    if t then clr = clr / ((t - 1) * self.lr_decay + 1) end
    local eps = core.const(self.eps, "EPS")
    for _, e in ipairs(params) do
      local p, g = e.param, weight_decay(self, e.param, e.grad)
      local sum = core.state(p, "sum")
      local ns = sum + g * g
      core.assign(sum, ns)
      core.assign(p, p - clr * (g / (ns:sqrt() + eps)))
    end
  end)

optimizer("Adadelta",
  {lr = {"number", 1}, rho = {"number", 0.9}, eps = {"number", 1e-6}, weight_decay = {"number", 0}},
  function(o, what)
    positive_lr(o, what)
    check_range(o, what, "rho", 0, 1)
    check_range(o, what, "eps", 0, nil, true)
    check_range(o, what, "weight_decay", 0)
  end,
  function(self, params)
    local lr, rho, eps = lr_of(self), core.const(self.rho, "RHO"), core.const(self.eps, "EPS")
    local one_minus_rho = core.const(1 - self.rho, "ONE_MINUS_RHO")
    for _, e in ipairs(params) do
      local p, g = e.param, weight_decay(self, e.param, e.grad)
      local sq, acc = core.state(p, "square_avg"), core.state(p, "acc_delta")
      local nsq = sq * rho + one_minus_rho * (g * g)
      local std = (nsq + eps):sqrt()
      local delta = (acc + eps):sqrt() / std * g
      core.assign(sq, nsq)
      core.assign(acc, acc * rho + one_minus_rho * (delta * delta))
      core.assign(p, p - lr * delta)
    end
  end)

optimizer("RMSprop",
  {lr = {"number", 0.01}, alpha = {"number", 0.99}, eps = {"number", 1e-8}, weight_decay = {"number", 0},
   momentum = {"number", 0}, centered = {"boolean", false}},
  function(o, what)
    positive_lr(o, what)
    check_range(o, what, "alpha", 0, 1)
    check_range(o, what, "eps", 0, nil, true)
    check_range(o, what, "weight_decay", 0)
    check_range(o, what, "momentum", 0)
  end,
  function(self, params)
    local lr, alpha, eps = lr_of(self), core.const(self.alpha, "ALPHA"), core.const(self.eps, "EPS")
    local one_minus_alpha = core.const(1 - self.alpha, "ONE_MINUS_ALPHA")
    local mom = self.momentum ~= 0 and core.const(self.momentum, "MOMENTUM")
    for _, e in ipairs(params) do
      local p, g = e.param, weight_decay(self, e.param, e.grad)
      local sq = core.state(p, "square_avg")
      local nsq = sq * alpha + one_minus_alpha * (g * g)
      core.assign(sq, nsq)
      local avg
      if self.centered then
        local ga = core.state(p, "grad_avg")
        local nga = ga * alpha + one_minus_alpha * g
        core.assign(ga, nga)
        avg = (nsq - nga * nga):sqrt() + eps
      else
        avg = nsq:sqrt() + eps
      end
      if mom then
        local buf = core.state(p, "momentum_buffer")
        local nb = buf * mom + g / avg
        core.assign(buf, nb)
        core.assign(p, p - lr * nb)
      else
        core.assign(p, p - lr * (g / avg))
      end
    end
  end)

local adam_spec = {lr = {"number", 1e-3}, betas = {"table", {0.9, 0.999}}, eps = {"number", 1e-8},
                   weight_decay = {"number", 0}, amsgrad = {"boolean", false}}

local function check_adam(o, what)
  positive_lr(o, what)
  local b = o.betas
  if type(b[1]) ~= "number" or type(b[2]) ~= "number" or #b ~= 2 then
    core.error(what .. ": betas must be two numbers, e.g. {0.9, 0.999}")
  end
  for i = 1, 2 do
    if not (b[i] >= 0 and b[i] < 1) then
      core.error(string.format("%s: betas[%d] must be in [0, 1), got %g", what, i, b[i]))
    end
  end
  check_range(o, what, "eps", 0, nil, true)
  check_range(o, what, "weight_decay", 0)
  if o.amsgrad then core.error(what .. ": amsgrad is not supported yet") end
end

-- 1 - beta^t, PyTorch's bias correction (computed there in Python, in double).  Not as
-- 1 - BETA ^ t in the build's dtype: in f32, BETA = 0.999 is off by 1.3e-8 and BETA ^ t is
-- rounded to 6e-8, which 1 - ... turns into relative errors of 1e-5 (beta 0.999) to 3e-4
-- (0.9999) in the update.  Instead 1 - beta^t = -expm1(t ln beta) = 2 tanh(z) / (1 + tanh(z))
-- with z = t * (-ln beta / 2) >= 0, the constant from Lua's double: no cancellation, a few
-- ulps in f32 and in f64 (where it differs from PyTorch's own 1 - beta ** t by the ~1e-13 that
-- formula's cancellation costs in double).
local function bias_correction(t, beta, name)
  if beta == 0 then return nil end -- 1 - 0^t = 1
  local th = (t * core.const(-math.log(beta) / 2, "HALF_NEG_LOG_" .. name)):tanh()
  return 2 * th / (1 + th)
end

-- Adam and AdamW: exp_avg and exp_avg_sq, bias-corrected with the step count t
local function adam_update(self, params, decoupled)
  local b1, b2 = self.betas[1], self.betas[2]
  local lr, eps = lr_of(self), core.const(self.eps, "EPS")
  local B1, B2 = core.const(b1, "BETA1"), core.const(b2, "BETA2")
  local t = step_count()
  local bc1, bc2 = bias_correction(t, b1, "BETA1"), bias_correction(t, b2, "BETA2")
  local step_size = bc1 and lr / bc1 or lr
  local bc2_sqrt = bc2 and bc2:sqrt()
  for _, e in ipairs(params) do
    local p, g = e.param, e.grad
    if decoupled and self._runtime_lr then
      -- 1 - lr * weight_decay at run time, in the build's dtype (PyTorch: in double)
      if self.weight_decay ~= 0 then p = p * (1 - lr * core.const(self.weight_decay, "WEIGHT_DECAY")) end
    elseif decoupled then
      if self.weight_decay ~= 0 then p = p * core.const(1 - self.lr * self.weight_decay, "DECAY") end
    else
      g = weight_decay(self, p, g)
    end
    local m, v = core.state(e.param, "exp_avg"), core.state(e.param, "exp_avg_sq")
    local nm = m * B1 + core.const(1 - b1, "ONE_MINUS_BETA1") * g
    local nv = v * B2 + core.const(1 - b2, "ONE_MINUS_BETA2") * (g * g)
    core.assign(m, nm)
    core.assign(v, nv)
    local denom = (bc2_sqrt and nv:sqrt() / bc2_sqrt or nv:sqrt()) + eps
    core.assign(e.param, p - step_size * (nm / denom))
  end
end

optimizer("Adam", adam_spec, check_adam, function(self, params) adam_update(self, params, false) end)

local adamw_spec = {}
for k, v in pairs(adam_spec) do adamw_spec[k] = v end
adamw_spec.weight_decay = {"number", 1e-2}
optimizer("AdamW", adamw_spec, check_adam, function(self, params) adam_update(self, params, true) end)

-- ---- learning-rate schedulers ---------------------------------------------------------------
-- optim.X{...} checks the options and remembers its line; _resolve(opt) gives the schedule for
-- the optimizer opt as a plain table of RtSched's fields (kind, base_lr, ...), numbers only.

local function scheduler(kind, spec, validate, resolve)
  local cls = {_scheduler = kind}
  cls.__index = cls
  cls.__tostring = function() return "optim." .. kind end
  cls._resolve = function(self, opt)
    local r = {}
    core.with_loc(self._line, function() r = resolve(self, opt) end)
    r.kind = kind
    return r
  end
  optim[kind] = function(o)
    local self = check_opts(o, spec, "optim." .. kind)
    validate(self, "optim." .. kind)
    self._line = core.line()
    return setmetatable(self, cls)
  end
end

-- a whole number n >= lo (a float with an integer value counts): the integer, else an error
local function whole(o, what, k, lo)
  local v = o[k]
  local n = math.tointeger(v)
  if not n or n < lo or n > 2 ^ 53 then
    core.error(string.format("%s: %s must be a %s integer, got %s", what, k, lo > 0 and "positive" or "non-negative",
      tostring(v)))
  end
  return n
end

local function check_gamma(o, what)
  if o.gamma < 0 then core.error(what .. ": gamma must be >= 0, got " .. o.gamma) end
end

scheduler("StepLR", {step_size = {"number", nil}, gamma = {"number", 0.1}},
  function(o, what)
    o.step_size = whole(o, what, "step_size", 1)
    check_gamma(o, what)
  end,
  function(self, opt) return {base_lr = opt.lr, step_size = self.step_size, gamma = self.gamma} end)

scheduler("MultiStepLR", {milestones = {"table", nil}, gamma = {"number", 0.1}},
  function(o, what)
    local m = {}
    for k in next, o.milestones do
      if math.type(k) ~= "integer" or k < 1 or k > #o.milestones then
        core.error(what .. ": milestones must be a list of epoch numbers, e.g. {30, 80}")
      end
    end
    if #o.milestones > 1000 then core.error(what .. ": at most 1000 milestones, got " .. #o.milestones) end
    for i, v in ipairs(o.milestones) do
      local n = math.tointeger(v)
      if not n or n < 0 then
        core.error(string.format("%s: milestones[%d] must be a non-negative integer, got %s", what, i, tostring(v)))
      end
      m[i] = n
    end
    table.sort(m) -- PyTorch counts them (a Counter): the order does not matter, a repeat counts twice
    o.milestones = m
    check_gamma(o, what)
  end,
  function(self, opt) return {base_lr = opt.lr, milestones = self.milestones, gamma = self.gamma} end)

scheduler("ExponentialLR", {gamma = {"number", nil}},
  check_gamma,
  function(self, opt) return {base_lr = opt.lr, gamma = self.gamma} end)

scheduler("CosineAnnealingLR", {T_max = {"number", nil}, eta_min = {"number", 0}},
  function(o, what)
    o.T_max = whole(o, what, "T_max", 1)
    check_range(o, what, "eta_min", 0)
  end,
  function(self, opt) return {base_lr = opt.lr, t_max = self.T_max, eta_min = self.eta_min} end)

-- OneCycleLR: PyTorch's total_steps, or epochs and steps_per_epoch; dlc also takes epochs alone
-- (steps per epoch: the run's) or neither (dlc train: the whole run).  Momentum is not cycled.
local no_momentum = " (dlc does not cycle the momentum: the optimizer's stays fixed; leave it out, or give cycle_momentum = false)"
scheduler("OneCycleLR",
  {max_lr = {"number", nil}, total_steps = {"number", nil, optional = true}, epochs = {"number", nil, optional = true},
   steps_per_epoch = {"number", nil, optional = true}, pct_start = {"number", 0.3}, anneal_strategy = {"string", "cos"},
   cycle_momentum = {"boolean", false}, base_momentum = {"number", nil, optional = true},
   max_momentum = {"number", nil, optional = true}, div_factor = {"number", 25}, final_div_factor = {"number", 1e4},
   three_phase = {"boolean", false}},
  function(o, what)
    if o.cycle_momentum then core.error(what .. ": cycle_momentum = true is not supported" .. no_momentum) end
    for _, k in ipairs {"base_momentum", "max_momentum"} do
      if o[k] ~= nil then core.error(what .. ": " .. k .. " is not supported" .. no_momentum) end
    end
    check_range(o, what, "max_lr", 0, nil, true)
    if o.total_steps ~= nil then
      o.total_steps = whole(o, what, "total_steps", 1)
      if o.epochs ~= nil or o.steps_per_epoch ~= nil then
        core.error(what .. ": give total_steps, or epochs (and steps_per_epoch), not both")
      end
    end
    if o.epochs ~= nil then o.epochs = whole(o, what, "epochs", 1) end
    if o.steps_per_epoch ~= nil then
      o.steps_per_epoch = whole(o, what, "steps_per_epoch", 1)
      if o.epochs == nil then core.error(what .. ": steps_per_epoch needs epochs") end
    end
    if o.total_steps == nil and o.steps_per_epoch then
      o.total_steps = o.epochs * o.steps_per_epoch
      if o.total_steps > 2 ^ 53 then core.error(what .. ": epochs * steps_per_epoch is too large") end
    end
    check_range(o, what, "pct_start", 0, 1)
    if o.anneal_strategy ~= "cos" and o.anneal_strategy ~= "linear" then
      core.error(what .. ': anneal_strategy must be "cos" or "linear", got "' .. o.anneal_strategy .. '"')
    end
    check_range(o, what, "div_factor", 0, nil, true)
    check_range(o, what, "final_div_factor", 0, nil, true)
  end,
  function(self)
    return {base_lr = self.max_lr / self.div_factor, max_lr = self.max_lr, pct_start = self.pct_start,
            div_factor = self.div_factor, final_div_factor = self.final_div_factor,
            linear = self.anneal_strategy == "linear" and 1 or 0, three_phase = self.three_phase and 1 or 0,
            total_steps = self.total_steps or 0, epochs = not self.total_steps and self.epochs or 0}
  end)

return optim
