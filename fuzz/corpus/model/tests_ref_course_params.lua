-- course_params.lua - COURSE.md "Neurons and layers": Sequential(Linear(4,5), Linear(5,5),
-- Linear(5,3)) has 4*5+5 + 5*5+5 + 5*3+3 = 73 parameters.
local nn = require "nn"
return {
  name  = "course_params",
  input = {1, 4},
  net   = nn.Sequential { nn.Linear(4, 5), nn.Linear(5, 5), nn.Linear(5, 3) },
}
