-- expect: string_metatable.lua:2: getmetatable: the metatable of strings is dlc's and sealed: model files cannot change how strings behave
getmetatable("").__index = {}
return {}
