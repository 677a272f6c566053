#!/usr/bin/python3
"""make_fixtures.py - PyTorch reference fixtures for dlc's batch-norm tests (tests/norm/bn_test.c),
and a checker that a dlc checkpoint of a batch-norm model opens in PyTorch.

Regenerate (needs PyTorch, which on the dev machine only Debian's interpreter has):

    /usr/bin/python3 tests/norm/make_fixtures.py        # rewrites tests/norm/fixtures/*.safetensors

Deterministic (fixed seeds, CPU, one thread): running it twice gives byte-identical files.
Verify a checkpoint written by bn_test (bn_test INIT EXPECT KEEP.safetensors) in PyTorch:

    /usr/bin/python3 tests/norm/make_fixtures.py --verify CASE KEEP.safetensors EXPECT

Every case is Linear -> BatchNorm -> Flatten -> Linear(features, B, bias=False), mirrored by
tests/norm/<case>.lua (same modules, so the same state_dict names and shapes), trained with
KLDivLoss(reduction="sum") against the B x B identity as target and plain SGD.  The loss is then
-sum_n z[n, n] for the readout z = y W^T (y the flattened batch-norm output), which is
(y * r).sum() with r = -W, and the readout weight's gradient is exactly -y: the training-mode
output, which the generated API does not return, is read off that gradient.  The Linear in front
is applied along the last dim, so a parameter gradient flows through batch norm in every case.

  fixtures/<case>.init.safetensors    the initial state_dict under prefix "net.", F32, no
                                      metadata: what PyTorch exports, minus num_batches_tracked
                                      (an I64 PyTorch keeps and dlc does not: dlc refuses a
                                      file holding it).  Batch-norm weight, bias and (in most
                                      cases) running statistics are random, not 1/0.
  fixtures/<case>.expect.safetensors  x, target        F32 inputs
                                      eval0            F64 inference output (running statistics)
                                                       at the initial state
                                      train_y          F64 [B, features] batch-norm output of
                                                       the first training pass (batch statistics)
                                      losses           F64 [3] losses of 3 SGD steps
                                      grad.net.<i>.<weight|bias>  F64 gradients at the initial
                                                       state (the first step's)
                                      rs1.net.<i>.running_mean|var  F64 after one training pass
                                      after.net.*      F64 the state_dict after 3 steps
                                      eval3            F64 inference output after 3 steps
                                      metadata: case, torch, readout (the readout weight's
                                      name), torch_f32_rel (float32 PyTorch's worst deviation
                                      from the float64 reference, for scale), and floor.<name>
                                      for tensors that are sums with cancellation (see below).

The reference is float64 PyTorch from the float32 inputs and initial state (exact in float64).
bn_test compares each element as |dlc - ref| <= rtol * max(|ref|, floor), floor = max(S, F) / 10,
S the tensor's largest |ref| and F the metadata floor.<name> when present: the largest sum of
|terms| over the tensor's elements.  F exists where a value is a sum whose terms cancel far below
their own size, so that its rounding error is relative to the terms, not to the result: the
Linear bias in front of a batch norm over the same features has gradient exactly 0 in exact
arithmetic (batch norm removes any per-feature shift) and is rounding noise in float32 PyTorch
and dlc alike, and each loss is a sum of terms of both signs.
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
STEPS = 3
LR = 0.1

# name: (seed, input shape, front Linear (in, out), batch-norm constructor, features, random running stats)
CASES = {
    # [N, C]: the Linear's outputs are the channels (its bias gradient is exactly 0)
    "bn1d": (11, (8, 4), (4, 3), lambda: nn.BatchNorm1d(3), 3, True),
    # [N, C, L] with non-default eps and momentum, default running statistics
    "bn1d_ncl": (12, (4, 3, 5), (5, 5), lambda: nn.BatchNorm1d(3, eps=1e-3, momentum=0.3), 15, False),
    # [N, C, H, W]
    "bn2d": (13, (3, 2, 4, 5), (5, 5), lambda: nn.BatchNorm2d(2), 40, True),
    # without affine parameters, batch of 2, eps and momentum changed too
    "bn2d_noaffine": (14, (2, 3, 3, 3), (3, 3), lambda: nn.BatchNorm2d(3, eps=1e-4, momentum=0.5, affine=False),
                      27, True),
}


def modules(name):
    _, shape, (fin, fout), mkbn, feat, _ = CASES[name]
    return [nn.Linear(fin, fout), mkbn(), nn.Flatten(), nn.Linear(feat, shape[0], bias=False)]


# ---- safetensors, by hand -------------------------------------------------------------------







def dlc_state(sd):
    """PyTorch's state_dict as dlc keeps it: without num_batches_tracked, under "net." """
    return {"net." + n: t.detach().clone() for n, t in sd.items() if not n.endswith("num_batches_tracked")}


# ---- the reference run ------------------------------------------------------------------------

def make_case(name):
    seed, shape, _, _, _, random_stats = CASES[name]
    torch.manual_seed(seed)
    net = nn.Sequential(*modules(name))
    bn = net[1]
    with torch.no_grad():
        if bn.affine:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0, 0.5)
        if random_stats:
            bn.running_mean.normal_(0, 0.5)
            bn.running_var.uniform_(0.5, 2)
    x = torch.randn(*shape)
    target = torch.eye(shape[0])
    init = dlc_state(net.state_dict())

    def run(dtype):
        m = nn.Sequential(*modules(name))
        m.load_state_dict({n[4:]: t for n, t in init.items()})  # num_batches_tracked: filled with 0
        m = m.to(dtype)
        xs, ts = x.to(dtype), target.to(dtype)
        opt = torch.optim.SGD(m.parameters(), lr=LR)
        lossf = nn.KLDivLoss(reduction="sum")
        r = {}
        m.eval()
        with torch.no_grad():
            r["eval0"] = m(xs)
        m.train()
        losses = []
        for s in range(STEPS):
            opt.zero_grad()
            h = m[0](xs)
            h.retain_grad()
            y = m[2](m[1](h))
            z = m[3](y)
            loss = lossf(z, ts)
            loss.backward()
            losses.append(loss.item())
            if s == 0:
                r["train_y"] = y.detach().clone()
                for n, p in m.named_parameters():
                    r["grad.net." + n] = p.grad.clone()
                for n in ("running_mean", "running_var"):
                    r["rs1.net.1." + n] = getattr(m[1], n).clone()
                # sums of |terms|: the front Linear's bias gradient (sum of h's gradient over all
                # but the last dim) and each loss (-sum_n z[n, n])
                floors = {"grad.net.0.bias": h.grad.abs().reshape(-1, h.shape[-1]).sum(0).max().item(), "losses": 0}
            floors["losses"] = max(floors["losses"], z.detach().diagonal().abs().sum().item())
            opt.step()
        r["losses"] = torch.tensor(losses, dtype=torch.float64)
        for n, t in m.state_dict().items():
            if not n.endswith("num_batches_tracked"):
                r["after.net." + n] = t.detach().clone()
        m.eval()
        with torch.no_grad():
            r["eval3"] = m(xs)
        assert torch.equal(r["grad.net.3.weight"], -r["train_y"]), "the readout's gradient is not -y"
        return r, floors

    ref, floors = run(torch.float64)
    r32, _ = run(torch.float32)

    def rel(n):  # float32 PyTorch's worst deviation, relative to the tensor's scale (with its floor)
        scale = max(ref[n].abs().max().item(), floors.get(n, 0))
        return ((r32[n].double() - ref[n]).abs().max() / scale).item()
    dev = max(rel(n) for n in ref)
    assert dev < 1e-5, f"{name}: float32 PyTorch deviates {dev:g} from float64: choose another seed"

    meta = {"case": name, "torch": torch.__version__, "readout": "net.3.weight", "torch_f32_rel": f"{dev:.3g}"}
    for n, f in floors.items():
        meta["floor." + n] = repr(f)
    st_write(os.path.join(OUT, name + ".init.safetensors"), list(init.items()))
    st_write(os.path.join(OUT, name + ".expect.safetensors"),
             [("x", x), ("target", target)] + sorted(ref.items()), meta)
    print(f"{name}: losses {[round(v, 6) for v in ref['losses'].tolist()]}, "
          f"float32 PyTorch within {dev:.2g} of float64")


# ---- a dlc checkpoint in PyTorch ----------------------------------------------------------------

def verify(name, ckpt, expect_path):
    """Load a dlc checkpoint (after 3 steps) into the case's PyTorch model, strictly: every
    parameter and running statistic by name and shape, num_batches_tracked absent (PyTorch fills
    it in).  Check the values against the expect file and that the model in eval mode reproduces
    eval3, in float64."""
    tensors, meta = st_read(ckpt)
    exp, _ = st_read(expect_path)
    m = nn.Sequential(*modules(name))
    sd = {n[4:]: t for n, t in tensors.items() if n.startswith("net.")}
    extra = set(tensors) - {"net." + n for n in sd}
    assert not extra, f"unexpected tensors in {ckpt}: {sorted(extra)}"
    m.load_state_dict(sd, strict=True)  # raises on any missing, unexpected or mis-shaped tensor
    m = m.double().eval()
    worst = 0.0
    for n, t in tensors.items():
        worst = max(worst, ((t.double() - exp["after." + n]).abs().max() / exp["after." + n].abs().max()).item())
    with torch.no_grad():
        out = m(exp["x"].double())
    dout = ((out - exp["eval3"]).abs().max() / exp["eval3"].abs().max()).item()
    print(f"{ckpt}: loads in PyTorch (strict), step {meta.get('dlc.step')}, "
          f"tensors within {worst:.2g}, inference output within {dout:.2g} (relative to each tensor's max)")
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
