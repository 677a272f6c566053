-- expect: gc_finalizer.lua:2: setmetatable: __gc finalizers are not available in model files
local t = setmetatable({}, {__gc = function() while true do end end})
return {}
