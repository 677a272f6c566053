-- expect: complete_own_loss.lua:6: --loss, --optim and --lr complete a model that has no loss and no optim; this one has its own
-- args: --loss mse
local nn, optim = require "nn", require "optim"
return { input = {4, 3}, net = nn.Linear(3, 2), target = {4, 2},
         loss = nn.MSELoss(), optim = optim.SGD{lr = 0.1},
}
