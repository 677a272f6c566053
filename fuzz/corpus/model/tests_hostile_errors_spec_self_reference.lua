-- expect: spec_self_reference.lua:5: spec.input needs spec.net, a module such as nn.Sequential
local spec = {}
spec.input = spec
spec.spec = nil
return spec
