#!/usr/bin/python3
r"""torch_read.py - a checkpoint written by `dlc train` opens in PyTorch.

Loads a dlc checkpoint of tests/train/bands.lua into the equivalent torch.nn.Sequential with
load_state_dict(strict=True) (the parameters under "net.", exactly the state_dict's names and
shapes; the optimizer's "optim.*" tensors are dlc's, not the module's), runs the forward pass
on a fixed batch (the first 16 images of data/bands-test-images-idx3-ubyte, scaled to [0, 1]
as dlc train's default preprocessing does) and writes

    x    F32 [16, 1, 6, 6]  the input batch
    out  F32 [16, 3]        PyTorch's logits
    metadata: torch version, the checkpoint's dlc.model, dlc.epoch and dlc.step

to OUT.  The test train_torch_forward (no torch needed) runs dlc's build of the same model on x
with the same checkpoint and compares with out.  Regenerate the committed fixture (needs
PyTorch, which on the dev machine only Debian's interpreter has):

    /usr/bin/python3 tests/train/torch_read.py      # fixtures/trained.safetensors -> fixtures/torch_out.safetensors
    /usr/bin/python3 tests/train/torch_read.py CKPT OUT

fixtures/trained.safetensors itself was trained by dlc (from tests/train/):

    dlc train bands.lua --idx data/bands-train-images-idx3-ubyte.gz data/bands-train-labels-idx1-ubyte.gz \
        --epochs 5 --save fixtures/trained.safetensors

It carries dlc's graph hash, so a change to how dlc hashes bands.lua's graph makes the test
refuse it ("graph hash ... in file"): retrain it with the command above and rerun this script.

safetensors is read and written by hand (there is no Python safetensors package here):
8-byte little-endian header length, JSON header, raw little-endian data.
"""
import json
import os
import struct
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "I32": (torch.int32, 4),
          "I64": (torch.int64, 8)}


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = blob[8 + n:]
    tensors = {}
    for name, info in header.items():
        dtype, size = DTYPES[info["dtype"]]
        a, b = info["data_offsets"]
        count = (b - a) // size
        t = torch.frombuffer(bytearray(data[a:b]), dtype=dtype, count=count) if count else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors, meta


def write_safetensors(path, tensors, meta):
    header, chunks, at = {"__metadata__": meta}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().to(torch.float32)
        raw = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        chunks.append(raw)
        at += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def read_idx_images(path, count):
    with open(path, "rb") as f:
        blob = f.read()
    assert blob[:4] == b"\x00\x00\x08\x03", path
    n, h, w = struct.unpack(">III", blob[4:16])
    assert n >= count, path
    pixels = torch.tensor(list(blob[16:16 + count * h * w]), dtype=torch.float32)
    return pixels.reshape(count, 1, h, w)


def main(argv):
    ckpt = argv[1] if len(argv) > 1 else os.path.join(HERE, "fixtures", "trained.safetensors")
    out_path = argv[2] if len(argv) > 2 else os.path.join(HERE, "fixtures", "torch_out.safetensors")
    tensors, meta = read_safetensors(ckpt)
    # tests/train/bands.lua: the same modules, so the same state_dict names
    model = nn.Sequential(nn.Flatten(), nn.Linear(36, 16), nn.ReLU(), nn.Linear(16, 3))
    state = {k[len("net."):]: v for k, v in tensors.items() if k.startswith("net.")}
    others = sorted(k for k in tensors if not k.startswith("net.") and not k.startswith("optim."))
    if others:
        sys.exit("%s: unexpected tensors %s" % (ckpt, others))
    model.load_state_dict(state, strict=True)  # raises on any missing, extra or misshapen tensor
    model.eval()
    x = read_idx_images(os.path.join(HERE, "data", "bands-test-images-idx3-ubyte"), 16) / 255.0
    with torch.no_grad():
        out = model(x)
    write_safetensors(out_path, {"x": x, "out": out},
                      {"torch": torch.__version__, "dlc.model": meta.get("dlc.model", ""),
                       "dlc.epoch": meta.get("dlc.epoch", ""), "dlc.step": meta.get("dlc.step", "")})
    print("%s: loaded strictly into torch %s (%s); %d outputs written to %s; predictions %s"
          % (ckpt, torch.__version__, ", ".join(sorted(state)), out.numel(), out_path,
             out.argmax(1).tolist()))


if __name__ == "__main__":
    main(sys.argv)
