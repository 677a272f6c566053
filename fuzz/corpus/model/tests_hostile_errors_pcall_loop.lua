-- expect: pcall_loop.lua:[34]: the model file ran for more than 1 s of CPU time and was stopped
-- args: --lua-timeout 1 --dump=graph
local function spin() while true do end end
while true do pcall(spin) end
