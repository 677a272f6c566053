#!/usr/bin/python3
"""make_fixtures.py - PyTorch's side of the transfer-learning tests (tests/transfer/).

Regenerate (needs PyTorch 1.13, which on the dev machine only Debian's interpreter has):

    /usr/bin/python3 tests/transfer/make_fixtures.py [OUTDIR]

(OUTDIR, default tests/transfer/fixtures: the test transfer_fixtures_torch writes elsewhere and
compares.)  Deterministic (fixed seeds, CPU, one thread): running it twice gives byte-identical files.

1. A frozen layer (transfer_frozen, run by tests/optim/optim_test.c against frozen.lua): the
   net Conv2d(2, 3, 3, padding 1) -> BatchNorm2d(3) -> ReLU -> Flatten -> Linear(48, 8) ->
   ReLU -> Linear(8, 3), batch 5, cross-entropy, Adam lr 0.01, with the batch norm and the
   first Linear frozen as frozen.lua freezes them with module:freeze(): requires_grad = False
   on their parameters, and bn.eval() (dlc's frozen batch norm normalizes with its running
   statistics and leaves them alone, in training too).  The gradient reaches the convolution
   through both frozen layers.  The batch norm's weight, bias and running statistics are
   random (not 1, 0, 0, 1), so using the batch's statistics, or moving the running ones,
   shows.  Five steps of torch.optim.Adam over the parameters that require a gradient:
     fixtures/frozen.init.safetensors    PyTorch's state_dict under "net.", F32, with the batch
                                         norm's num_batches_tracked (I64) as PyTorch saves it
     fixtures/frozen.expect.safetensors  x, target, the 5 losses, every parameter and buffer
                                         after the steps and Adam's state (exp_avg, exp_avg_sq;
                                         none for the frozen parameters), optim.step, in F64:
                                         the format of tests/optim/make_fixtures.py.
   The reference is computed in float64 from the float32 initial values; the seed is the first
   for which float32 PyTorch uses at most a fifth of optim_test.c's f32 tolerances.

2. A PyTorch export (transfer_init's last part): lenet6.lua's net (3 classes) built in
   PyTorch, trained for 4 epochs on tests/train/data/bands-train-* (pixels / 255, batch 16,
   Adam lr 0.01, training mode), then scored in eval mode on bands-test-*:
     fixtures/lenet6_torch.safetensors   its state_dict under "net." as PyTorch saves it
                                         (num_batches_tracked included), the last layer in F64
                                         (converted by the loader), metadata test_correct (of
                                         60) and test_loss (mean cross-entropy).
   `dlc train lenet6.lua --init fixtures/lenet6_torch.safetensors --epochs 0` must load every
   tensor and score the test set as PyTorch did.
"""
import gzip
import os
import struct
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from safetensors_io import st_write  # noqa: E402  (tests/safetensors_io.py)

OUT = os.path.join(HERE, "fixtures")  # or argv[1]
DATA = os.path.join(HERE, "..", "train", "data")
STEPS = 5

# optim_test.c's f32 tolerances (keep in step with it)
F32_LOSS_RTOL, F32_STEP_RTOL, F32_DELTA_RTOL = 1e-5, 5e-5, 1e-3


# ---- 1. a frozen layer --------------------------------------------------------------------------

def frozen_net():
    return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                         nn.Linear(48, 8), nn.ReLU(), nn.Linear(8, 3))


def freeze(m):
    """as frozen.lua's :freeze() on net.1 (the batch norm) and net.4 (the first Linear)"""
    for i in (1, 4):
        m[i].requires_grad_(False)
    m[1].eval()


def frozen_run(init, x, target, dtype):
    m = frozen_net()
    m.load_state_dict(init)
    m = m.to(dtype)
    m.train()
    freeze(m)
    params = [p for p in m.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=0.01, foreach=False)
    lossf = nn.CrossEntropyLoss()
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = lossf(m(x.to(dtype)), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    names = {id(p): n for n, p in m.named_parameters()}
    out = {"net." + n: t.detach().clone() for n, t in m.state_dict().items() if "num_batches" not in n}
    for p in params:
        st = opt.state[p]
        for s in ("exp_avg", "exp_avg_sq"):
            out["optim.net." + names[id(p)] + "." + s] = st[s].detach().clone()
        out["optim.step"] = torch.tensor(float(st["step"]), dtype=dtype)
    for n, p in m.named_parameters():
        assert p.requires_grad or opt.state.get(p) is None, n
    return torch.tensor(losses, dtype=torch.float64), out


def use(got, ref, rtol):
    got, ref = got.double().flatten(), ref.double().flatten()
    scale = ref.abs().max().item()
    bound = rtol * torch.clamp(ref.abs(), min=scale / 10)
    d = (got - ref).abs()
    return torch.where(d == 0, torch.zeros_like(d), d / bound).max().item()


def frozen_fixture():
    for seed in range(1, 100):
        torch.manual_seed(seed)
        net = frozen_net()
        with torch.no_grad():
            bn = net[1]
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
            bn.running_mean.uniform_(-0.3, 0.3)
            bn.running_var.uniform_(0.5, 2.0)
        x = torch.randn(5, 2, 4, 4)
        target = torch.randint(0, 3, (5,))
        init = {n: t.detach().clone() for n, t in net.state_dict().items()}
        losses, ref = frozen_run(init, x, target, torch.float64)
        l32, o32 = frozen_run(init, x, target, torch.float32)
        w = max(use(l32[s], losses[s], F32_LOSS_RTOL * (s + 1)) for s in range(STEPS))
        for n, t in ref.items():
            w = max(w, use(o32[n], t, F32_STEP_RTOL))
            k = n[4:]
            if n.startswith("net.") and not torch.equal(t, init[k].double()):
                w = max(w, use(o32[n].double() - init[k].double(), t - init[k].double(), F32_DELTA_RTOL))
        if w <= 0.2:
            break
        print(f"frozen: seed {seed}: float32 PyTorch uses {100 * w:.0f}% of a tolerance; next seed")
    else:
        sys.exit("no seed found")
    for k in ("1.weight", "1.bias", "1.running_mean", "1.running_var", "4.weight", "4.bias"):
        assert torch.equal(ref["net." + k], init[k].double()), k  # frozen: unchanged
    st_write(os.path.join(OUT, "frozen.init.safetensors"), [("net." + n, t) for n, t in init.items()])
    st_write(os.path.join(OUT, "frozen.expect.safetensors"),
             [("x", x), ("target", target.to(torch.int32)), ("losses", losses)]
             + [(n, t.double()) for n, t in ref.items()],
             {"config": "frozen", "torch": torch.__version__, "seed": seed,
              "dlc": "optim.Adam{lr = 0.01}, net.1 (BatchNorm2d) and net.4 (Linear) frozen",
              "torch_f32_use": f"{w:.3g}"})
    print(f"frozen: seed {seed}, losses {[round(v, 6) for v in losses.tolist()]}; "
          f"float32 PyTorch uses {100 * w:.1f}% of the f32 tolerance")


# ---- 2. a PyTorch export ----------------------------------------------------------------------------

def lenet6(classes):
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(),
                         nn.Linear(72, 24), nn.ReLU(), nn.Linear(24, 16), nn.ReLU(), nn.Linear(16, classes))


def read_idx(path):
    raw = open(path, "rb").read()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    ndim = raw[3]
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def export_fixture():
    xs = read_idx(os.path.join(DATA, "bands-train-images-idx3-ubyte")).float().div(255).unsqueeze(1)
    ys = read_idx(os.path.join(DATA, "bands-train-labels-idx1-ubyte")).long()
    xt = read_idx(os.path.join(DATA, "bands-test-images-idx3-ubyte")).float().div(255).unsqueeze(1)
    yt = read_idx(os.path.join(DATA, "bands-test-labels-idx1-ubyte")).long()
    torch.manual_seed(7)
    m = lenet6(3)
    opt = torch.optim.Adam(m.parameters(), lr=0.01)
    lossf = nn.CrossEntropyLoss()
    m.train()
    for _ in range(4):
        perm = torch.randperm(len(xs))
        for b in range(0, len(xs) - 15, 16):
            i = perm[b:b + 16]
            opt.zero_grad()
            lossf(m(xs[i]), ys[i]).backward()
            opt.step()
    m.eval()
    with torch.no_grad():
        out = m(xt)
        loss = lossf(out, yt).item()
        correct = int((out.argmax(1) == yt).sum())
    sd = [("net." + n, t.double() if n.startswith("11.") else t) for n, t in m.state_dict().items()]
    st_write(os.path.join(OUT, "lenet6_torch.safetensors"), sd,
             {"torch": torch.__version__, "test_correct": correct, "test_loss": f"{loss:.9f}"})
    print(f"lenet6_torch: test accuracy {correct}/60, loss {loss:.6f}")


def main():
    global OUT
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1].startswith("-")):
        sys.exit(__doc__)
    if len(sys.argv) == 2:
        OUT = sys.argv[1]
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    frozen_fixture()
    export_fixture()


if __name__ == "__main__":
    main()
