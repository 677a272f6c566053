-- expect: net_number.lua:2: spec.input needs spec.net, a module such as nn.Sequential
return { input = {2, 2}, net = 5 }
