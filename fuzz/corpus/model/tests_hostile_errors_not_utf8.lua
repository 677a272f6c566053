-- expect: not_utf8.lua:3: not a Lua model file: byte [0-9]+ \(0xE9\) is not UTF-8 text
-- the next line holds a Latin-1 byte
local cafe = "café"
return {}
