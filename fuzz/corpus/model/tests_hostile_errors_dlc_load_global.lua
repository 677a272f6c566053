-- expect: dlc_load_global.lua:3: attempt to call a nil value \(global '__dlc_load'\)
-- the real load is not reachable under any name
__dlc_load(string.char(27) .. "Lua", "x", "b")
return {}
