-- init.lua - parameter initializers, with PyTorch's fan computations.
-- An initializer is resolved against a parameter's shape into one of the runtime's three
-- distributions: {dist = "uniform", a = lo, b = hi}, {dist = "normal", a = mean, b = std}
-- or {dist = "const", a = value}.
local core = ...
local init = {}
local Init = {}
Init.__index = Init

local function make(name, resolve) return setmetatable({name = name, resolve = resolve}, Init) end

local function num(v, what, default)
  if v == nil then return default end
  if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
    core.error(what .. " must be a finite number, got " .. tostring(v))
  end
  return v
end

-- PyTorch's _calculate_fan_in_and_fan_out: dim 2 is fan-in, dim 1 fan-out, times the receptive field
function init.fans(shape, what)
  if #shape < 2 then
    core.error((what or "initializer") .. " needs a parameter with at least 2 dims to compute fan-in and fan-out")
  end
  local rf = 1
  for i = 3, #shape do rf = rf * shape[i] end
  return shape[2] * rf, shape[1] * rf
end

function init.uniform(a, b)
  a, b = num(a, "init.uniform: a", 0), num(b, "init.uniform: b", 1)
  if not (a < b) then core.error("init.uniform(a, b) needs a < b") end
  return make("uniform", function() return {dist = "uniform", a = a, b = b} end)
end

function init.normal(mean, std)
  mean, std = num(mean, "init.normal: mean", 0), num(std, "init.normal: std", 1)
  if std < 0 then core.error("init.normal: std must be >= 0") end
  return make("normal", function() return {dist = "normal", a = mean, b = std} end)
end

function init.constant(v)
  v = num(v, "init.constant: value", nil)
  if v == nil then core.error("init.constant(v) needs a value") end
  return make("constant", function() return {dist = "const", a = v, b = 0} end)
end
function init.zeros() return make("zeros", function() return {dist = "const", a = 0, b = 0} end) end
function init.ones() return make("ones", function() return {dist = "const", a = 1, b = 0} end) end

local function fan_based(name, dist, f)
  return function(gain)
    gain = num(gain, "init." .. name .. ": gain", 1)
    return make(name, function(shape)
      local fan_in, fan_out = init.fans(shape, "init." .. name)
      local v = gain * f(fan_in, fan_out)
      if dist == "uniform" then return {dist = "uniform", a = -v, b = v} end
      return {dist = "normal", a = 0, b = v}
    end)
  end
end

init.xavier_uniform = fan_based("xavier_uniform", "uniform", function(i, o) return math.sqrt(6 / (i + o)) end)
init.xavier_normal = fan_based("xavier_normal", "normal", function(i, o) return math.sqrt(2 / (i + o)) end)
init.he_uniform = fan_based("he_uniform", "uniform", function(i) return math.sqrt(6 / i) end)
init.he_normal = fan_based("he_normal", "normal", function(i) return math.sqrt(2 / i) end)
init.lecun_uniform = fan_based("lecun_uniform", "uniform", function(i) return math.sqrt(3 / i) end)
init.lecun_normal = fan_based("lecun_normal", "normal", function(i) return math.sqrt(1 / i) end)
init.kaiming_uniform, init.kaiming_normal = init.he_uniform, init.he_normal
init.glorot_uniform, init.glorot_normal = init.xavier_uniform, init.xavier_normal

function init._resolve(i, shape, what)
  if getmetatable(i) ~= Init then
    core.error((what or "init") .. ": expected an initializer such as init.zeros() or init.normal(0, 0.01)")
  end
  return i.resolve(shape)
end

return init
