#!/usr/bin/python3
"""make_fixtures.py - PyTorch's learning rates for every scheduler configuration of dlc's
sched_lr_* tests (tests/sched/sched_test.c).

Regenerate (needs PyTorch 1.13, which on the dev machine only Debian's interpreter has):

    /usr/bin/python3 tests/sched/make_fixtures.py

It rewrites tests/sched/<config>.lua (the model, so the Lua options cannot drift from the
PyTorch ones) and tests/sched/fixtures/<config>.txt, one per entry of CONFIGS.  The output is
deterministic: running it twice gives identical files.

Each run builds the optimizer on one parameter and the scheduler the way the model file says,
then records param_groups[0]["lr"] after construction (n = 0) and after each of N rounds of
optimizer.step(); scheduler.step() -- the rate PyTorch's training loop uses in epoch n (in step
n for OneCycleLR, which is stepped after every batch).  The fixture is text:

    # <config>: torch <version>: <the PyTorch call>
    total_steps <T>        (OneCycleLR: the total the schedule ran with; 0 for the others)
    <n> <lr>               (N + 1 lines, lr printed with 17 significant digits: exact)
"""
import os
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
S = torch.optim.lr_scheduler

# name, dlc optimizer, dlc scheduler, PyTorch optimizer factory, PyTorch scheduler factory, N,
# total_steps passed to rt_sched_lr (OneCycleLR without total_steps in the model: the driver's)
CONFIGS = [
    ("step", "optim.SGD{lr = 0.1, momentum = 0.9}", "optim.StepLR{step_size = 3, gamma = 0.5}",
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), lambda o: S.StepLR(o, step_size=3, gamma=0.5), 14, 0),
    ("step_default", "optim.Adam{lr = 0.003}", "optim.StepLR{step_size = 2}",
     lambda p: torch.optim.Adam(p, lr=0.003), lambda o: S.StepLR(o, step_size=2), 9, 0),
    ("multistep", "optim.SGD{lr = 0.07}", "optim.MultiStepLR{milestones = {9, 0, 5, 2, 5}, gamma = 0.3}",
     lambda p: torch.optim.SGD(p, lr=0.07), lambda o: S.MultiStepLR(o, milestones=[9, 0, 5, 2, 5], gamma=0.3), 12, 0),
    ("exponential", "optim.Adam{lr = 1e-3}", "optim.ExponentialLR{gamma = 0.9}",
     lambda p: torch.optim.Adam(p, lr=1e-3), lambda o: S.ExponentialLR(o, gamma=0.9), 40, 0),
    ("cosine", "optim.SGD{lr = 0.1, momentum = 0.9}", "optim.CosineAnnealingLR{T_max = 5, eta_min = 0.001}",
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
     lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.001), 23, 0),
    ("cosine_default", "optim.RMSprop{lr = 0.01}", "optim.CosineAnnealingLR{T_max = 7}",
     lambda p: torch.optim.RMSprop(p, lr=0.01), lambda o: S.CosineAnnealingLR(o, T_max=7), 30, 0),
    ("onecycle", "optim.SGD{lr = 0.05, momentum = 0.9}", "optim.OneCycleLR{max_lr = 0.1, total_steps = 100}",
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
     lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=100, cycle_momentum=False), 100, 100),
    ("onecycle_three_linear", "optim.Adam{lr = 1e-3}",
     'optim.OneCycleLR{max_lr = 0.01, epochs = 4, steps_per_epoch = 25, pct_start = 0.25, '
     'anneal_strategy = "linear", three_phase = true, div_factor = 10, final_div_factor = 100}',
     lambda p: torch.optim.Adam(p, lr=1e-3),
     lambda o: S.OneCycleLR(o, max_lr=0.01, epochs=4, steps_per_epoch=25, pct_start=0.25, anneal_strategy="linear",
                            three_phase=True, div_factor=10., final_div_factor=100., cycle_momentum=False), 100, 100),
    ("onecycle_three_cos", "optim.AdamW{lr = 1e-3}", "optim.OneCycleLR{max_lr = 0.02, total_steps = 77, three_phase = true}",
     lambda p: torch.optim.AdamW(p, lr=1e-3),
     lambda o: S.OneCycleLR(o, max_lr=0.02, total_steps=77, three_phase=True, cycle_momentum=False), 77, 77),
    # total_steps left to the driver (dlc train: the run's steps); the fixture's run used 60
    ("onecycle_driver", "optim.SGD{lr = 0.1}", "optim.OneCycleLR{max_lr = 0.3, pct_start = 0.4}",
     lambda p: torch.optim.SGD(p, lr=0.1),
     lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=60, pct_start=0.4, cycle_momentum=False), 60, 60),
]

MODEL = """-- {name}.lua - written by tests/sched/make_fixtures.py (do not edit): the scheduler of the
-- sched_lr_{name} test, whose PyTorch learning rates are in fixtures/{name}.txt.
local nn, optim = require "nn", require "optim"
return {{
  name      = "{name}",
  input     = {{4, 3}},
  net       = nn.Sequential {{ nn.Linear(3, 2) }},
  target    = {{classes = 2}},
  loss      = nn.CrossEntropyLoss(),
  optim     = {optim},
  scheduler = {sched},
}}
"""


def main():
    for name, lua_optim, lua_sched, make_opt, make_sched, n, total in CONFIGS:
        p = [torch.nn.Parameter(torch.zeros(2))]
        opt = make_opt(p)
        sched = make_sched(opt)
        lrs = [opt.param_groups[0]["lr"]]
        for _ in range(n):
            opt.step()
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        with open(os.path.join(HERE, name + ".lua"), "w") as f:
            f.write(MODEL.format(name=name, optim=lua_optim, sched=lua_sched))
        with open(os.path.join(HERE, "fixtures", name + ".txt"), "w") as f:
            f.write("# %s: torch %s: %s\n" % (name, torch.__version__, lua_sched))
            f.write("total_steps %d\n" % total)
            for i, lr in enumerate(lrs):
                f.write("%d %.17g\n" % (i, lr))
        print(name, lrs[:4], "...", lrs[-1])


if __name__ == "__main__":
    main()
