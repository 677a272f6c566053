-- expect: require_path.lua:2: module '../../etc/passwd' is not available
local x = require "../../etc/passwd"
return {}
