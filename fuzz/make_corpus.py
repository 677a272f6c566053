#!/usr/bin/env python3
"""make_corpus.py - writes the seed corpora of the fuzz targets (fuzz/corpus/NAME/) from the
test fixtures (tests/data, small checkpoints under tests/*/fixtures) plus a few hand-made
checkpoints, in each target's input format (see the comment at the top of fuzz/NAME.c).

Deterministic, plain python3.  Run from anywhere: python3 fuzz/make_corpus.py.  The fuzzer's
own finds go to build-fuzz/corpus/, never here; crash inputs, once fixed, go to
fuzz/regress/NAME/ by hand."""
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "tests", "data")


def reset(name):
    d = os.path.join(HERE, "corpus", name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def put(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def fixture(*parts):
    with open(os.path.join(ROOT, *parts), "rb") as f:
        return f.read()


def st(tensors, meta=None):
    """A safetensors file as rt_st_save writes it: tensors (name, dtype, shape, raw bytes) in
    order, ranges contiguous from 0, the JSON padded with spaces to a multiple of 8."""
    header, off, blob = {}, 0, b""
    if meta:
        header["__metadata__"] = meta
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        blob += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blob


def safetensors_corpus():
    d = reset("safetensors")
    for part in [("ref", "reg_mse.init"), ("ref", "logsoftmax_sum.init"), ("ref", "prob_ce.init"),
                 ("optim", "adam.init"), ("norm", "bn1d.init"), ("norm", "bn2d_noaffine.init"),
                 ("train", "trained")]:
        put(d, part[1].replace(".", "-"), fixture("tests", part[0], "fixtures", part[1] + ".safetensors"))
    f32 = struct.pack("<3f", 1, -2, 0.5)
    put(d, "empty", st([]))
    put(d, "meta-only", st([], {"dlc.step": "-9223372036854775808", "k\u00e9y": "a\nb\"c"}))
    put(d, "dtypes", st([("f", "F64", [2], struct.pack("<2d", 1e300, -0.0)),
                         ("i", "I64", [], struct.pack("<q", -5)),
                         ("j", "I32", [1, 2], struct.pack("<2i", 7, 8)),
                         ("x", "F32", [3], f32)],
                        {"dlc.graph_hash": "h1", "dlc.step": "7"}))
    put(d, "misaligned", st([("s", "F32", [1], f32[:4]), ("m", "F64", [1], struct.pack("<d", 2))]))
    put(d, "names", st([("b\"q\\s\u00e9\U0001F600", "F32", [1], f32[:4]), ("\u00fc", "F64", [], struct.pack("<d", 2)),
                        ("\U0001F600\u4e2d", "I32", [1], struct.pack("<i", 1))],
                       {"note": "a/b\t\u2713\U0001F600", "format": "pt"}))
    overlap = bytearray(st([("a", "F32", [2], f32[:8]), ("b", "F32", [1], f32[8:])]))
    i = overlap.index(b"[8,12]")
    overlap[i:i + 6] = b"[4, 8]"  # b now overlaps a, and bytes 8..12 belong to no tensor
    put(d, "overlap", bytes(overlap))
    put(d, "zero-size", st([("e0", "F32", [0], b""), ("a", "F32", [3], f32),
                            ("e1", "I64", [0, 4], b""), ("optim.a.exp_avg", "F32", [3], f32),
                            ("net.1.num_batches_tracked", "I64", [], struct.pack("<q", 3))]))


def idx_seed(flags, images, labels=b""):
    return bytes([flags, len(images) & 0xFF, len(images) >> 8]) + images + labels


def idx_corpus():
    d = reset("idx")
    tiny, lab = fixture("tests", "data", "tiny-images-idx3-ubyte"), fixture("tests", "data", "tiny-labels-idx1-ubyte")
    put(d, "tiny-plain", idx_seed(1, tiny, lab))
    put(d, "tiny-gz", idx_seed(1 | 2 | 4, tiny, lab))
    put(d, "tiny-gz-members", idx_seed(1 | 2 | 4 | 8, tiny, lab))
    put(d, "tiny-raw-gz", idx_seed(1, fixture("tests", "data", "tiny-images-idx3-ubyte.gz"),
                                  fixture("tests", "data", "tiny-labels-idx1-ubyte.gz")))
    put(d, "labels9", idx_seed(1, tiny, fixture("tests", "data", "labels9-idx1-ubyte")))
    for name in ["rgb-images-idx4-ubyte", "flat-idx2-ubyte", "trunc-images-idx3-ubyte",
                 "trailing-images-idx3-ubyte", "huge-images-idx3-ubyte", "wide-images-idx3-ubyte",
                 "crc-images-idx3-ubyte.gz", "cut-trailer-images-idx3-ubyte.gz",
                 "junk-images-idx3-ubyte.gz", "members-images-idx3-ubyte.gz", "dtype-idx"]:
        put(d, name, idx_seed(0, fixture("tests", "data", name)))


NAMES = ["label", "species", "y", "a", "b", "x1", "kind", "animal"]  # fuzz/csv.c's list, in order


def csv_corpus():
    d = reset("csv")
    label_of = {"strings.csv": "species", "strings-test.csv": "animal", "strings-unknown.csv": "animal",
                "label-first.csv": "y", "regression.csv": "y", "quoted.csv": "label"}
    for name in sorted(os.listdir(DATA)):
        if not name.endswith(".csv"):
            continue
        text = fixture("tests", "data", name)
        label = label_of.get(name, "label")
        flags = 2 << 4 | (2 if name == "regression.csv" else 0)
        put(d, name, bytes([flags, NAMES.index(label)]) + text)
        if name in ("header.csv", "strings.csv", "noheader.csv"):
            put(d, name + "-gz", bytes([flags | 1, NAMES.index(label)]) + text)
            put(d, name + "-gz-members", bytes([flags | 1 | 8, NAMES.index(label)]) + text)
            put(d, name + "-col3", bytes([1 << 4, 2]) + text)
            put(d, name + "-nolabel", bytes([0, 0]) + text)
    for name in ["header.csv.gz", "cut-header.csv.gz", "junk-header.csv.gz", "members-header.csv.gz"]:
        put(d, name, bytes([2 << 4, 0]) + fixture("tests", "data", name))


if __name__ == "__main__":
    safetensors_corpus()
    idx_corpus()
    csv_corpus()
