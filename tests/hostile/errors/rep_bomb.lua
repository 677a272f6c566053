-- expect: rep_bomb.lua:2: resulting string too large
local s = ("x"):rep(1 << 40)
return {}
