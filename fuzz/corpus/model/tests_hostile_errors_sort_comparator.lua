-- expect: sort_comparator.lua:6: the model file ran for more than 1 s of CPU time and was stopped
-- args: --lua-timeout 1
local t = {}
for i = 1, 100 do t[i] = i end
table.sort(t, function(a, b)
  while true do end
end)
return {}
