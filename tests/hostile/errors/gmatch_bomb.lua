-- expect: gmatch_bomb.lua: the model file ran for more than 1 s of CPU time inside a library function
-- args: --lua-timeout 1
for m in ("a"):rep(50):gmatch(("a*"):rep(25) .. "b") do end
return {}
