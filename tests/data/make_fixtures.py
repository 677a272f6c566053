#!/usr/bin/env python3
"""make_fixtures.py - writes the small IDX and CSV files that tests/unit/test_data.c loads.

Deterministic (gzip with mtime 0 and no file name), plain python3, no third-party modules.
Run from anywhere: python3 tests/data/make_fixtures.py; the files land next to this script.
Image i of the tiny set is 4x4 with pixel (r, c) = 16 i + 4 r + c; label i is i % 5.
"""
import gzip
import io
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def idx(dims, payload, dtype=0x08):
    return bytes([0, 0, dtype, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def idx_files():
    pixels = bytes((16 * i + k) % 256 for i in range(10) for k in range(16))
    images = idx([10, 4, 4], pixels)
    labels = idx([10], bytes(i % 5 for i in range(10)))
    write("tiny-images-idx3-ubyte", images)
    write("tiny-labels-idx1-ubyte", labels)
    write("tiny-images-idx3-ubyte.gz", gz(images))
    write("tiny-labels-idx1-ubyte.gz", gz(labels))
    write("rgb-images-idx4-ubyte", idx([3, 3, 2, 2], bytes(range(36))))
    write("flat-idx2-ubyte", idx([3, 5], bytes(range(15))))
    # corrupt and hostile variants
    write("empty-idx", b"")
    write("magic-only-idx", b"\x00\x00")
    write("short-header-idx", images[:6])
    write("badmagic-idx", b"PK\x03\x04" + images[4:])
    write("dtype-idx", bytes([0, 0, 0x0D]) + images[3:])
    write("trunc-images-idx3-ubyte", images[:-5])
    write("trailing-images-idx3-ubyte", images + b"junk")
    write("zero-images-idx3-ubyte", idx([0, 4, 4], b""))
    write("huge-images-idx3-ubyte", idx([65536, 65536, 65536], pixels))
    write("claim-images-idx3-ubyte", idx([100000, 28, 28], pixels))
    write("labels9-idx1-ubyte", idx([9], bytes(i % 5 for i in range(9))))
    z = gz(images)
    write("cut-images-idx3-ubyte.gz", z[: len(z) // 2])
    write("cut-trailer-images-idx3-ubyte.gz", z[:-4])
    write("cut-header.csv.gz", gz(CSV["header.csv"].encode())[:-6])
    crc = bytearray(z)
    crc[-8] ^= 0xFF  # the CRC-32 of the trailer
    write("crc-images-idx3-ubyte.gz", bytes(crc))
    # issue 9: gzip members and what may follow them, image sides beyond an int
    write("members-images-idx3-ubyte.gz", gz(images[:100]) + gz(images[100:]))
    write("empty-member-images-idx3-ubyte.gz", z + gz(b""))
    write("junk-images-idx3-ubyte.gz", z + b"junk")
    write("zeropad-images-idx3-ubyte.gz", z + bytes(512))
    write("magic1-images-idx3-ubyte.gz", z + b"\x1f")
    write("magic2-images-idx3-ubyte.gz", z + b"\x1f\x8b")
    write("wide-images-idx3-ubyte", idx([1, 1, 2**31], b""))
    write("wide-images-idx4-ubyte", idx([1, 2**31, 1, 1], b""))
    write("tall-images-idx3-ubyte.gz", gz(idx([1, 2**31, 1], bytes(64))))


CSV = {
    "header.csv": "x1,x2,x3,label\n1,2,3,0\n4,5,6,1\n7,8,9,2\n10,11,12,1\n",
    "noheader.csv": "1,2,3,0\n4,5,6,1\n7,8,9,2\n10,11,12,1\n",
    "label-first.csv": "y,a,b\n3,0.5,-1\n0,1.5,-2e3\n",
    "strings.csv": "\ufeffsepal_length,sepal_width,\"species\"\r\n5.1,3.5,setosa\r\n"
    "6.2, 2.9 ,\"versicolor\"\r\n\r\n5.9,3.0,virginica\r\n4.9,3.0,setosa\r\n",
    "strings-noheader.csv": "1,2,cat\n3,4,dog\n5,6,cat\n",
    "strings-test.csv": "a,b,animal\n7,8,dog\n9,10,dog\n",
    "strings-unknown.csv": "a,b,animal\n7,8,dog\n9,10,bird\n",
    "quoted.csv": "\"a, with comma\",b,label\n\"1\",\"2\",\"say \"\"hi\"\"\"\n3,4,x\n",
    "regression.csv": "x,y\n1,2.5\n2,4.5\n3,6.5\n",
    "ragged.csv": "a,b,c,label\n1,2,3,0\n4,5,6,1\n7,8,1\n",
    "nonnumeric.csv": "a,b,label\n1,2,0\n3,abc,1\n",
    "emptycell.csv": "1,2,0\n3,,1\n",
    "nan.csv": "a,b,label\n1,2,0\n3,nan,1\n",
    "range.csv": "a,b,label\n1,2,0\n3,1e39,1\n",
    "fraction-label.csv": "a,label\n1,0\n2,2.5\n",
    "negative-label.csv": "a,label\n1,0\n2,-1\n",
    "mixed-label.csv": "a,label\n1,0\n2,cat\n",
    "empty.csv": "",
    "blank.csv": "\n  \n\n",
    "header-only.csv": "a,b,label\n",
    "label-only.csv": "label\n0\n1\n",
    "unterminated.csv": "a,b\n1,\"2\n",
    "after-quote.csv": "a,b\n1,\"2\"x\n",
    "dup-label.csv": "a,label,label\n1,2,3\n",
    "nul.csv": "a,b\n1,2\n3,\x004\n",
    "latin1.csv": None,
}


def csv_files():
    for name, text in CSV.items():
        if text is not None:
            write(name, text.encode("utf-8"))
    write("latin1.csv", b"a,label\n1,caf\xe9\n")
    write("surrogate.csv", b"a,label\n1,\xed\xa0\x80\n")
    write("header.csv.gz", gz(CSV["header.csv"].encode()))
    text = CSV["header.csv"].encode()
    write("members-header.csv.gz", gz(text[:20]) + gz(text[20:]))  # split inside a line
    write("junk-header.csv.gz", gz(text) + b"13,14,15,0\n")


if __name__ == "__main__":
    idx_files()
    csv_files()
