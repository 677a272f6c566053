-- expect: endless_loop.lua:5: the model file ran more than [0-9]+ Lua instructions and was stopped \(an endless loop\?\)
-- args: --lua-timeout 120
local n = 0
while true do
  n = n + 1
end
