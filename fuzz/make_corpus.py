#!/usr/bin/env python3
"""make_corpus.py - writes the seed corpora of the fuzz targets (fuzz/corpus/NAME/) from the
test fixtures (tests/data, small checkpoints under tests/*/fixtures, the ONNX models of
tests/onnx/fixtures made small) plus a few hand-made checkpoints, in each target's input format
(see the comment at the top of fuzz/NAME.c).

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


# ONNX: the protobuf wire format, just enough to rewrite the fixtures.  A message is a list of
# [field, wire type, value] (an int, or the bytes of a length-delimited field).
def pb_varint(b, i):
    v = shift = 0
    while True:
        v |= (b[i] & 0x7F) << shift
        shift += 7
        i += 1
        if not b[i - 1] & 0x80:
            return v, i


def pb_parse(b):
    out, i = [], 0
    while i < len(b):
        tag, i = pb_varint(b, i)
        num, wt = tag >> 3, tag & 7
        if wt == 0:
            v, i = pb_varint(b, i)
        elif wt in (1, 5):
            n = 8 if wt == 1 else 4
            v, i = b[i:i + n], i + n
        else:
            assert wt == 2, wt
            n, i = pb_varint(b, i)
            v, i = b[i:i + n], i + n
        out.append([num, wt, v])
    return out


def pb_enc_varint(v):
    v &= (1 << 64) - 1  # negative int64: ten bytes, as protobuf writes them
    out = bytearray()
    while True:
        out.append((v & 0x7F) | (0x80 if v > 0x7F else 0))
        v >>= 7
        if not v:
            return bytes(out)


def pb_encode(msg):
    out = bytearray()
    for num, wt, v in msg:
        out += pb_enc_varint(num << 3 | wt)
        out += pb_enc_varint(v) if wt == 0 else v if wt in (1, 5) else pb_enc_varint(len(v)) + v
    return bytes(out)


def pb_int64s(f):
    """The values of a repeated int64 field occurrence, packed or not; the result packed."""
    if f[1] == 0:
        return [f[2] - (1 << 64) if f[2] >> 63 else f[2]]
    vals, i = [], 0
    while i < len(f[2]):
        v, i = pb_varint(f[2], i)
        vals.append(v - (1 << 64) if v >> 63 else v)
    return vals


def shrink_tensor(t, dims_map):
    """A TensorProto with its dims mapped, FLOAT data cut to the new size, INT64 data mapped."""
    dims = [d for f in t if f[0] == 1 for d in pb_int64s(f)]
    new = [dims_map.get(d, d) for d in dims]
    numel = 1
    for d in new:
        numel *= d
    dtype = next((f[2] for f in t if f[0] == 2), 1)
    out = [[1, 2, b"".join(pb_enc_varint(d) for d in new)]] if new else []
    for f in t:
        if f[0] == 1:
            continue
        if f[0] == 9 and dtype == 1:  # raw_data, FLOAT
            f = [9, 2, f[2][:4 * numel]]
        elif f[0] == 9 and dtype == 7:  # raw_data, INT64: a shape (Reshape), its sizes mapped
            vals = struct.unpack("<%dq" % (len(f[2]) // 8), f[2])
            f = [9, 2, struct.pack("<%dq" % len(vals), *[dims_map.get(v, v) for v in vals])]
        out.append(f)
    return out


def shrink_onnx(model, dims_map):
    """The ModelProto with every static size (tensor dims, shape dims, INT64 shapes) mapped by
    dims_map and its float data cut to match: the same graph, kilobytes instead of 100s."""
    def walk(msg, kind):
        out = []
        for num, wt, v in msg:
            sub = {("model", 7): "graph", ("graph", 1): "node", ("graph", 5): "tensor",
                   ("graph", 11): "vi", ("graph", 12): "vi", ("graph", 13): "vi",
                   ("node", 5): "attr", ("attr", 5): "tensor", ("attr", 6): "graph",
                   ("vi", 2): "type", ("type", 1): "ttype", ("ttype", 2): "shape",
                   ("shape", 1): "dim"}.get((kind, num)) if wt == 2 else None
            if sub == "tensor":
                v = pb_encode(shrink_tensor(walk(pb_parse(v), "tensor"), dims_map))
            elif sub:
                v = pb_encode(walk(pb_parse(v), sub))
            elif kind == "dim" and num == 1 and wt == 0:  # Dimension.dim_value
                v = dims_map.get(v, v)
            out.append([num, wt, v])
        return out
    return pb_encode(walk(pb_parse(model), "model"))


def onnx_corpus():
    d = reset("onnx")
    # mlp: x[4,1,28,28] -> Flatten (784) -> 32 -> 16 -> 10; lenet: x[2,1,28,28] -> conv 6, pool,
    # conv 16, pool -> reshape(-1, 400) -> 120 -> 84 -> 10, made x[2,1,12,12] -> ... -> 3 (16 ch
    # of 1x1) -> 4 -> 3 -> 2
    maps = {"mlp": {4: 2, 28: 2, 784: 4, 32: 3, 16: 2, 10: 2},
            "lenet": {28: 12, 6: 2, 16: 3, 400: 3, 120: 4, 84: 3, 10: 2},
            # resbn: 8 channels of 8x8 -> 3 of 3x3, 10 classes -> 2; ops is small already
            "resbn": {8: 3, 10: 2}, "ops": {},
            # lstm: hidden 5 (20 gate rows) -> 3 (12); the Slice nodes that make W, R, B are not
            # translated (weights read by name), so their offsets may stay
            "lstm": {5: 3, 20: 12}, "deconv": {}, "embed": {}}
    for name, dims_map in maps.items():
        small = shrink_onnx(fixture("tests", "onnx", "fixtures", name + ".onnx"), dims_map)
        put(d, name + "-small.onnx", small)
    # nested near the importer's limit of 64 (tests/onnx/onnx_hostile.c builds the same, deeper):
    # If nodes whose then_branch holds an If ... 20 levels (62 messages deep); an input of type
    # sequence(sequence(...tensor(float, shape {}))) 29 levels (64 deep)
    head = [[1, 0, 8], [8, 2, pb_encode([[2, 0, 13]])]]  # ir_version 8, opset 13
    graph = b""
    for _ in range(20):
        attr = pb_encode([[1, 2, b"then_branch"], [20, 0, 5], [6, 2, graph]])
        graph = pb_encode([[1, 2, pb_encode([[4, 2, b"If"], [5, 2, attr]])]])
    put(d, "nested-if.onnx", pb_encode(head + [[7, 2, graph]]))
    ty = pb_encode([[1, 2, pb_encode([[1, 0, 1], [2, 2, b""]])]])
    for _ in range(29):
        ty = pb_encode([[4, 2, pb_encode([[1, 2, ty]])]])
    x = pb_encode([[1, 2, b"x"], [2, 2, ty]])
    put(d, "nested-sequence.onnx", pb_encode(head + [[7, 2, pb_encode([[11, 2, x]])]]))


if __name__ == "__main__":
    safetensors_corpus()
    idx_corpus()
    csv_corpus()
    onnx_corpus()
