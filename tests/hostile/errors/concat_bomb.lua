-- expect: concat_bomb.lua: the model file used more than 512 MiB of memory and was stopped
-- args: --lua-timeout 120
local s = "0123456789abcdef"
while true do s = s .. s end
