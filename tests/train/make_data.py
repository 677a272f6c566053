#!/usr/bin/env python3
"""make_data.py - the small training sets of the `dlc train` tests (tests/train/data/).

Deterministic: its own 64-bit generator (splitmix64), gzip with mtime 0 and no file name;
plain python3, no third-party modules.  Run from anywhere: python3 tests/train/make_data.py.
(The .gz files' bytes depend on zlib's version, their content does not.)

bands: 6x6 grayscale images in 3 classes, IDX format.  Class k has a bright horizontal band
  in rows 2k and 2k+1 (pixels 100..255, each dropped to background with probability 1/3),
  over background noise 0..139, plus three stray bright pixels anywhere.  Learnable by a
  linear layer; bands.lua reaches about 0.98 test accuracy in 5 epochs, its untrained net is
  at chance.  The class does not change under a left-right flip (so --augment hflip is sound).
    bands-train-{images-idx3,labels-idx1}-ubyte[.gz]  240 samples, plain and gzipped
    bands-test-{images-idx3,labels-idx1}-ubyte        60 samples (not a multiple of 16)
    bands5x5-images-idx3-ubyte                        20 images of 5x5 (wrong size)
    bands5x5-labels-idx1-ubyte                        their labels
    bands-badlabel-labels-idx1-ubyte                  the 240 training labels, sample 17's
                                                      label made 7 (the models have 3 classes)
blobs: CSV classification, 4 features around 3 centres, label column "kind" (class names)
  third of 5 columns, with a header.
    blobs.csv       120 rows
    blobs-test.csv  30 rows (not a multiple of 8)
loans: binary classification on features of very different scales: yearly income
  (20000..150000) and years employed (0..40) -> repaid (0/1), a linear rule with noise; header
  "income,years,repaid".  Unnormalized, a sigmoid unit saturates at once and stops learning.
    loans.csv       200 rows
"""
import gzip
import io
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
MASK = (1 << 64) - 1


class Rng:
    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def uniform(self):
        return (self.next() >> 11) / float(1 << 53)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def idx(dims, payload):
    return bytes([0, 0, 0x08, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def bands(rng, n, size=6):
    pixels, labels = bytearray(), bytearray()
    for _ in range(n):
        k = rng.below(3)
        img = [rng.below(140) for _ in range(size * size)]
        band = [r for r in (2 * k, 2 * k + 1) if r < size]
        for r in band:
            for c in range(size):
                if rng.below(3):
                    img[r * size + c] = 100 + rng.below(156)
        for _ in range(3):
            img[rng.below(size * size)] = 150 + rng.below(106)
        pixels += bytes(img)
        labels.append(k)
    return bytes(pixels), bytes(labels)


def idx_sets():
    rng = Rng(2024)
    px, lb = bands(rng, 240)
    images, labels = idx([240, 6, 6], px), idx([240], lb)
    write("bands-train-images-idx3-ubyte", images)
    write("bands-train-labels-idx1-ubyte", labels)
    write("bands-train-images-idx3-ubyte.gz", gz(images))
    write("bands-train-labels-idx1-ubyte.gz", gz(labels))
    bad = bytearray(lb)
    bad[17] = 7
    write("bands-badlabel-labels-idx1-ubyte", idx([240], bytes(bad)))
    px, lb = bands(rng, 60)
    write("bands-test-images-idx3-ubyte", idx([60, 6, 6], px))
    write("bands-test-labels-idx1-ubyte", idx([60], lb))
    px, lb = bands(rng, 20, size=5)
    write("bands5x5-images-idx3-ubyte", idx([20, 5, 5], px))
    write("bands5x5-labels-idx1-ubyte", idx([20], lb))


def blobs(rng, n):
    names = ["alpha", "beta", "gamma"]
    centres = [(1.0, 0.0, -1.0, 0.5), (-1.0, 1.0, 0.0, -0.5), (0.0, -1.0, 1.0, 0.0)]
    lines = ["x1,x2,kind,x3,x4"]
    for _ in range(n):
        k = rng.below(3)
        f = ["%.3f" % (c + 0.8 * (rng.uniform() - 0.5)) for c in centres[k]]
        lines.append(",".join(f[:2] + [names[k]] + f[2:]))
    return ("\n".join(lines) + "\n").encode()


def loans(rng, n):
    lines = ["income,years,repaid"]
    for _ in range(n):
        income = 20000 + 130000 * rng.uniform()
        years = 40 * rng.uniform()
        score = (income - 85000) / 30000 + (years - 20) / 10 + 0.5 * (rng.uniform() - 0.5)
        lines.append("%.0f,%.1f,%d" % (income, years, score > 0))
    return ("\n".join(lines) + "\n").encode()


def csv_sets():
    rng = Rng(7)
    write("blobs.csv", blobs(rng, 120))
    write("blobs-test.csv", blobs(rng, 30))
    write("loans.csv", loans(Rng(11), 200))


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    idx_sets()
    csv_sets()
