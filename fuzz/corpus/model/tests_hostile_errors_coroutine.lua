-- expect: coroutine.lua:2: attempt to index a nil value \(global 'coroutine'\)
local co = coroutine.create(function() end)
return {}
