#!/usr/bin/python3
"""make_layer_fixtures.py - PyTorch references for the layers and tensor ops of issue 11 (the
layer_* tests: tests/ref/layers.lua built with tests/ref/lib_test.c).

Regenerate (needs PyTorch, which on the dev machine only Debian's interpreter has):

    /usr/bin/python3 tests/ref/make_layer_fixtures.py   # rewrites tests/ref/fixtures/layer_*.safetensors

Deterministic (fixed seeds, CPU): running it twice gives byte-identical files.

Every case in CASES mirrors the case of the same name in layers.lua: a torch.nn.Module built
from torch.nn's own modules (nn.Embedding, nn.LayerNorm, nn.ConvTranspose2d, nn.Upsample,
nn.AdaptiveAvgPool2d, nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d, nn.BatchNorm2d, ...) with the
attribute names layers.lua gives its modules ({name = "conv1"}), so the module's state_dict
keys are dlc's parameter names (all of them but BatchNorm's num_batches_tracked, a counter dlc
does not keep: momentum is fixed at 0.1).  A float image x is a parameter in dlc (its gradient
is a parameter gradient) and the loss is sum(y * w), w an input of the output's shape; on int32
tokens or indices (embedding, gather) the input is t and w is the parameter.  For a case it
writes fixtures/layer_<case>.safetensors holding

    param.<name>   F32  the parameter values dlc loads: the image x (or w) and the module's
                        state_dict (weights, biases, batch norm's running statistics)
    input.w        F32  the weights of the output in the loss (the output's shape), or
    input.t        I32  the tokens or indices
    output         F64  the module's output in inference mode (module.eval(): batch norm
                        normalizes with the loaded running statistics), as dlc's _forward
    loss           F64  sum(y * w) in training mode (module.train(): batch statistics), as
                        dlc's _grad
    grad.<name>    F64  the gradient of that loss with respect to each parameter
    buffer.<name>  F64  each running statistic after that training pass (momentum 0.1, the
                        unbiased batch variance), as dlc's _grad leaves it

and metadata: case, torch version, torch_f32_rel (how far float32 PyTorch is from the float64
reference: max difference / max magnitude over output, loss, gradients and buffers, worst
tensor).

The reference is computed in float64 from float32 values (exact in float64).  Branches are kept
MARGIN away from their switch points: the inputs are redrawn until no ReLU input is within MARGIN
of 0 and every max/min (MaxPool1d's windows, x.min/x.max over a dim) has its top two at least
MARGIN apart (a window of ReLU zeros may tie: its gradient is 0 whichever wins), in both batch
norm modes; float32 and float64 then take the same branches, and the script checks that float32
PyTorch is within 1e-5 of the reference.  Parameters start at PyTorch's default initialization
under the case's seed, except those whose default is a constant (LayerNorm's and BatchNorm's
weight and bias, the running statistics), which are drawn so that they matter.
"""
import copy
import os
import sys

import torch
from torch import nn

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from safetensors_io import st_write  # noqa: E402  (tests/safetensors_io.py)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
MARGIN = 1e-3


class Checked(nn.Module):
    """A module whose forward reports its branch points to self.check(kind, value) when set:
    ("relu", input) and ("top", values with the candidates along dim -1)."""
    check = None

    def see(self, kind, v):
        if self.check:
            self.check(kind, v)
        return v


class ReLU(nn.ReLU):
    """nn.ReLU that reports its input to its owner's check"""
    owner = None

    def forward(self, x):
        if self.owner is not None:
            self.owner.see("relu", x)
        return super().forward(x)


class MaxPool1d(nn.MaxPool1d):
    """nn.MaxPool1d that reports its windows (no padding in these cases)"""
    owner = None

    def forward(self, x):
        if self.owner is not None:
            self.owner.see("top", x.unfold(-1, self.kernel_size, self.stride))
        return super().forward(x)


def own(m):
    """the Checked module m, with its ReLUs and max poolings reporting to it"""
    for sub in m.modules():
        if isinstance(sub, (ReLU, MaxPool1d)):
            object.__setattr__(sub, "owner", m)  # not a submodule: no state_dict entry
    return m


# ---- the cases: a module's forward as layers.lua writes it -------------------------------

class ResBlock(Checked):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 3, 3, padding=1, bias=False)  # a bias before batch norm has gradient 0
        self.bn1 = nn.BatchNorm2d(3)
        self.conv2 = nn.Conv2d(3, 3, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(3)
        self.relu = ReLU()

    def forward(self, x):
        return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))) + x)


class EmbeddingNet(Checked):
    def __init__(self, padding_idx=None):
        super().__init__()
        self.emb = nn.Embedding(10, 6, padding_idx=padding_idx)
        self.fc = nn.Linear(6, 3)

    def forward(self, t):
        return self.fc(self.emb(t))


class One(Checked):
    """a single module under a given attribute name"""

    def __init__(self, name, m):
        super().__init__()
        self.name = name
        setattr(self, name, m)

    def forward(self, x):
        return getattr(self, self.name)(x)


class Conv1dAvg(Checked):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 4, 3, stride=2)
        self.pool = nn.AvgPool1d(3, stride=2, padding=1)  # no parameters: its name is free

    def forward(self, x):
        return self.pool(self.conv(x))


class SliceOps(Checked):
    """narrow, chunk, cat, stack, transpose: layers.lua's calls, dims made 0-based"""

    def forward(self, x):
        c1, c2, c3 = x.chunk(3, 3)
        parts = [
            x.narrow(3, 1, 3),                    # x:narrow(4, 2, 3)
            x.narrow(2, 2, 2),                    # x:narrow(-2, -2, 2)
            torch.cat([c3, c1, c2], 3),           # dlc.cat({c3, c1, c2}, 4)
            torch.stack([c2 * 2, c1], 4),         # dlc.stack({c2 * 2, c1}, 5)
            x.transpose(1, 3),                    # x:transpose(2, 4)
            x.transpose(0, 2).narrow(0, 1, 2),    # x:transpose(1, 3):narrow(1, 2, 2)
        ]
        return torch.cat([p.reshape(2, -1) for p in parts], 1)


class SelectOps(Checked):
    """slices of length 1 inside a dim: layers.lua's calls, dims made 0-based"""

    def forward(self, x):
        c1, c2, _ = x.chunk(3, 3)
        parts = [
            x.select(1, 2),                       # x:select(2, 3)
            x.select(2, -1),                      # x:select(3, -1)
            x.narrow(1, 1, 1),                    # x:narrow(2, 2, 1)
            torch.stack([c1, c2], 1),             # dlc.stack({c1, c2}, 2)
        ]
        return torch.cat([p.reshape(2, -1) for p in parts], 1)


class ReduceOps(Checked):
    """reductions over one and several dims: layers.lua's calls, dims made 0-based"""

    def forward(self, x):
        self.see("top", -x.transpose(2, 3))  # x:min(3): candidates along dim 3
        self.see("top", x)                   # x:max(4)
        parts = [
            x.mean((1, 2)),                       # x:mean({2, 3})
            x.mean(3),                            # x:mean(4)
            x.sum((1, 3)),                        # x:sum({2, 4})
            x.var(2),                             # x:var(3)
            x.var(3, unbiased=False),             # x:var(4, {unbiased = false})
            x.var((2, 3)),                        # x:var({3, 4})
            x.min(2).values,                      # x:min(3)
            x.max(3).values,                      # x:max(4)
        ]
        return torch.cat([p.reshape(2, -1) for p in parts], 1)


class Gather(Checked):
    """x:gather(dim, t), the table x a parameter of the module (state_dict key "x")"""

    def __init__(self, shape, dim):
        super().__init__()
        self.x = nn.Parameter(torch.randn(shape) * 2)
        self.dim = dim

    def forward(self, t):
        return self.x.gather(self.dim, t.long())


class Attention(Checked):
    """nn.MultiheadAttention as layers.lua calls it (need_weights=False: the output only)"""

    def __init__(self, heads, batch_first, causal, embed=8):
        super().__init__()
        self.attn = nn.MultiheadAttention(embed, heads, batch_first=batch_first)
        self.causal = causal

    def forward(self, x):
        if not self.causal:
            return self.attn(x, x, x, need_weights=False)[0]
        length = x.shape[1] if self.attn.batch_first else x.shape[0]
        mask = torch.triu(torch.full((length, length), float("-inf"), dtype=x.dtype), diagonal=1)
        return self.attn(x, x * 0.5, x.tanh(), attn_mask=mask, need_weights=False)[0]


class Bmm(Checked):
    def forward(self, x):
        return x @ x.transpose(1, 2) + x[0] @ x.transpose(1, 2)


class BmmWide(Checked):
    def forward(self, x):
        return x @ x.transpose(1, 2)


class Recurrent(Checked):
    """a recurrent layer's output sequence (its first result), the layer under the name rnn"""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        return self.rnn(x)[0]


class Last(nn.Module):
    """dlc's nn.Last(): the last step of a time-major sequence"""

    def forward(self, x):
        return x[-1]


class LstmState(Checked):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(3, 4, bidirectional=True)
        self.h0 = nn.Parameter(torch.randn(2, 2, 4))
        self.c0 = nn.Parameter(torch.randn(2, 2, 4))
        self.head = nn.Sequential(Last(), nn.Linear(8, 3))

    def forward(self, x):
        out, (h, c) = self.rnn(x, (self.h0, self.c0))
        return torch.cat([self.head(out), h.reshape(2, -1), c.reshape(2, -1)], 1)


class GruUnbatched(Checked):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 4)
        self.h0 = nn.Parameter(torch.randn(1, 4))

    def forward(self, x):
        out, h = self.rnn(x, self.h0)
        return torch.cat([out, h], 0)


def seq(*mods):
    return nn.Sequential(*mods)


# case: (input: ("image", shape) | ("tokens", shape, high), module constructor)
CASES = {
    "resblock": (("image", (2, 3, 5, 4)), ResBlock),
    "embedding": (("tokens", (2, 5), 10), EmbeddingNet),
    "layernorm": (("image", (2, 3, 6)), lambda: One("ln", nn.LayerNorm(6))),
    "layernorm2d": (("image", (2, 3, 6)), lambda: One("ln", nn.LayerNorm((3, 6)))),
    "convtranspose": (("image", (2, 3, 4, 5)),
                      lambda: One("deconv", nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1))),
    "convtranspose_rect_nobias": (("image", (2, 3, 4, 5)),
                                  lambda: One("deconv", nn.ConvTranspose2d(3, 2, (2, 3), bias=False))),
    "upsample_nearest": (("image", (2, 2, 3, 4)), lambda: One("up", nn.Upsample(scale_factor=2))),
    "upsample_bilinear": (("image", (2, 2, 3, 4)),
                          lambda: One("up", nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False))),
    "upsample_bilinear_3x2": (("image", (2, 2, 3, 4)),
                              lambda: One("up", nn.Upsample(scale_factor=(3, 2), mode="bilinear", align_corners=False))),
    "adaptive_global": (("image", (2, 3, 5, 6)),
                        lambda: One("head", seq(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 4)))),
    "adaptive_uneven": (("image", (2, 3, 5, 6)),
                        lambda: One("head", seq(nn.AdaptiveAvgPool2d((2, 4)), nn.Flatten(), nn.Linear(24, 4)))),
    "conv1d_maxpool": (("image", (2, 3, 8)),
                       lambda: One("features", seq(nn.Conv1d(3, 4, 3, padding=1), ReLU(), MaxPool1d(2)))),
    "maxpool1d": (("image", (2, 3, 9)), lambda: One("pool", MaxPool1d(2))),
    "avgpool1d": (("image", (2, 3, 8)), lambda: One("pool", nn.AvgPool1d(3, stride=2, padding=1))),
    "conv1d_avgpool": (("image", (2, 3, 11)), Conv1dAvg),
    "tensorops_slice": (("image", (2, 3, 4, 5)), SliceOps),
    "tensorops_select": (("image", (2, 3, 4, 5)), SelectOps),
    "tensorops_reduce": (("image", (2, 3, 4, 5)), ReduceOps),
    "gather_dim1": (("tokens", (3, 5), 4), lambda: Gather((4, 5), 0)),
    "gather_last": (("tokens", (2, 3, 4), 6), lambda: Gather((2, 3, 6), 2)),
    "mha": (("image", (5, 2, 8)), lambda: Attention(2, False, False)),
    "mha_causal": (("image", (2, 5, 8)), lambda: Attention(4, True, True)),
    "bmm": (("image", (2, 3, 4)), Bmm),
    "rnn": (("image", (6, 2, 4)), lambda: Recurrent(nn.RNN(4, 5))),
    "rnn_relu_2layer_nobias": (("image", (6, 2, 4)),
                               lambda: Recurrent(nn.RNN(4, 5, num_layers=2, nonlinearity="relu", bias=False))),
    "lstm": (("image", (6, 2, 4)), lambda: Recurrent(nn.LSTM(4, 5))),
    "lstm_2layer_bidir": (("image", (2, 6, 4)),
                          lambda: Recurrent(nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True))),
    "gru": (("image", (6, 2, 4)), lambda: Recurrent(nn.GRU(4, 5))),
    "gru_2layer_bidir": (("image", (2, 6, 4)),
                         lambda: Recurrent(nn.GRU(4, 5, num_layers=2, bidirectional=True, batch_first=True))),
    "lstm_state": (("image", (5, 2, 3)), LstmState),
    "gru_unbatched_state": (("image", (5, 3)), GruUnbatched),
    # padding_idx=-8 is row 2 (tokens below 4: it occurs), which PyTorch gives zeros and no gradient
    "embedding_padding": (("tokens", (2, 5), 4), lambda: EmbeddingNet(padding_idx=-8)),
    # a head's 16 dims and 12 positions: the backward's batched products summed over an
    # innermost dim of 16 (opt_layout.c's sum_inner) or over a middle one (emit_loops.c's
    # sums_inward); (before them, layer_mha and layer_bmm: too small for either)
    "mha_wide": (("image", (2, 12, 32)), lambda: Attention(2, True, False, embed=32)),
    "bmm_wide": (("image", (2, 16, 12)), BmmWide),
}

NORMS = (nn.LayerNorm, nn.BatchNorm2d)


def draw_state(m):
    """{state_dict key: float32 value}: PyTorch's initialization (drawn when m was built) but
    for the constant defaults of the norms and the running statistics, drawn here"""
    state = {}
    norm_prefixes = {name for name, sub in m.named_modules() if isinstance(sub, NORMS)}
    for key, v in m.state_dict().items():
        prefix, _, leaf = key.rpartition(".")
        if leaf == "num_batches_tracked":
            continue
        if prefix not in norm_prefixes and leaf.endswith("bias") and not v.any():  # attention's zero biases
            v = 0.3 * torch.randn(v.shape)
        if prefix in norm_prefixes:
            if leaf == "weight":
                v = 1 + 0.3 * torch.randn(v.shape)
            elif leaf in ("bias", "running_mean"):
                v = 0.5 * torch.randn(v.shape)
            elif leaf == "running_var":
                v = 0.5 + 1.5 * torch.rand(v.shape)
        state[key] = v.detach().clone().float()
    return state


def module(case, state, dtype):
    """a fresh module of the case with state loaded, in dtype"""
    m = own(CASES[case][1]())
    full = m.state_dict()
    full.update(state)
    m.load_state_dict(full)
    return m.to(dtype)


def safe(case, state, inp):
    """True when float64 takes no branch within MARGIN of another, in either mode"""
    ok = [True]

    def check(kind, v):
        if kind == "relu":
            ok[0] &= bool((v.abs() >= MARGIN).all())
        else:
            top = v.topk(2, dim=-1).values
            ok[0] &= bool(((top[..., 0] - top[..., 1] >= MARGIN) | (top[..., 0] == 0)).all())

    for train in (False, True):
        m = module(case, state, torch.float64).train(train)
        m.check = check
        with torch.no_grad():
            m(inp if inp.dtype == torch.int32 else inp.double())
    return ok[0]


def run(case, params, inp, w, dtype):
    """-> (eval output, train loss, {param name: gradient}, {buffer name: value after}) in dtype"""
    kind = CASES[case][0][0]
    state = {k: v for k, v in params.items() if k != ("x" if kind == "image" else "w")}
    with torch.no_grad():
        y_eval = module(case, state, dtype).eval()(inp if kind == "tokens" else params["x"].to(dtype))
    m = module(case, state, dtype).train()
    leaves = {}
    if kind == "image":
        leaves["x"] = x = params["x"].to(dtype).requires_grad_()
        w = w.to(dtype)
        y = m(x)
    else:
        leaves["w"] = w = params["w"].to(dtype).requires_grad_()
        y = m(inp)
    loss = (y * w).sum()
    loss.backward()
    grads = {n: t.grad for n, t in leaves.items()}
    grads.update({n: p.grad for n, p in m.named_parameters()})
    buffers = {n: b.detach().clone() for n, b in m.named_buffers() if not n.endswith("num_batches_tracked")}
    return y_eval.detach(), loss.detach(), grads, buffers


def make_case(seed, case):
    torch.manual_seed(seed)
    spec, ctor = CASES[case]
    for attempt in range(1000):
        state = draw_state(ctor())
        if spec[0] == "image":
            inp = torch.randn(spec[1]) * 2
        else:
            inp = torch.randint(0, spec[2], spec[1], dtype=torch.int32)
            assert inp.unique().numel() < inp.numel(), f"{case}: no repeated index"
        if safe(case, state, inp):
            break
    else:
        raise RuntimeError(f"{case}: no draw without near-ties in 1000 attempts")
    with torch.no_grad():
        shape = module(case, state, torch.float64).eval()(inp if spec[0] == "tokens" else inp.double()).shape
    w = torch.randn(shape)
    if spec[0] == "image":
        params = {"x": inp, **state}
    else:
        params = {**state, "w": w}
    out, loss, grads, bufs = run(case, params, inp, w, torch.float64)
    o32, l32, g32, b32 = run(case, params, inp, w, torch.float32)

    def rel(a, b):
        return ((a.double() - b).abs().max() / b.abs().max().clamp_min(1e-300)).item()
    dev = max([rel(o32, out), rel(l32, loss)] + [rel(g32[n], grads[n]) for n in grads]
              + [rel(b32[n], bufs[n]) for n in bufs])
    assert dev < 1e-5, f"{case}: float32 PyTorch deviates {dev:g} from float64"
    assert set(grads) | set(bufs) == set(params), f"{case}: {sorted(params)} vs {sorted(grads)} + {sorted(bufs)}"
    tensors = [("param." + n, v) for n, v in params.items()]
    tensors += [("input.w", w)] if spec[0] == "image" else [("input.t", inp)]
    tensors += [("output", out), ("loss", loss.reshape(()))] + [("grad." + n, g) for n, g in grads.items()]
    tensors += [("buffer." + n, b) for n, b in bufs.items()]
    st_write(os.path.join(OUT, f"layer_{case}.safetensors"), tensors,
             {"case": case, "torch": torch.__version__, "torch_f32_rel": f"{dev:.3g}"})
    print(f"{case}: loss {loss.item():.6g}, float32 PyTorch within {dev:.2g} of float64"
          f"{f' ({attempt} redraws)' if attempt else ''}")


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    only = sys.argv[1:]
    for seed, case in enumerate(CASES, start=400):
        if not only or case in only:
            make_case(seed, case)


if __name__ == "__main__":
    main()
