-- inject.lua - C (and JSON, DOT, terminal) injection attempts in every name-bearing position of a
-- functional model.  dlc must either refuse a name or make it inert: inject_test.c builds this
-- net, runs it and checks that none of the injected code ran and that every name survives, byte
-- for byte, in the checkpoint.
local dlc, init, optim = require "dlc", require "init", require "optim"
-- closes a comment, then runs code in m_init if the comment was not escaped
local W = "w */ abort(); /* \" ); abort(); (\" ??/ \\"
-- closes the string literal in the tensor table and the JSON string in the checkpoint
local B = "b\", RT_F32, 0, {0}, 0, 0}; abort(); (RtTensor){\"\\\": 1, \"x"
-- the same name but for characters that become '_' in C: distinct C names, no macro clash
local W2 = "w */ abort(); /* \" ); abort(); (\" ??/ _"
local x = dlc.input("x */ #error injected", {4, 2})
local y = dlc.input("y\"); abort(); //", {4, 1})
local w = dlc.param(W, {2, 1}, init.constant(0.5))
local w2 = dlc.param(W2, {2, 1}, init.constant(0.25))
local b = dlc.param(B, {1}, init.constant(1))
local c = dlc.param("count", {1}, init.constant(0))   -- <NAME>_PARAM_COUNT is the header's own
local pred = x:matmul(w) + x:matmul(w2) + b + c
return { name = "inj", inputs = {x, y}, outputs = {pred},
         loss = ((pred - y) ^ 2):mean(), optim = optim.SGD{lr = 0.1, momentum = 0.9} }
