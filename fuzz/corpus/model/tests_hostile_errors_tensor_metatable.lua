-- expect: tensor_metatable.lua:4: getmetatable: the metatable of userdatas is dlc's and sealed
local dlc = require "dlc"
local x = dlc.input("x", {2, 2})
getmetatable(x).__index.matmul = function() return 1 end
return {}
