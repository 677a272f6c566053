-- expect: pattern_bomb.lua: the model file ran for more than 1 s of CPU time inside a library function
-- args: --lua-timeout 1
local s = ("a"):rep(40)
return {s:find(("a?"):rep(40) .. ("a"):rep(40) .. "b")}
