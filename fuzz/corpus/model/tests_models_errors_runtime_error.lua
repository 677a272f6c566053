-- expect: runtime_error.lua:3: attempt to index a nil value \(local 'cfg'\)
local cfg
local n = cfg.hidden
return {}
