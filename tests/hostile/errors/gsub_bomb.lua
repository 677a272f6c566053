-- expect: gsub_bomb.lua: the model file ran for more than 1 s of CPU time inside a library function
-- args: --lua-timeout 1
local s = string.gsub(("x"):rep(45), ("x?"):rep(45) .. ("x"):rep(45) .. "y", "")
return {}
