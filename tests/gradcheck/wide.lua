-- wide.lua - A B^T products wide and long enough (64 x 64, k = 2048) for opt_layout.c to compute
-- them as (B A^T)^T: A^T copied (from a permute's input when A is a reshaped permute, as a
-- convolution's output gradient is), the product in k chunks.  Parameters scale the operands,
-- so the finite differences go through the rewritten products.
local dlc, optim, init = require "dlc", require "optim", require "init"

local p = dlc.param("p", {64, 1}, init.normal(0, 1))
local s = dlc.param("s", {1, 1}, init.normal(0, 1))
local p3 = dlc.param("p3", {1, 64, 1}, init.normal(0, 1))
local x = dlc.input("x", {64, 2048})
local y = dlc.input("y", {64, 2048})
local x3 = dlc.input("x3", {2, 64, 1024})
local w = dlc.input("w", {64, 64})

local b = y * s
local c1 = (x * p):matmul(b:t())                                      -- A an elementwise product
local c2 = (x3 * p3):permute(2, 1, 3):reshape(64, 2048):matmul(b:t()) -- A a reshaped permute
local loss = (c1 * w):sum() + (c2 * w:t()):sum() * 0.5
return { name = "wide", inputs = {x, y, x3, w}, outputs = {c1}, loss = loss / 100,
         optim = optim.SGD{lr = 0.1} }
