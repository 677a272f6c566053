-- expect: binary_load.lua:2: .*attempt to load a binary chunk
local f = assert(load("\27Lua\84\0\25\147\13\10\26\10\4\8\8", "x"))
return {}
