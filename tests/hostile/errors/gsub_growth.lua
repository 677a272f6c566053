-- expect: gsub_growth.lua(: the model file used more than 512 MiB of memory|: the model file ran for more than 1 s of CPU time inside a library function|:[0-9]+: the model file ran for more than 1 s)
-- args: --lua-timeout 1
local s = ("x"):rep(1 << 20)
while true do s = s:gsub("x", "xx") end
