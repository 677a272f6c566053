-- expect: require_io.lua:2: module 'io' is not available: model files can require dlc, nn, optim and init
local io2 = require "io"
return {}
