-- expect: load_chunkname.lua:4: \(load\):1: spoofed
-- a loaded chunk cannot pass for dlc's code or for another model file
local f = load("error('spoofed')", "=dlc/nn.lua")
f()
return {}
