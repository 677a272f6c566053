-- expect: format_width.lua:2: .*invalid conversion
local s = string.format("%099999999d", 1)
return {}
