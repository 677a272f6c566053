-- perceptron.lua - one neuron, y = f(w.x + b), on the course's data: IQ and hours of study
-- -> passed the exam.  Trained through a sigmoid (the step function has no useful gradient);
-- the second output is the perceptron's 0/1 decision, step(w.x + b).
local dlc, nn, init, optim = require "dlc", require "nn", require "init", require "optim"

local x = dlc.input("x", {3, 2})          -- (IQ, hours): (95, 3), (110, 4), (100, 5)
local t = dlc.input("t", {3, 1})          -- passed:        0,        1,        1
local scale = dlc.input("scale", {1, 2})  -- 1/typical size of each feature, e.g. (1/100, 1/5)
local neuron = nn.Linear(2, 1, {init = init.zeros(), bias_init = init.zeros()})
local z = neuron(x * scale)
local p = z:sigmoid()

return {
  name    = "perceptron",
  inputs  = {x, t, scale},
  outputs = {p, nn.Step()(z)},
  loss    = ((p - t) ^ 2):mean(),
  optim   = optim.SGD{lr = 2, momentum = 0.9},
}
