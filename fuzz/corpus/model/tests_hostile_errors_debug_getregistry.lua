-- expect: debug_getregistry.lua:2: debug.getregistry is not available
local r = debug.getregistry()
return {}
