-- expect: endless_recursion_pcall.lua:[0-9]+: .*(stack overflow|CPU time|instructions)
-- args: --lua-timeout 1
local function f() pcall(f); return f() end
f()
return {}
