-- expect: load_binary_mode.lua:2: .*attempt to load a binary chunk \(mode is 't'\)
local f = assert(load(string.char(27) .. "Lua\84\0", "x", "b"))
return {}
