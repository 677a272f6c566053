#!/usr/bin/python3
"""make_conv_fixtures.py - PyTorch references for dlc's convolution and pooling layers (the conv_*
tests: tests/ref/conv.lua built with tests/ref/lib_test.c).

Regenerate (needs PyTorch, which on the dev machine only Debian's interpreter has):

    /usr/bin/python3 tests/ref/make_conv_fixtures.py   # rewrites tests/ref/fixtures/conv_*.safetensors

Deterministic (fixed seeds, CPU): running it twice gives byte-identical files.

Every case in CASES mirrors the case of the same name in conv.lua: an image x (a parameter in
dlc, so its gradient is a parameter gradient) through the same layers, whose parameters are named
as dlc names them (conv2d0.weight, conv2d0.bias, conv2d1.weight, ...).  For a case it writes
fixtures/conv_<case>.safetensors holding

    param.<name>   F32  the parameter values dlc loads: the image x, the weights and biases
    input.w        F32  the weights of the output in the loss (the output's shape)
    output         F64  net(x)
    loss           F64  sum(net(x) * w)
    grad.<name>    F64  the gradient of loss with respect to each parameter

and metadata: case, torch version, torch_f32_rel (how far float32 PyTorch is from the float64
reference: max difference / max magnitude over the output and gradients, worst tensor).

The reference is computed in float64 from float32 values (exact in float64).  Layers as PyTorch
has them: Conv2d's padding_mode "replicate" pads with F.pad(mode="replicate") and convolves
without padding (what nn.Conv2d does); MinPool2d, which PyTorch lacks, is -max_pool2d(-x);
AvgPool2d counts the padding (count_include_pad=True, the default).  Max and min pooling route
the gradient to one element of the window (PyTorch and dlc: the first extreme one), so the inputs
are redrawn until no window has a tie for its extreme (the top two at least MARGIN apart, after
the ReLU in the stack: a window of ReLU zeros may tie, their gradient is 0 whichever wins) and no
ReLU input is within MARGIN of 0: float32 and float64 then take the same branches everywhere;
the script checks that float32 PyTorch is within 1e-5 of the reference.  The *_ties cases are the
opposite: images of the integers 0, 1, 2, where windows tie exactly (in float32 and float64 alike)
and the rule decides which element gets the gradient.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from safetensors_io import st_write  # noqa: E402  (tests/safetensors_io.py)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
MARGIN = 1e-3


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# layers: ("conv", cin, cout, k, {stride, padding, padding_mode, bias}), ("relu",),
# (kind, k, {stride, padding}) for kind "max" | "min" | "avg"
def conv(cin, cout, k, **o):
    return ("conv", cin, cout, pair(k), o)


def pool(kind, k, **o):
    return (kind, pair(k), o)


RELU = ("relu",)

# case: (image shape [N, C, H, W], layers), as in conv.lua
CASES = {
    "stride2_pad1": ((2, 3, 7, 5), [conv(3, 4, 3, stride=2, padding=1)]),
    "replicate_rect": ((2, 2, 6, 5), [conv(2, 3, (3, 2), stride=(2, 1), padding=(1, 1), padding_mode="replicate")]),
    "channels_nobias": ((2, 5, 6, 6), [conv(5, 6, 3, bias=False)]),
    "maxpool2": ((2, 3, 7, 8), [pool("max", 2)]),
    "maxpool3_s2_p1": ((2, 3, 7, 6), [pool("max", 3, stride=2, padding=1)]),
    "minpool2_s1": ((2, 2, 5, 6), [pool("min", 2, stride=1)]),
    "avgpool3_s2_p1": ((2, 3, 7, 6), [pool("avg", 3, stride=2, padding=1)]),
    "avgpool_rect": ((2, 2, 9, 7), [pool("avg", (3, 2), stride=(3, 3))]),
    "stack": ((2, 3, 9, 9), [conv(3, 4, 3, padding=1), RELU, pool("max", 2), conv(4, 2, 3)]),
    # *_ties: small integer images, so windows tie for their maximum (exactly, in float32 and
    # float64 alike) and the rule of which element gets the gradient decides the result
    "maxpool2_ties": ((2, 3, 6, 8), [pool("max", 2)]),
    "maxpool3_s2_p1_ties": ((2, 2, 7, 6), [pool("max", 3, stride=2, padding=1)]),
    "maxpool21_s12_ties": ((2, 2, 6, 8), [pool("max", (2, 1), stride=(1, 2))]),
    "minpool2_s1_ties": ((2, 2, 5, 6), [pool("min", 2, stride=1)]),
}


def param_names(layers):
    """[(layer index, 'weight' | 'bias', dlc's name)], dlc's counter per module kind."""
    r, nconv = [], 0
    for i, layer in enumerate(layers):
        if layer[0] == "conv":
            r.append((i, "weight", f"conv2d{nconv}.weight"))
            if layer[4].get("bias", True):
                r.append((i, "bias", f"conv2d{nconv}.bias"))
            nconv += 1
    return r


def apply(layer, x, p, i, check=None):
    """one layer on x (p: {(layer index, 'weight' | 'bias'): tensor}); check(kind, value) sees
    every ReLU input and every max/min pooling's windows [N*C, KH*KW, windows]."""
    kind = layer[0]
    if kind == "conv":
        _, cin, cout, k, o = layer
        stride, padding = pair(o.get("stride", 1)), pair(o.get("padding", 0))
        w, b = p[(i, "weight")], p.get((i, "bias"))
        if o.get("padding_mode", "zeros") == "replicate":
            x = F.pad(x, (padding[1], padding[1], padding[0], padding[0]), mode="replicate")
            padding = (0, 0)
        return F.conv2d(x, w, b, stride=stride, padding=padding)
    if kind == "relu":
        if check:
            check("relu", x)
        return F.relu(x)
    k, o = layer[1], layer[2]
    stride, padding = pair(o.get("stride", k)), pair(o.get("padding", 0))
    if kind == "avg":
        return F.avg_pool2d(x, k, stride, padding, count_include_pad=True)
    src = -x if kind == "min" else x
    if check:  # the windows as max_pool2d sees them: padded with -inf
        padded = F.pad(src, (padding[1], padding[1], padding[0], padding[0]), value=float("-inf"))
        n, c = x.shape[:2]
        cols = F.unfold(padded.reshape(n * c, 1, *padded.shape[2:]), k, stride=stride)  # [N*C, KH*KW, L]
        check("pool", cols)
    y = F.max_pool2d(src, k, stride, padding)
    return -y if kind == "min" else y


def forward(layers, x, p, check=None):
    for i, layer in enumerate(layers):
        x = apply(layer, x, p, i, check)
    return x


def safe(case, x, p):
    """True when float64 takes no branch within MARGIN of another (see the module's docstring)."""
    ok = [True]

    def check(kind, v):
        if kind == "relu":
            ok[0] &= bool((v.abs() >= MARGIN).all())
        else:
            top = v.topk(2, dim=1).values  # [N*C, 2, L]
            gap = top[:, 0] - top[:, 1]
            ok[0] &= bool(((gap >= MARGIN) | (top[:, 0] == 0)).all())

    with torch.no_grad():
        forward(CASES[case][1], x.double(), {k: v.double() for k, v in p.items()}, check)
    return ok[0]


def run(case, params, w, dtype):
    """-> (output, loss, {param name: gradient}) in dtype."""
    shape, layers = CASES[case]
    x = params["x"].to(dtype).requires_grad_()
    p = {(i, kind): params[name].to(dtype).requires_grad_() for i, kind, name in param_names(layers)}
    y = forward(layers, x, p)
    loss = (y * w.to(dtype)).sum()
    loss.backward()
    grads = {"x": x.grad}
    grads.update({name: p[(i, kind)].grad for i, kind, name in param_names(layers)})
    return y.detach(), loss.detach(), grads


def make_case(seed, case):
    torch.manual_seed(seed)
    shape, layers = CASES[case]
    ties = case.endswith("_ties")
    for attempt in range(1000):
        x = torch.randint(0, 3, shape).float() if ties else torch.randn(shape) * 2
        params, p = {"x": x}, {}
        for i, kind, name in param_names(layers):
            _, cin, cout, k, _ = layers[i]
            bound = 1 / (cin * k[0] * k[1]) ** 0.5  # PyTorch's default init range
            v = (torch.rand((cout, cin, *k) if kind == "weight" else (cout,)) * 2 - 1) * bound
            params[name] = p[(i, kind)] = v
        if ties or safe(case, x, p):
            break
    else:
        raise RuntimeError(f"{case}: no draw without ties in 1000 attempts")
    with torch.no_grad():
        w = torch.randn(forward(layers, x, p).shape)
    out, loss, grads = run(case, params, w, torch.float64)
    o32, l32, g32 = run(case, params, w, torch.float32)

    def rel(a, b):
        return ((a.double() - b).abs().max() / b.abs().max().clamp_min(1e-300)).item()
    dev = max([rel(o32, out), rel(l32, loss)] + [rel(g32[n], grads[n]) for n in grads])
    assert dev < 1e-5, f"{case}: float32 PyTorch deviates {dev:g} from float64"
    tensors = [("param." + n, v) for n, v in params.items()] + [("input.w", w)]
    tensors += [("output", out), ("loss", loss.reshape(()))] + [("grad." + n, g) for n, g in grads.items()]
    st_write(os.path.join(OUT, f"conv_{case}.safetensors"), tensors,
             {"case": case, "torch": torch.__version__, "torch_f32_rel": f"{dev:.3g}"})
    print(f"{case}: loss {loss.item():.6g}, float32 PyTorch within {dev:.2g} of float64"
          f"{f' ({attempt} redraws)' if attempt else ''}")


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for seed, case in enumerate(CASES, start=200):
        make_case(seed, case)


if __name__ == "__main__":
    main()
