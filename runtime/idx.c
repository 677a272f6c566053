/* idx.c - reading the data sets' files: the reader every loader uses (plain or gzip, detected
 * from the first two bytes; gzip inflated with zlib), the IDX loader, and Fashion-MNIST as
 * Debian's dataset-fashion-mnist installs it (IDX files, gzip, ten named classes).  CSV text
 * (csv.c) comes through the same reader, by rt_read_upto (data_internal.h).
 *
 * Invariants.  Loaders trust nothing in a file: only regular files are opened (a FIFO or a
 * device is refused, never waited on); every count in an IDX header is checked against
 * RT_DATA_MAX_VALUES and against what RtData can represent (image sides in an int) before it
 * is multiplied further or any data is read; buffers grow only as data actually arrives (a
 * header claiming gigabytes costs memory only for what the file holds); the whole file must
 * be consumed, and an IDX file is refused as soon as one small read past its data returns
 * anything (trailing bytes are an error, found without inflating the rest); zlib's status is
 * checked on every call, so a corrupt or cut gzip stream, or junk after it, is reported
 * rather than read as a short file.  A loader fills its RtData completely or leaves it
 * zeroed; each error is one line that starts with the file's path. */
#define _POSIX_C_SOURCE 200809L
#include "data_internal.h"
#include "dlc_data.h"
#include "fileio.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK ((int64_t)1 << 16)    /* first buffer size */
#define TAIL 4096                   /* bytes read to find data after an IDX file's end */
#define MAX_READ ((int64_t)1 << 30) /* bytes per inflate call (avail_out is 32-bit) */

/* ---- reading: plain or gzip ------------------------------------------------------------------
 * The file is opened with rt_open_regular (fileio.c), so a FIFO, device or directory is refused
 * at once instead of blocking or being read.  Its bytes pass through one RAW-byte buffer (the
 * z_stream's input); a file that starts with the gzip magic 1f 8b is inflated by zlib's inflate
 * (not gzread, which silently ignores whatever follows the last gzip member).  Members are
 * inflated only as far as the caller asks, so reading past what a header promised costs at
 * most one more buffer of input.  Several gzip members one after the other are one stream,
 * as RFC 1952 and gzip(1) have it; any other byte after a member (junk, zero padding) is
 * refused.  A stream cut short is not an error here: the data before the cut is delivered, so
 * the caller can say how much came, and `cut` remembers that the file ended early. */

#define RAW (1 << 16) /* bytes per read(2) */

typedef struct {
  int fd;
  const char *path;
  char *err;
  size_t errlen;
  unsigned char *in; /* RAW bytes; z.next_in/z.avail_in: those not used yet */
  z_stream z;
  int gz;      /* the file is gzip */
  int zinit;   /* inflateInit2 done */
  int eof;     /* read(2) returned 0 */
  int between; /* a gzip member ended; what follows decides */
  int end;     /* no more data */
  int cut;     /* the gzip stream ended inside a member */
} Src;

static void src_close(Src *s) {
  if (s->zinit)
    inflateEnd(&s->z);
  if (s->fd >= 0)
    close(s->fd);
  free(s->in);
  s->zinit = 0, s->fd = -1, s->in = NULL;
}

/* Append what read(2) gives to the unused input, moved to the buffer's start. */
static int raw_fill(Src *s) {
  if (s->z.avail_in && s->z.next_in != s->in)
    memmove(s->in, s->z.next_in, s->z.avail_in);
  s->z.next_in = s->in;
  for (;;) {
    ssize_t r = read(s->fd, s->in + s->z.avail_in, RAW - s->z.avail_in);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return fail(s->err, s->errlen, "%s: read error: %s", s->path, strerror(errno));
    s->eof |= r == 0;
    s->z.avail_in += (uInt)r;
    return 0;
  }
}

/* Opens path; on failure everything is released and err says why. */
static int src_open(Src *s, const char *path, char *err, size_t errlen) {
  *s = (Src){.fd = -1, .path = path, .err = err, .errlen = errlen};
  if ((s->fd = rt_open_regular(path, err, errlen)) < 0)
    return -1;
  if (!(s->in = malloc(RAW))) {
    src_close(s);
    return fail(err, errlen, "%s: out of memory", path);
  }
  s->z.next_in = s->in;
  while (s->z.avail_in < 2 && !s->eof)
    if (raw_fill(s)) {
      src_close(s);
      return -1;
    }
  s->gz = s->z.avail_in >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b;
  if (s->gz && inflateInit2(&s->z, 15 + 16) != Z_OK) { /* 16: gzip only, CRC and length checked */
    src_close(s);
    return fail(err, errlen, "%s: out of memory", path);
  }
  s->zinit = s->gz;
  return 0;
}

/* " (the gzip stream ends early)" after a truncation message, when that is why. */
static const char *cut_note(const Src *s) { return s->cut ? " (the gzip stream ends early)" : ""; }

static int gz_fail(Src *s, int code) {
  if (code == Z_MEM_ERROR)
    return fail(s->err, s->errlen, "%s: out of memory", s->path);
  return fail(s->err, s->errlen, "%s: corrupt gzip data: %s (zlib)", s->path,
              s->z.msg ? s->z.msg : code == Z_NEED_DICT ? "needs a preset dictionary" : "bad data");
}

/* After a member: the end of the file, or the next member's magic; anything else is refused. */
static int gz_next_member(Src *s) {
  while (s->z.avail_in < 2 && !s->eof)
    if (raw_fill(s))
      return -1;
  if (!s->z.avail_in) {
    s->end = 1;
    return 0;
  }
  if (s->z.avail_in < 2 || s->z.next_in[0] != 0x1f || s->z.next_in[1] != 0x8b)
    return fail(s->err, s->errlen,
                "%s: bytes after the end of the gzip data that do not start another gzip member",
                s->path);
  s->between = 0;
  return inflateReset(&s->z) == Z_OK ? 0 : gz_fail(s, Z_STREAM_ERROR);
}

static int gz_read(Src *s, unsigned char *buf, int64_t n, int64_t *got) {
  while (*got < n && !s->end) {
    if (s->between) {
      if (gz_next_member(s))
        return -1;
      continue;
    }
    if (!s->z.avail_in) {
      if (s->eof) {
        s->cut = s->end = 1;
        break;
      }
      if (raw_fill(s))
        return -1;
      continue;
    }
    int64_t want = n - *got < MAX_READ ? n - *got : MAX_READ;
    s->z.next_out = buf + *got;
    s->z.avail_out = (uInt)want;
    int r = inflate(&s->z, Z_NO_FLUSH);
    *got += want - (int64_t)s->z.avail_out;
    if (r == Z_STREAM_END)
      s->between = 1;
    else if (r != Z_OK && !(r == Z_BUF_ERROR && !s->z.avail_in))
      return gz_fail(s, r);
  }
  return 0;
}

/* Read up to n bytes; *got is short only at the end of the data.  Returns -1 after reporting
 * a read or gzip error. */
static int src_read(Src *s, void *buf, int64_t n, int64_t *got) {
  *got = 0;
  if (s->gz)
    return gz_read(s, buf, n, got);
  while (*got < n) {
    if (!s->z.avail_in) {
      if (s->eof)
        break;
      if (raw_fill(s))
        return -1;
      continue;
    }
    int64_t k = n - *got < (int64_t)s->z.avail_in ? n - *got : (int64_t)s->z.avail_in;
    memcpy((unsigned char *)buf + *got, s->z.next_in, (size_t)k);
    s->z.next_in += k, s->z.avail_in -= (uInt)k, *got += k;
  }
  return 0;
}

/* Read up to n bytes (`what`, for messages) into a malloc'ed buffer with one spare byte, grown
 * as data arrives; *have says how many came.  Returns -1 (and frees the buffer) only on a read
 * or gzip error. */
static int read_upto(Src *s, int64_t n, const char *what, unsigned char **out, int64_t *have) {
  unsigned char *buf = NULL;
  int64_t cap = 0, got = 0;
  *have = 0;
  do {
    if (*have == cap) {
      int64_t nc = cap * 2 > CHUNK ? cap * 2 : CHUNK;
      nc = nc < n ? nc : n;
      unsigned char *q = realloc(buf, (size_t)nc + 1);
      if (!q) {
        free(buf);
        return fail(s->err, s->errlen, "%s: out of memory reading %s", s->path, what);
      }
      buf = q, cap = nc;
    }
    if (src_read(s, buf + *have, cap - *have, &got)) {
      free(buf);
      return -1;
    }
    *have += got;
  } while (*have == cap && cap < n);
  *out = buf;
  return 0;
}

/* read_upto over a whole file of its own: how csv.c reads (data_internal.h). */
int rt_read_upto(const char *path, int64_t max, const char *what, unsigned char **out,
                 int64_t *have, int *cut, char *err, size_t errlen) {
  Src s;
  *have = 0, *cut = 0;
  if (src_open(&s, path, err, errlen))
    return -1;
  int rc = read_upto(&s, max, what, out, have);
  *cut = s.cut;
  src_close(&s);
  return rc;
}

/* Nothing may follow the data.  One small read, not the rest of the file: a valid header
 * followed by gigabytes of zeros is refused after TAIL more bytes (one more input buffer at
 * most, for gzip), not after inflating them all.  Reaching the end also makes zlib check the
 * gzip trailer (CRC-32 and length). */
static int no_trailing(Src *s, int64_t used) {
  unsigned char buf[TAIL];
  int64_t got;
  if (src_read(s, buf, TAIL, &got))
    return -1;
  if (got)
    return fail(s->err, s->errlen,
                "%s: %s%" PRId64 " bytes of trailing data after the %" PRId64 " bytes the header "
                "describes",
                s->path, got == TAIL ? "at least " : "", got, used);
  if (s->cut)
    return fail(s->err, s->errlen, "%s: truncated: the gzip stream ends before its trailer",
                s->path);
  return 0;
}

/* ---- IDX ------------------------------------------------------------------------------------
 * Magic: 0x00 0x00, a data type code (only 0x08, unsigned byte, is read), the number of
 * dimensions; then each dimension as a big-endian uint32; then the data, C order. */

typedef struct {
  int ndim;
  int64_t dim[4];
  int64_t count; /* product of the dimensions: bytes of data */
} IdxHead;

static const char *idx_type_name(int code) {
  switch (code) {
  case 0x08:
    return "unsigned byte";
  case 0x09:
    return "signed byte";
  case 0x0B:
    return "16-bit integer";
  case 0x0C:
    return "32-bit integer";
  case 0x0D:
    return "32-bit float";
  case 0x0E:
    return "64-bit float";
  default:
    return "unknown";
  }
}

static void fmt_dims(const int64_t *dim, int n, char *buf, size_t len) {
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < n && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, "%s%" PRId64, i ? "x" : "", dim[i]);
}

static int idx_magic(Src *s, int labels, IdxHead *h) {
  unsigned char b[4];
  int64_t got;
  if (src_read(s, b, 4, &got))
    return -1;
  if (got == 0 && !s->cut)
    return fail(s->err, s->errlen, "%s: empty file", s->path);
  if (got < 4)
    return fail(s->err, s->errlen,
                "%s: truncated: an IDX file starts with a 4-byte magic number, found %" PRId64
                " bytes%s",
                s->path, got, cut_note(s));
  if (b[0] || b[1])
    return fail(s->err, s->errlen,
                "%s: bad magic %02x %02x %02x %02x: not an IDX file (those start 00 00 08 "
                "then the number of dimensions)",
                s->path, b[0], b[1], b[2], b[3]);
  if (b[2] != 0x08)
    return fail(s->err, s->errlen,
                "%s: data type code 0x%02x (%s) is not supported: only 0x08 (unsigned byte) is",
                s->path, b[2], idx_type_name(b[2]));
  h->ndim = b[3];
  if (labels && h->ndim != 1)
    return fail(s->err, s->errlen,
                "%s: %d dimension%s: a labels file has 1 (is this an images file?)", s->path,
                h->ndim, h->ndim != 1 ? "s" : "");
  if (!labels && (h->ndim < 2 || h->ndim > 4))
    return fail(s->err, s->errlen,
                "%s: %d dimension%s: an images file has 2 to 4 (N, features | N, H, W | N, C, H, "
                "W)",
                s->path, h->ndim, h->ndim != 1 ? "s" : "");
  return 0;
}

static int idx_dims(Src *s, IdxHead *h) {
  unsigned char b[16];
  int64_t got, max = RT_DATA_MAX_VALUES;
  char dims[80];
  if (src_read(s, b, 4 * h->ndim, &got))
    return -1;
  if (got < 4 * h->ndim)
    return fail(s->err, s->errlen,
                "%s: truncated header: %d dimension%s take %d bytes, found %" PRId64 "%s", s->path,
                h->ndim, h->ndim > 1 ? "s" : "", 4 * h->ndim, got, cut_note(s));
  for (int i = 0; i < h->ndim; i++)
    h->dim[i] = (int64_t)b[4 * i] << 24 | b[4 * i + 1] << 16 | b[4 * i + 2] << 8 | b[4 * i + 3];
  fmt_dims(h->dim, h->ndim, dims, sizeof dims);
  h->count = 1;
  for (int i = 0; i < h->ndim; i++) {
    if (h->dim[i] == 0)
      return fail(s->err, s->errlen, "%s: dimensions %s: dimension %d is 0 (no data)", s->path,
                  dims, i + 1);
    if (h->count > max / h->dim[i])
      return fail(s->err, s->errlen,
                  "%s: dimensions %s hold more than %" PRId64 " values, the limit", s->path, dims,
                  max);
    h->count *= h->dim[i];
  }
  for (int i = 1; h->ndim >= 3 && i < h->ndim; i++) /* RtData's c, h and w are ints */
    if (h->dim[i] > INT_MAX)
      return fail(s->err, s->errlen,
                  "%s: dimensions %s: dimension %d (%" PRId64 ") is over %d, the largest image "
                  "side the loader takes",
                  s->path, dims, i + 1, h->dim[i], INT_MAX);
  return 0;
}

/* The data after the header: exactly h->count bytes, then the end of the file. */
static int idx_body(Src *s, const IdxHead *h, const char *promise, unsigned char **out) {
  int64_t have;
  if (read_upto(s, h->count, promise, out, &have))
    return -1;
  if (have < h->count || no_trailing(s, h->count)) {
    if (have < h->count)
      rt_set_err(s->err, s->errlen,
                 "%s: truncated: the header promises %s (%" PRId64 " bytes), found %" PRId64 "%s",
                 s->path, promise, h->count, have, cut_note(s));
    free(*out);
    *out = NULL;
    return -1;
  }
  return 0;
}

static void set_geometry(RtData *d, const IdxHead *h) {
  d->n = h->dim[0];
  d->dim = h->count / h->dim[0];
  if (h->ndim >= 3) {
    d->c = h->ndim == 4 ? (int)h->dim[1] : 1;
    d->h = (int)h->dim[h->ndim - 2];
    d->w = (int)h->dim[h->ndim - 1];
  }
}

static int idx_images(const char *path, RtData *d, char *err, size_t errlen) {
  Src s;
  IdxHead h;
  unsigned char *raw = NULL;
  char promise[128], dims[80];
  if (src_open(&s, path, err, errlen))
    return -1;
  int rc = idx_magic(&s, 0, &h) || idx_dims(&s, &h);
  if (!rc) {
    fmt_dims(h.dim + 1, h.ndim - 1, dims, sizeof dims);
    snprintf(promise, sizeof promise, "%" PRId64 " %s of %s", h.dim[0],
             h.ndim == 2 ? "samples" : "images", dims);
    rc = idx_body(&s, &h, promise, &raw);
  }
  src_close(&s);
  if (rc)
    return -1;
  if (!(d->x = malloc((size_t)h.count * sizeof *d->x))) {
    free(raw);
    return fail(err, errlen, "%s: out of memory for %" PRId64 " values", path, h.count);
  }
  for (int64_t i = 0; i < h.count; i++)
    d->x[i] = raw[i];
  free(raw);
  set_geometry(d, &h);
  return 0;
}

static int idx_labels(const char *path, const char *images, RtData *d, char *err, size_t errlen) {
  Src s;
  IdxHead h;
  unsigned char *raw = NULL;
  char promise[64];
  if (src_open(&s, path, err, errlen))
    return -1;
  int rc = idx_magic(&s, 1, &h) || idx_dims(&s, &h);
  if (!rc && h.dim[0] != d->n)
    rc = fail(err, errlen, "%s: %" PRId64 " labels, but %s has %" PRId64 " images", path, h.dim[0],
              images, d->n);
  if (!rc) {
    snprintf(promise, sizeof promise, "%" PRId64 " labels", h.dim[0]);
    rc = idx_body(&s, &h, promise, &raw);
  }
  src_close(&s);
  if (rc)
    return -1;
  if (!(d->y = malloc((size_t)h.count * sizeof *d->y))) {
    free(raw);
    return fail(err, errlen, "%s: out of memory for %" PRId64 " labels", path, h.count);
  }
  for (int64_t i = 0; i < h.count; i++) {
    d->y[i] = raw[i];
    d->classes = raw[i] >= d->classes ? raw[i] + 1 : d->classes;
  }
  free(raw);
  return 0;
}

int rt_load_idx(const char *images, const char *labels, RtData *d, char *err, size_t errlen) {
  memset(d, 0, sizeof *d);
  if (idx_images(images, d, err, errlen) ||
      (labels && idx_labels(labels, images, d, err, errlen))) {
    rt_data_free(d);
    return -1;
  }
  return 0;
}

static const char *const FASHION_CLASSES[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot",
};

const char *const *rt_fashion_mnist_classes(void) { return FASHION_CLASSES; }

int rt_load_fashion_mnist(const char *dir, int test, RtData *d, char *err, size_t errlen) {
  char images[4096], labels[4096];
  const char *part = test ? "t10k" : "train";
  memset(d, 0, sizeof *d);
  dir = dir ? dir : RT_FASHION_MNIST_DIR;
  snprintf(images, sizeof images, "%s/%s-images-idx3-ubyte.gz", dir, part);
  snprintf(labels, sizeof labels, "%s/%s-labels-idx1-ubyte.gz", dir, part);
  if (access(dir, F_OK))
    return fail(err, errlen,
                "%s: %s (Fashion-MNIST is in Debian's dataset-fashion-mnist: apt-get install "
                "dataset-fashion-mnist)",
                dir, strerror(errno));
  if (rt_load_idx(images, labels, d, err, errlen))
    return -1;
  if (d->classes > 10) {
    rt_data_free(d);
    return fail(err, errlen, "%s: labels up to %d, Fashion-MNIST has 10 classes", labels,
                d->classes - 1);
  }
  d->classes = 10;
  if (!(d->class_names = rt_classes_copy(FASHION_CLASSES, 10))) {
    rt_data_free(d);
    return fail(err, errlen, "%s: out of memory", labels);
  }
  return 0;
}
