-- expect: require_core.lua:2: module 'core' is not available: model files can require dlc, nn, optim and init
local core = require "core"
return {}
