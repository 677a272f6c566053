"""safetensors_io.py - the safetensors reader and writer of the PyTorch fixture scripts
(tests/ref, tests/optim, tests/norm).  There is no Python safetensors package on the machine,
so the format is written by hand: 8-byte little-endian header length, JSON header (padded with
spaces to a multiple of 8), raw little-endian data.  Deterministic: same tensors, same bytes."""
import json
import os
import struct

import torch

DT = {torch.float32: ("F32", "<f4"), torch.float64: ("F64", "<f8"), torch.int32: ("I32", "<i4"),
      torch.int64: ("I64", "<i8")}


def st_write(path, tensors, metadata=None):
    """tensors: list of (name, tensor).  Widest dtypes first so every range stays aligned."""
    items = sorted(tensors, key=lambda kv: -kv[1].element_size())  # stable: keeps the given order
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, t in items:
        t = t.detach().contiguous().cpu()
        code = DT[t.dtype][0]
        raw = t.numpy().astype(DT[t.dtype][1]).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    os.replace(tmp, path)


def st_read(path):
    """-> ({name: tensor}, metadata)"""
    import numpy as np
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    np_dt = {code: np_code for code, np_code in DT.values()}
    out = {}
    for name, d in header.items():
        a, b = d["data_offsets"]
        arr = np.frombuffer(body[a:b], dtype=np_dt[d["dtype"]]).reshape(d["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta
