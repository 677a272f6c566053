#!/usr/bin/python3
"""make_library_fixtures.py - PyTorch references for the activations and losses of dlc's library
(the lib_* tests: tests/ref/library.lua built with tests/ref/lib_test.c).

Regenerate (needs PyTorch, which on the dev machine only Debian's interpreter has):

    /usr/bin/python3 tests/ref/make_library_fixtures.py   # rewrites tests/ref/fixtures/library_*.safetensors

Deterministic (fixed seeds, CPU): running it twice gives byte-identical files.

Every case in CASES mirrors the case of the same name in library.lua: the same variants in the
same order, each on its own parameter (a, b, c, ...: the function's input, so its gradient is
a parameter gradient; PReLU's slopes are parameters too, named as dlc names them).  For a
case it writes fixtures/library_<case>.safetensors holding

    param.<name>   F32  the parameter values dlc loads (<name>_load): random inputs, PReLU slopes
    input.w        F32  activations: the weights of the outputs in the loss (same shape)
    input.t        F32 or I32  losses: the target (floats, or class indices)
    output, output2, ...  F64  each variant's output (dlc's outputs in order, named as the
                                header's <NAME>_OUTPUT<k>_SIZE macros): f(a) for an
                                activation, the scalar loss for a loss
    loss           F64  the scalar dlc minimises: sum_k sum(f_k(param k) * w) for activations,
                        sum_k L_k(param k, t) for losses
    grad.<name>    F64  the gradient of loss with respect to each parameter

and metadata: case, torch version, torch_f32_rel (how far float32 PyTorch is from the float64
reference: max difference / max magnitude over the outputs and gradients, worst tensor).

The reference is computed in float64 from float32 values (exact in float64): PyTorch's result
without rounding noise.  Inputs are kept away from kinks (|x| and |x - t| >= 0.01, ||x - t| -
delta| >= 0.01), so float32 and float64 agree on every branch; the script checks that float32
PyTorch is within 1e-5 of the reference.  Definitions that PyTorch lacks are written here as the
library documents them: RMSELoss = sqrt(MSELoss), FocalLoss = -alpha (1 - p_t)^gamma log p_t.
"""
import os
import sys
import warnings

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from make_fixtures import st_write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
B = 4
S = (B, 5)  # activations
L = (B, 3)  # losses

warnings.filterwarnings("ignore", message=".*reduction: 'mean'.*")  # kl_div's "mean" warning


def away(x, points, margin=0.01):
    """x with every element at least margin from each of points (pushed outwards)."""
    for p in points:
        d = x - p
        x = torch.where(d.abs() < margin, p + torch.where(d >= 0, margin, -margin) * 2, x)
    return x


def focal(alpha=0.25, gamma=2.0, reduction="mean"):
    def f(x, t):
        logpt = F.log_softmax(x, 1).gather(1, t.long()[:, None])[:, 0]
        v = -alpha * (1 - logpt.exp()) ** gamma * logpt
        return v.mean() if reduction == "mean" else v.sum()
    return f


def rmse(reduction="mean"):
    return lambda x, t: torch.sqrt(F.mse_loss(x, t, reduction=reduction))


# activations: (shape, [variant]) with a variant (f(x, params), {extra parameter: its value,
# a float, or a shape for uniform values in [0.05, 0.55)})
# losses: (xkind, tkind, [f(x, t)]); kinds below in make_inputs
ACT, LOSS = "activation", "loss"
CASES = {
    "sigmoid": (ACT, S, [(lambda x, p: torch.sigmoid(x), {})]),
    "tanh": (ACT, S, [(lambda x, p: torch.tanh(x), {})]),
    "relu": (ACT, S, [(lambda x, p: F.relu(x), {})]),
    "leaky_relu": (ACT, S, [(lambda x, p: F.leaky_relu(x), {}),
                            (lambda x, p: F.leaky_relu(x, 0.2), {})]),
    "prelu": (ACT, (B, 3, 2), [(lambda x, p: F.prelu(x, p["prelu0.weight"]), {"prelu0.weight": 0.25}),
                               (lambda x, p: F.prelu(x, p["prelu1.weight"]), {"prelu1.weight": (3,)})]),
    "elu": (ACT, S, [(lambda x, p: F.elu(x), {}), (lambda x, p: F.elu(x, 0.5), {})]),
    "silu": (ACT, S, [(lambda x, p: F.silu(x), {})]),
    "softmax": (ACT, S, [(lambda x, p: F.softmax(x, 1), {}), (lambda x, p: F.softmax(x, 0), {})]),
    "log_softmax": (ACT, S, [(lambda x, p: F.log_softmax(x, 1), {}), (lambda x, p: F.log_softmax(x, 0), {})]),

    "mse": (LOSS, "real", "real", [lambda x, t: F.mse_loss(x, t), lambda x, t: F.mse_loss(x, t, reduction="sum")]),
    "l1": (LOSS, "real", "real", [lambda x, t: F.l1_loss(x, t), lambda x, t: F.l1_loss(x, t, reduction="sum")]),
    "huber": (LOSS, "real", "real", [lambda x, t: F.huber_loss(x, t),
                                     lambda x, t: F.huber_loss(x, t, reduction="sum"),
                                     lambda x, t: F.huber_loss(x, t, delta=0.5)]),
    "rmse": (LOSS, "real", "real", [rmse(), rmse("sum")]),
    "bce": (LOSS, "prob", "prob", [lambda x, t: F.binary_cross_entropy(x, t),
                                   lambda x, t: F.binary_cross_entropy(x, t, reduction="sum")]),
    "bce_logits": (LOSS, "logit", "prob", [lambda x, t: F.binary_cross_entropy_with_logits(x, t),
                                           lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="sum")]),
    "cross_entropy": (LOSS, "logit", "class", [lambda x, t: F.cross_entropy(x, t.long()),
                                               lambda x, t: F.cross_entropy(x, t.long(), reduction="sum")]),
    "cross_entropy_probs": (LOSS, "logit", "probs", [lambda x, t: F.cross_entropy(x, t),
                                                     lambda x, t: F.cross_entropy(x, t, reduction="sum")]),
    "nll": (LOSS, "logprobs", "class", [lambda x, t: F.nll_loss(x, t.long()),
                                        lambda x, t: F.nll_loss(x, t.long(), reduction="sum")]),
    "focal": (LOSS, "logit", "class", [focal(), focal(reduction="sum"), focal(alpha=0.75, gamma=0.5)]),
    "kl_div": (LOSS, "logprobs", "probs0", [lambda x, t: F.kl_div(x, t),
                                            lambda x, t: F.kl_div(x, t, reduction="batchmean"),
                                            lambda x, t: F.kl_div(x, t, reduction="sum")]),
    "kl_div_log_target": (LOSS, "logprobs", "logprobs",
                          [lambda x, t: F.kl_div(x, t, reduction="batchmean", log_target=True),
                           lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True)]),
    # cases added later go last: each case's seed is its position, so the others keep theirs
    "softplus": (ACT, S, [(lambda x, p: F.softplus(x), {}),
                          (lambda x, p: F.softplus(x, beta=2, threshold=1), {})]),
    "gelu": (ACT, S, [(lambda x, p: F.gelu(x), {}), (lambda x, p: F.gelu(x, approximate="tanh"), {})]),
}


def make_inputs(kind, shape):
    """float32 values of a kind: real (normal, x2), prob (in [0.02, 0.98]), logit (normal, x3,
    one exact 0: BCE with logits is smooth there but max(x, 0) and |x| are not), logprobs
    (log_softmax rows), probs (softmax rows), probs0 (softmax rows with two exact zeros: 0 log 0),
    class (int32 indices)."""
    if kind == "real":
        return torch.randn(shape) * 2
    if kind == "prob":
        return torch.rand(shape) * 0.96 + 0.02
    if kind == "logit":
        x = torch.randn(shape) * 3
        x[1, 1] = 0
        return x
    if kind == "logprobs":
        return F.log_softmax(torch.randn(shape) * 2, 1)
    if kind in ("probs", "probs0"):
        p = F.softmax(torch.randn(shape) * 2, 1)
        if kind == "probs0":
            p[0, 1] = 0
            p[2, 0] = 0
        return p
    if kind == "class":
        return torch.randint(0, shape[1], (shape[0],), dtype=torch.int32)
    raise ValueError(kind)


def names(k):
    return "abcdefgh"[k]


def run(case, params, inputs, dtype):
    """-> (outputs, loss, {param name: gradient}) in dtype."""
    spec = CASES[case]
    p = {n: v.to(dtype).requires_grad_() for n, v in params.items()}
    outs = []
    if spec[0] == ACT:
        w = inputs["w"].to(dtype)
        loss = 0
        for k, (f, _) in enumerate(spec[2]):
            y = f(p[names(k)], p)
            outs.append(y)
            loss = loss + (y * w).sum()
    else:
        t = inputs["t"]
        t = t if t.dtype == torch.int32 else t.to(dtype)
        loss = 0
        for k, f in enumerate(spec[3]):
            y = f(p[names(k)], t)
            outs.append(y)
            loss = loss + y
    loss.backward()
    return [o.detach() for o in outs], loss.detach(), {n: v.grad for n, v in p.items()}


def make_case(seed, case):
    torch.manual_seed(seed)
    spec = CASES[case]
    params, inputs = {}, {}
    if spec[0] == ACT:
        shape = spec[1]
        for k, (_, extra) in enumerate(spec[2]):
            params[names(k)] = away(torch.randn(shape) * 2, [0.0])
            for n, v in extra.items():
                params[n] = torch.tensor([v]) if isinstance(v, float) else torch.rand(v) * 0.5 + 0.05
        inputs["w"] = torch.randn(shape)
    else:
        _, xkind, tkind, fns = spec
        t = make_inputs(tkind, L)
        inputs["t"] = t
        for k in range(len(fns)):
            x = make_inputs(xkind, L)
            if xkind == "real":  # |x - t| away from 0 (L1) and from Huber's deltas 0.5 and 1
                x = t + away(away(away(x - t, [0.0]), [-1.0, 1.0]), [-0.5, 0.5])
            params[names(k)] = x
    outs, loss, grads = run(case, params, inputs, torch.float64)
    o32, l32, g32 = run(case, params, inputs, torch.float32)

    def rel(a, b):
        return ((a.double() - b).abs().max() / b.abs().max().clamp_min(1e-300)).item()
    dev = max([rel(a, b) for a, b in zip(o32, outs)] + [rel(l32, loss)] + [rel(g32[n], grads[n]) for n in grads])
    assert dev < 1e-5, f"{case}: float32 PyTorch deviates {dev:g} from float64: move the inputs off a kink"
    tensors = [("param." + n, v) for n, v in params.items()] + [("input." + n, v) for n, v in inputs.items()]
    tensors += [("output" + (str(k + 1) if k else ""), o) for k, o in enumerate(outs)]
    tensors += [("loss", loss.reshape(()))] + [("grad." + n, g) for n, g in grads.items()]
    st_write(os.path.join(OUT, f"library_{case}.safetensors"), tensors,
             {"case": case, "torch": torch.__version__, "torch_f32_rel": f"{dev:.3g}"})
    print(f"{case}: loss {loss.item():.6g}, float32 PyTorch within {dev:.2g} of float64")


def main(only):
    """Every case, or only the cases named on the command line (each keeps its seed)."""
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for seed, case in enumerate(CASES, start=100):
        if not only or case in only:
            make_case(seed, case)


if __name__ == "__main__":
    main(sys.argv[1:])
