#!/usr/bin/python3
"""make_fixtures.py - PyTorch reference fixtures for dlc's ref_* tests, and a checker that a
dlc-written checkpoint opens in PyTorch.

Regenerate (needs PyTorch, which on the dev machine only Debian's interpreter has):

    /usr/bin/python3 tests/ref/make_fixtures.py            # rewrites tests/ref/fixtures/*.safetensors

The output is deterministic (fixed seeds, CPU, no threads-dependent reductions at these sizes):
running it twice gives byte-identical files.  Verify a checkpoint written by a ref_* driver
(ref_test INIT EXPECT KEEP.safetensors) in PyTorch:

    /usr/bin/python3 tests/ref/make_fixtures.py --verify CASE KEEP.safetensors EXPECT

For every case in CASES (each mirrored by tests/ref/<case>.lua, same module list, so the same
state_dict names and shapes) it writes two safetensors files, by hand (there is no Python
safetensors package here): 8-byte little-endian header length, JSON header, raw LE data.

  fixtures/<case>.init.safetensors    the initial parameters, the state_dict of the
                                      nn.Sequential under prefix "net." (net.0.weight, ...),
                                      F32, no metadata: what PyTorch exports, loadable by
                                      <name>_load (no dlc.graph_hash; optimizer state absent).
  fixtures/<case>.expect.safetensors  x           F32 [B, in]     the input batch
                                      target      I32 [B] class indices, or F32 [B, K]
                                      out         F64             forward output at the init params
                                      losses      F64 [3]         loss returned by each of 3 steps
                                      out_after   F64             forward output after the 3 steps
                                      after.net.<i>.<weight|bias>                      F64
                                      after.optim.net.<i>.<weight|bias>.momentum_buffer F64
                                      step1.optim.net.<i>.<weight|bias>.momentum_buffer F64:
                                        the buffers after the first step, i.e. the gradient at
                                        the initial parameters (plus weight_decay * param)
                                      metadata: case, torch version, and torch_f32_rel: how
                                      far the same run in float32 PyTorch is from the float64
                                      reference (max difference / max magnitude, worst tensor),
                                      for scale.

The reference is computed in float64 from the float32 initial parameters and inputs (exact in
float64), so it is PyTorch's result without rounding noise; the tests compare dlc's f32 build
to it at SPEC §6's tolerances and dlc's f64 build at 1e-12.
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
B = 5  # batch
STEPS = 3


def one_hot(idx, k):
    return torch.nn.functional.one_hot(idx, k).float()


# name: (seed, module list, input features, target kind, loss, SGD options)
# target kind: ("classes", K) -> int class indices; ("float", K) uniform in [0, 1);
# ("probs", K) rows of softmax(randn); ("onehot", K) one-hot rows of random classes.
CASES = {
    "mlp_ce": (1, lambda: [nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)], 4, ("classes", 3),
               lambda: nn.CrossEntropyLoss(), dict(lr=0.1, momentum=0.9)),
    "mlp_nesterov": (2, lambda: [nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)], 4, ("classes", 3),
                     lambda: nn.CrossEntropyLoss(),
                     dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "reg_mse": (3, lambda: [nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 2), nn.Sigmoid()], 3, ("float", 2),
                lambda: nn.MSELoss(), dict(lr=0.5, momentum=0.5)),
    "prob_ce": (4, lambda: [nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3)], 4, ("probs", 3),
                lambda: nn.CrossEntropyLoss(), dict(lr=0.2, momentum=0.9)),
    "softmax_mse": (5, lambda: [nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3), nn.Softmax(dim=1)], 4,
                    ("onehot", 3), lambda: nn.MSELoss(), dict(lr=0.5, momentum=0.9)),
    "logsoftmax_sum": (6, lambda: [nn.Linear(4, 5), nn.Sigmoid(), nn.Linear(5, 3), nn.LogSoftmax(dim=-1)],
                       4, ("classes", 3), lambda: nn.CrossEntropyLoss(reduction="sum"),
                       dict(lr=0.05, momentum=0.9, weight_decay=0.001)),
}

# ---- safetensors, by hand -------------------------------------------------------------------







# ---- the reference run ------------------------------------------------------------------------

def make_case(name):
    seed, mods, nin, (tkind, k), mkloss, opts = CASES[name]
    torch.manual_seed(seed)
    net = nn.Sequential(*mods())
    x = torch.randn(B, nin)
    if tkind == "classes":
        target = torch.randint(0, k, (B,))
    elif tkind == "float":
        target = torch.rand(B, k)
    elif tkind == "probs":
        target = torch.softmax(torch.randn(B, k), dim=1)
    else:
        target = one_hot(torch.randint(0, k, (B,)), k)
    init = {"net." + n: p.detach().clone() for n, p in net.state_dict().items()}

    def run(dtype):
        m = nn.Sequential(*mods())
        m.load_state_dict({n[4:]: t for n, t in init.items()})
        m = m.to(dtype)
        xs = x.to(dtype)
        ts = target if tkind == "classes" else target.to(dtype)
        opt = torch.optim.SGD(m.parameters(), **opts)
        lossf = mkloss()
        with torch.no_grad():
            out = m(xs)
        losses, step1 = [], {}
        for s in range(STEPS):
            opt.zero_grad()
            loss = lossf(m(xs), ts)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if s == 0:
                for n, p in m.named_parameters():
                    step1["step1.optim.net." + n + ".momentum_buffer"] = opt.state[p]["momentum_buffer"].clone()
        with torch.no_grad():
            out_after = m(xs)
        after = {}
        for n, p in m.named_parameters():
            after["after.net." + n] = p.detach().clone()
        for n, p in m.named_parameters():
            after["after.optim.net." + n + ".momentum_buffer"] = opt.state[p]["momentum_buffer"].clone()
        after.update(step1)
        return out, torch.tensor(losses, dtype=torch.float64), out_after, after

    out, losses, out_after, after = run(torch.float64)
    o32, l32, oa32, a32 = run(torch.float32)

    def rel(a, b):  # relative to the tensor's largest element
        return ((a.double() - b).abs().max() / b.abs().max()).item()
    dev = max([rel(o32, out), rel(l32, losses), rel(oa32, out_after)] + [rel(a32[n], after[n]) for n in after])
    # a ReLU kink crossed differently in f32 and f64 would show here as a large deviation
    assert dev < 1e-5, f"{name}: float32 PyTorch deviates {dev:g} from float64: choose another seed"

    tgt = target.to(torch.int32) if tkind == "classes" else target
    st_write(os.path.join(OUT, name + ".init.safetensors"), list(init.items()))
    st_write(os.path.join(OUT, name + ".expect.safetensors"),
             [("x", x), ("target", tgt), ("out", out), ("losses", losses), ("out_after", out_after)]
             + list(after.items()),
             {"case": name, "torch": torch.__version__, "torch_f32_rel": f"{dev:.3g}"})
    print(f"{name}: losses {[round(v, 6) for v in losses.tolist()]}, float32 PyTorch within {dev:.2g} of float64")


# ---- a dlc checkpoint in PyTorch ----------------------------------------------------------------

def verify(name, ckpt, expect_path):
    """Load a checkpoint written by dlc into the case's PyTorch model (strict state_dict) and SGD
    state; check the values against the expect file and that the model reproduces out_after."""
    _, mods, _, _, _, opts = CASES[name]
    tensors, meta = st_read(ckpt)
    exp, _ = st_read(expect_path)
    m = nn.Sequential(*mods())
    sd = {n[4:]: t for n, t in tensors.items() if n.startswith("net.")}
    m.load_state_dict(sd, strict=True)  # raises on any missing, unexpected or mis-shaped tensor
    m = m.double()
    opt = torch.optim.SGD(m.parameters(), **opts)
    for n, p in m.named_parameters():
        opt.state[p]["momentum_buffer"] = tensors["optim.net." + n + ".momentum_buffer"].double()
    extra = set(tensors) - {"net." + n for n in sd} - {"optim.net." + n + ".momentum_buffer" for n, _ in m.named_parameters()}
    assert not extra, f"unexpected tensors in {ckpt}: {sorted(extra)}"
    worst = 0.0
    for n, t in tensors.items():
        worst = max(worst, ((t.double() - exp["after." + n]).abs().max() / exp["after." + n].abs().max()).item())
    with torch.no_grad():
        out = m(exp["x"].double())
    dout = ((out - exp["out_after"]).abs().max() / exp["out_after"].abs().max()).item()
    print(f"{ckpt}: loads in PyTorch (strict), step {meta.get('dlc.step')}, "
          f"tensors within {worst:.2g}, forward within {dout:.2g} (relative to each tensor's max)")
    if worst > 1e-4 or dout > 1e-4:
        sys.exit(1)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--verify":
        verify(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for name in CASES:
        make_case(name)


if __name__ == "__main__":
    main()
