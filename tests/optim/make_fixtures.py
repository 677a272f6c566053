#!/usr/bin/python3
"""make_fixtures.py - PyTorch reference runs of every optimizer configuration for dlc's optim_*
tests (tests/optim/optim_test.c).

Regenerate (needs PyTorch 1.13, which on the dev machine only Debian's interpreter has):

    /usr/bin/python3 tests/optim/make_fixtures.py

It rewrites tests/optim/fixtures/<config>.{init,expect}.safetensors and the model files
tests/optim/<config>.lua, one per entry of CONFIGS (so the Lua options cannot drift from the
PyTorch ones).  The output is deterministic (fixed seed, CPU, one thread): running it twice
gives byte-identical files.

The net is an MLP 4-8-3 with ReLU and CrossEntropyLoss on class indices, batch 5, the same
initial parameters and the same batch for every configuration.  Each configuration runs 5
steps of the torch optimizer (single-tensor code path, foreach=False), with
torch.nn.utils.clip_grad_norm_(params, max_norm) before each step when it clips.

  fixtures/<config>.init.safetensors    the initial state_dict under "net." (net.0.weight, ...),
                                        F32, no metadata: what PyTorch exports, loadable by
                                        <name>_load (no graph hash; optimizer state absent).
  fixtures/<config>.expect.safetensors  x                          F32 [5, 4]  the batch
                                        target                     I32 [5]     class indices
                                        losses                     F64 [5]     loss of each step
                                        net.<i>.<weight|bias>      F64         params after 5 steps
                                        optim.net.<i>.<w|b>.<slot> F64         optimizer state after
                                            5 steps, under dlc's names (PyTorch's slot names)
                                        optim.step                 F64 []      5, for the optimizers
                                            whose PyTorch state counts steps (dlc keeps it only
                                            where the update uses it: the driver accepts it absent)
                                        clip_norms                 F64 [5]     (clipping configs) the
                                            global gradient norm before each step
                                        metadata: config, torch version, dlc's optimizer
                                            expression, and torch_f32_use: how much of the f32
                                            test tolerance float32 PyTorch itself uses.

The reference is computed in float64 from the float32 initial parameters and inputs (exact in
float64), so it is PyTorch's result without rounding noise.  The same 5 steps in float32
PyTorch are compared to it with the f32 test's own rule (optim_test.c, same tolerances): the
seed is the first one for which float32 PyTorch uses at most a fifth of every tolerance, so a
run of dlc's f32 build that fails is dlc's fault, not an unlucky near-zero gradient (Adam and
RMSprop divide by sqrt of the second moment, which turns the rounding noise of a gradient
that is ~0 by cancellation into a whole lr-sized step) or a ReLU kink crossed differently.
"""
import json
import os
import struct
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from safetensors_io import st_read, st_write  # noqa: E402  (tests/safetensors_io.py)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
B, NIN, NHID, K = 5, 4, 8, 3
STEPS = 5

# Tolerances: keep in step with optim_test.c.  Per element |got - ref| <= rtol * max(|ref|, S/10),
# S the largest |ref| of the tensor.
F32_LOSS_RTOL = 1e-5   # loss of step s: s * 1e-5 (step s's loss is taken at the params of s-1 steps)
F32_STEP_RTOL = 5e-5   # params and state after 5 steps: SPEC's 1e-5 per step, carried 5 times
F32_DELTA_RTOL = 1e-3  # params - init, relative to the change's own scale

SGD, Adagrad, Adadelta = torch.optim.SGD, torch.optim.Adagrad, torch.optim.Adadelta
RMSprop, Adam, AdamW = torch.optim.RMSprop, torch.optim.Adam, torch.optim.AdamW

# name: (torch optimizer, options (PyTorch's names = dlc's names), clip max_norm or None, what)
CONFIGS = {
    "sgd": (SGD, dict(lr=0.1), None, "plain SGD"),
    "sgd_nesterov_wd": (SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), None,
                        "SGD with Nesterov momentum and weight decay"),
    "adagrad": (Adagrad, dict(), None, "Adagrad, defaults"),
    "adagrad_wd_lr_decay": (Adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, eps=1e-8), None,
                            "Adagrad with lr_decay and weight decay"),
    "adadelta": (Adadelta, dict(), None, "Adadelta, defaults"),
    "adadelta_wd": (Adadelta, dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1), None,
                    "Adadelta with weight decay, rho and eps"),
    "rmsprop": (RMSprop, dict(), None, "RMSprop, defaults"),
    "rmsprop_momentum": (RMSprop, dict(lr=0.005, momentum=0.9), None, "RMSprop with momentum"),
    "rmsprop_centered": (RMSprop, dict(centered=True), None, "centered RMSprop"),
    "rmsprop_wd": (RMSprop, dict(lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5,
                                 centered=True), None,
                   "RMSprop with weight decay, alpha, eps, momentum, centered"),
    "adam": (Adam, dict(), None, "Adam, defaults"),
    "adam_wd": (Adam, dict(lr=0.01, weight_decay=0.01), None, "Adam with (L2) weight decay"),
    # beta2 = 0.9999: 1 - beta2^t in f32 arithmetic was off by 3e-4 (dsl/optim.lua now uses tanh)
    "adam_betas": (Adam, dict(lr=0.02, betas=(0.8, 0.9999), eps=1e-6), None, "Adam with betas and eps"),
    "adamw": (AdamW, dict(), None, "AdamW, defaults (weight_decay 1e-2)"),
    "adamw_wd": (AdamW, dict(lr=0.01, weight_decay=0.1), None, "AdamW with weight_decay 0.1"),
    "sgd_momentum_clip": (SGD, dict(lr=0.1, momentum=0.9), 0.3, "SGD with momentum, clip_grad_norm"),
    "adam_clip": (Adam, dict(lr=0.01), 0.3, "Adam, clip_grad_norm"),
}

# the optimizers whose PyTorch state has a "step"
COUNTS_STEPS = (Adagrad, Adadelta, RMSprop, Adam, AdamW)

# state slots, PyTorch's names, which dlc uses too
def slots(cls, opts):
    if cls is SGD:
        return ["momentum_buffer"] if opts.get("momentum", 0) else []
    if cls is Adagrad:
        return ["sum"]
    if cls is Adadelta:
        return ["square_avg", "acc_delta"]
    if cls is RMSprop:
        return (["square_avg"] + (["momentum_buffer"] if opts.get("momentum", 0) else [])
                + (["grad_avg"] if opts.get("centered") else []))
    return ["exp_avg", "exp_avg_sq"]


# ---- safetensors, by hand -------------------------------------------------------------------





# ---- the dlc model file -----------------------------------------------------------------------

def lua_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (tuple, list)):
        return "{" + ", ".join(lua_value(e) for e in v) + "}"
    return repr(v)


def lua_optim(cls, opts):
    body = ", ".join(f"{k} = {lua_value(v)}" for k, v in opts.items())
    return f"optim.{cls.__name__}{{{body}}}"


def write_model(name):
    cls, opts, clip, what = CONFIGS[name]
    lines = [
        f"-- {name}.lua - {what}: the PyTorch reference run fixtures/{name}.*.safetensors.",
        "-- Generated by make_fixtures.py (edit CONFIGS there, not this file).",
        'local nn, optim = require "nn", require "optim"',
        "return {",
        f'  name   = "{name}",',
        f"  input  = {{{B}, {NIN}}},",
        f"  net    = nn.Sequential {{ nn.Linear({NIN}, {NHID}), nn.ReLU(), nn.Linear({NHID}, {K}) }},",
        f"  target = {{classes = {K}}},",
        "  loss   = nn.CrossEntropyLoss(),",
        f"  optim  = {lua_optim(cls, opts)},",
    ]
    if clip is not None:
        lines.append(f"  clip_grad_norm = {lua_value(clip)},")
    lines.append("}")
    with open(os.path.join(HERE, name + ".lua"), "w") as f:
        f.write("\n".join(lines) + "\n")


# ---- the reference run ------------------------------------------------------------------------

def make_net():
    return nn.Sequential(nn.Linear(NIN, NHID), nn.ReLU(), nn.Linear(NHID, K))


def run(name, init, x, target, dtype):
    """5 steps of the config in dtype -> (losses, {dlc name: tensor}, clip norms)"""
    cls, opts, clip, _ = CONFIGS[name]
    m = make_net()
    m.load_state_dict({n[4:]: t for n, t in init.items()})
    m = m.to(dtype)
    xs = x.to(dtype)
    opt = cls(m.parameters(), **opts, foreach=False)  # the single-tensor formulas
    lossf = nn.CrossEntropyLoss()
    losses, norms = [], []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = lossf(m(xs), target)
        loss.backward()
        if clip is not None:
            norms.append(torch.nn.utils.clip_grad_norm_(m.parameters(), clip).item())
        opt.step()
        losses.append(loss.item())
    out = {}
    for n, p in m.named_parameters():
        out["net." + n] = p.detach().clone()
    for n, p in m.named_parameters():
        st = opt.state[p]
        for s in slots(cls, opts):
            out["optim.net." + n + "." + s] = st[s].detach().clone()
        if isinstance(opt, COUNTS_STEPS):
            step = st["step"]
            step = float(step.item() if torch.is_tensor(step) else step)
            assert step == STEPS, (name, step)
            out["optim.step"] = torch.tensor(step, dtype=dtype)
        unknown = {k for k, v in st.items() if v is not None} - set(slots(cls, opts)) - {"step"}
        assert not unknown, f"{name}: PyTorch state {unknown} has no dlc slot"
    return torch.tensor(losses, dtype=torch.float64), out, norms


def use(got, ref, rtol):
    """fraction of the tolerance used, by the rule of optim_test.c"""
    got, ref = got.double().flatten(), ref.double().flatten()
    scale = ref.abs().max().item()
    bound = rtol * torch.clamp(ref.abs(), min=scale / 10)
    d = (got - ref).abs()
    u = torch.where(d == 0, torch.zeros_like(d), d / bound)
    return u.max().item()


def f32_use(name, init, losses, ref, l32, o32):
    """how much of the f32 test's tolerances float32 PyTorch uses: the worst fraction"""
    w = max(use(l32[s], losses[s], F32_LOSS_RTOL * (s + 1)) for s in range(STEPS))
    for n, t in ref.items():
        w = max(w, use(o32[n], t, F32_STEP_RTOL))
        if n in init:  # the change of the parameter
            w = max(w, use(o32[n].double() - init[n].double(), t - init[n].double(), F32_DELTA_RTOL))
    return w


def attempt(seed):
    """the shared init and batch of this seed, and every config's reference run, or None when
    float32 PyTorch uses more than a fifth of some tolerance in some config"""
    torch.manual_seed(seed)
    net = make_net()
    x = torch.randn(B, NIN)
    target = torch.randint(0, K, (B,))
    init = {"net." + n: p.detach().clone() for n, p in net.state_dict().items()}
    runs = {}
    for name, (cls, opts, clip, _) in CONFIGS.items():
        losses, ref, norms = run(name, init, x, target, torch.float64)
        l32, o32, _ = run(name, init, x, target, torch.float32)
        w = f32_use(name, init, losses, ref, l32, o32)
        if w > 0.2:
            print(f"seed {seed}: {name}: float32 PyTorch uses {100 * w:.0f}% of a tolerance; next seed")
            return None
        if clip is not None and not all(nm > 1.05 * clip for nm in norms):
            print(f"seed {seed}: {name}: some step does not clip (norms {norms}); next seed")
            return None
        runs[name] = (losses, ref, norms, w)
    return x, target, init, runs


def main():
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for seed in range(1, 100):
        r = attempt(seed)
        if r:
            break
    else:
        sys.exit("no seed found")
    x, target, init, runs = r
    for name, (losses, ref, norms, w) in runs.items():
        cls, opts, clip, _ = CONFIGS[name]
        write_model(name)
        st_write(os.path.join(OUT, name + ".init.safetensors"), list(init.items()))
        extra = [("clip_norms", torch.tensor(norms, dtype=torch.float64))] if clip is not None else []
        st_write(os.path.join(OUT, name + ".expect.safetensors"),
                 [("x", x), ("target", target.to(torch.int32)), ("losses", losses)] + extra
                 + [(n, t.double()) for n, t in ref.items()],
                 {"config": name, "torch": torch.__version__, "seed": seed,
                  "dlc": lua_optim(cls, opts) + ("" if clip is None else f", clip_grad_norm = {clip!r}"),
                  "torch_f32_use": f"{w:.3g}"})
        print(f"{name}: losses {[round(v, 6) for v in losses.tolist()]}"
              + (f", clip norms {[round(v, 3) for v in norms]}" if norms else "")
              + f"; float32 PyTorch uses {100 * w:.1f}% of the f32 tolerance")


if __name__ == "__main__":
    main()
