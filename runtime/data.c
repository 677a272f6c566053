/* data.c - data sets for `dlc train`: IDX and CSV loaders (plain or gzip, detected from the
 * first two bytes; gzip inflated with zlib), checks of a data set against a model,
 * preprocessing statistics, seeded shuffles and splits, and horizontal flips.
 *
 * Invariants.  Loaders trust nothing in a file: only regular files are opened (a FIFO or a
 * device is refused, never waited on); every count in a header is checked against
 * RT_DATA_MAX_VALUES and against what RtData can represent (image sides in an int) before it
 * is multiplied further or any data is read; buffers grow only as data actually arrives (a
 * header claiming gigabytes, or a CSV line of millions of fields, costs memory only for what
 * the file holds); the whole file must be consumed, and an IDX file is refused as soon as
 * one small read past its data returns anything (trailing bytes are an error, found without
 * inflating the rest); zlib's status is checked on every call, so a corrupt or cut gzip
 * stream, or junk after it, is reported rather than read as a short file.  A loader fills its
 * RtData completely or leaves it zeroed; each error is one line that starts with the file's
 * path.  CSV text is parsed in place in one NUL-terminated buffer; field and column counts
 * are int64 and bounded by RT_CSV_MAX_COLUMNS.  Random choices use rt_uniform01 on streams
 * named "dlc.shuffle", "dlc.split" and "dlc.hflip" (plus the epoch), disjoint from the
 * initializers' per-tensor streams in practice. */
#define _POSIX_C_SOURCE 200809L
#include "dlc_data.h"
#include "dlc_rt.h"
#include "dlc_text.h"
#include "fileio.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK ((int64_t)1 << 16)         /* first buffer size */
#define TAIL 4096                        /* bytes read to find data after an IDX file's end */
#define ROWS0 4096                       /* values in the first CSV rows allocated */
#define MAX_READ ((int64_t)1 << 30)      /* bytes per inflate call (avail_out is 32-bit) */
#define CSV_MAX_BYTES ((int64_t)1 << 31) /* largest CSV file (uncompressed) */
#define SHOWN 40                         /* bytes of a file-supplied string quoted in an error */
#define LIST_SHOWN 160                   /* bytes of a header listed in an error */

/* ---- errors --------------------------------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* A file-supplied string made safe for a one-line message: control bytes become '?' and long
 * strings are cut with "...". */
/* A file-supplied string quoted in a message: terminal-escaped and cut (dlc_text.h). */
static const char *shown(const char *s, char buf[SHOWN + 4]) { return rt_shown(buf, SHOWN + 4, s); }

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

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
      fail(s->err, s->errlen,
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

static char **copy_names(const char *const *names, int n) {
  char **v = calloc((size_t)(n ? n : 1), sizeof *v);
  for (int i = 0; v && i < n; i++)
    if (!(v[i] = strdup(names[i]))) {
      rt_classes_free(v, i);
      return NULL;
    }
  return v;
}

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
  if (!(d->class_names = copy_names(FASHION_CLASSES, 10))) {
    rt_data_free(d);
    return fail(err, errlen, "%s: out of memory", labels);
  }
  return 0;
}

void rt_data_free(RtData *d) {
  free(d->x);
  free(d->y);
  free(d->yf);
  if (d->class_names)
    rt_classes_free(d->class_names, d->classes);
  memset(d, 0, sizeof *d);
}

/* ---- CSV -------------------------------------------------------------------------------------
 * The file is read whole, then taken line by line; each line is split into fields once, in
 * place (quotes removed, spaces trimmed, NUL-terminated).  The first line stays split as the
 * header candidate; labels of named classes point into the buffer until the classes are made. */

/* How the label column is read. */
typedef enum {
  LAB_NONE,  /* no label column */
  LAB_INDEX, /* class indices */
  LAB_NAME,  /* class names */
  LAB_FLOAT  /* float targets */
} LabelMode;

/* What parse_num found. */
typedef enum {
  NUM_OK,        /* a finite number within float range */
  NUM_EMPTY,     /* an empty field */
  NUM_BAD,       /* not a number */
  NUM_NONFINITE, /* nan, inf, or beyond double range */
  NUM_RANGE      /* finite but beyond float range */
} NumKind;

typedef struct {
  const char *path;
  char *err;
  size_t errlen;
  char *buf, *pos, *end; /* the text; the next unread byte; the end of the text */
  int64_t line;          /* number of the line being read, from 1 */
  char **f;              /* fields of the line last split */
  int64_t nf, fcap;
  char **first;   /* fields of the first line */
  char **head;    /* first, when it is a header; else NULL */
  int64_t ncols, lab; /* columns; the label's (0-based), -1 for none */
  LabelMode mode;
  int64_t n, cap, dim; /* rows loaded, rows allocated, features per row */
  float *x, *yf;
  int32_t *y;
  char **names; /* LAB_NAME: each row's label */
  int classes;
} Csv;

static int csv_fail(Csv *c, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return fail(c->err, c->errlen, "%s: line %" PRId64 ": %s", c->path, c->line, msg);
}

static int csv_read(Csv *c) {
  Src s;
  unsigned char *raw;
  int64_t have;
  if (src_open(&s, c->path, c->err, c->errlen))
    return -1;
  int rc = read_upto(&s, CSV_MAX_BYTES, "the text", &raw, &have);
  int cut = s.cut;
  src_close(&s);
  if (rc)
    return -1;
  if (cut) {
    free(raw);
    return fail(c->err, c->errlen,
                "%s: truncated: the gzip stream ends early, after %" PRId64 " bytes of text",
                c->path, have);
  }
  c->buf = (char *)raw;
  c->buf[have] = '\0';
  if (have == CSV_MAX_BYTES)
    return fail(c->err, c->errlen, "%s: larger than %" PRId64 " bytes, the limit", c->path,
                CSV_MAX_BYTES - 1);
  c->pos = c->buf + (have >= 3 && !memcmp(raw, "\xEF\xBB\xBF", 3) ? 3 : 0);
  c->end = c->buf + have;
  const char *nul = memchr(c->buf, 0, (size_t)have);
  if (!nul)
    return 0;
  for (const char *p = c->buf; p <= nul; p++)
    c->line += p == c->buf || p[-1] == '\n';
  return csv_fail(c, "a NUL byte: not a text file");
}

/* The next line that is not blank, NUL-terminated without its line end; NULL at the end. */
static char *next_line(Csv *c) {
  while (c->pos < c->end) {
    char *s = c->pos, *nl = memchr(s, '\n', (size_t)(c->end - s));
    char *e = nl ? nl : c->end;
    c->pos = nl ? nl + 1 : c->end;
    c->line++;
    *e = '\0';
    if (e > s && e[-1] == '\r')
      *--e = '\0';
    if (s[strspn(s, " \t")])
      return s;
  }
  return NULL;
}

static int push_field(Csv *c, char *field) {
  if (c->nf == c->fcap) {
    if (c->nf == RT_CSV_MAX_COLUMNS)
      return csv_fail(c, "more than %" PRId64 " fields, the limit", RT_CSV_MAX_COLUMNS);
    int64_t nc = c->fcap ? 2 * c->fcap : 16;
    nc = nc < RT_CSV_MAX_COLUMNS ? nc : RT_CSV_MAX_COLUMNS;
    char **q = realloc(c->f, (size_t)nc * sizeof *q);
    if (!q)
      return csv_fail(c, "out of memory");
    c->f = q, c->fcap = nc;
  }
  c->f[c->nf++] = field;
  return 0;
}

/* A quoted field at *pp: unquoted in place; *pp is left at the ',' or end that follows. */
static int unquote(Csv *c, char **pp, char **field) {
  char *q = *pp + 1, *w = *pp;
  *field = w;
  for (;;) {
    if (!*q)
      return csv_fail(c, "unterminated quoted field (a field cannot span lines)");
    if (*q == '"' && q[1] != '"')
      break;
    q += *q == '"';
    *w++ = *q++;
  }
  q++;
  q += strspn(q, " \t");
  if (*q && *q != ',')
    return csv_fail(c, "text after the closing quote of field %" PRId64, c->nf + 1);
  *w = '\0';
  *pp = q;
  return 0;
}

static int split(Csv *c, char *p) {
  c->nf = 0;
  for (;;) {
    char *field, *end = NULL;
    p += strspn(p, " \t");
    if (*p == '"') {
      if (unquote(c, &p, &field))
        return -1;
    } else {
      field = p;
      p += strcspn(p, ",");
      for (end = p; end > field && (end[-1] == ' ' || end[-1] == '\t'); end--)
        ;
    }
    int more = *p == ',';
    if (end)
      *end = '\0';
    if (push_field(c, field))
      return -1;
    if (!more)
      return 0;
    p++;
  }
}

static NumKind parse_num(const char *s, double *v) {
  char *e;
  if (!*s)
    return NUM_EMPTY;
  double x = strtod(s, &e);
  if (e == s || *e)
    return NUM_BAD;
  if (!isfinite(x))
    return NUM_NONFINITE;
  if (fabs(x) > FLT_MAX)
    return NUM_RANGE;
  *v = x;
  return NUM_OK;
}

/* Text that is not a number at all (an empty field, "nan" or "1e99" do not count). */
static int is_text(const char *s) {
  double v;
  return parse_num(s, &v) == NUM_BAD;
}

/* Column j (0-based) for messages: "column 3 ('x3')" under a header, else "column 3". */
static const char *col_name(const Csv *c, int64_t j, char *buf, size_t len) {
  char nb[SHOWN + 4];
  if (c->head)
    snprintf(buf, len, "column %" PRId64 " ('%s')", j + 1, shown(c->head[j], nb));
  else
    snprintf(buf, len, "column %" PRId64, j + 1);
  return buf;
}

static int bad_num(Csv *c, int64_t j, const char *s, NumKind why) {
  char cb[80], nb[SHOWN + 4];
  col_name(c, j, cb, sizeof cb);
  if (why == NUM_EMPTY)
    return csv_fail(c, "%s: empty cell", cb);
  return csv_fail(c, "%s: '%s' is %s", cb, shown(s, nb),
                  why == NUM_BAD         ? "not a number"
                  : why == NUM_NONFINITE ? "not a finite number"
                                         : "outside the float range");
}

/* Fields joined with ", " for a message, cut after about LIST_SHOWN bytes. */
static const char *list_fields(char *const *f, int64_t n, char *buf, size_t len) {
  size_t k = 0;
  char nb[SHOWN + 4];
  buf[0] = '\0';
  int64_t i = 0;
  for (; i < n && k < LIST_SHOWN && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "", shown(f[i], nb));
  if (i < n && k < len)
    snprintf(buf + k, len - k, ", ... (%" PRId64 " columns)", n);
  return buf;
}

static int is_column_number(const char *s) {
  size_t k = strspn(s, "0123456789");
  return k > 0 && k <= 9 && !s[k];
}

/* The label column: a name in the first line (which makes that line the header), else a
 * column number.  A number is looked up as a name only in a line already taken as a header, so
 * "--label 3" on a file without a header never matches a data value 3. */
static int find_label(Csv *c, const char *label_col, int *header) {
  char list[LIST_SHOWN + 2 * SHOWN + 64], nb[SHOWN + 4];
  int number = is_column_number(label_col);
  for (int64_t j = 0; j < c->ncols && (!number || *header); j++)
    if (!strcmp(c->first[j], label_col)) {
      if (c->lab >= 0)
        return fail(c->err, c->errlen, "%s: the label column '%s' appears twice in the header",
                    c->path, shown(label_col, nb));
      c->lab = j;
      *header = 1;
    }
  if (c->lab >= 0)
    return 0;
  if (!number)
    return fail(c->err, c->errlen, "%s: no column named '%s'; the %s is: %s", c->path,
                shown(label_col, nb), *header ? "header" : "first line (not a header)",
                list_fields(c->first, c->ncols, list, sizeof list));
  long k = strtol(label_col, NULL, 10);
  if (k < 1 || k > c->ncols)
    return fail(c->err, c->errlen, "%s: label column %ld is out of range: %s %" PRId64, c->path, k,
                k < 1 ? "columns are numbered from 1 to" : "the file's columns are 1 to", c->ncols);
  c->lab = k - 1;
  return 0;
}

/* A header has a text field where the line below it has a number (or has no line below). */
static int detect_header(char **first, int64_t n, char **second, int64_t nsecond) {
  for (int64_t j = 0; j < n; j++)
    if (is_text(first[j]) && (!second || (j < nsecond && !is_text(second[j]))))
      return 1;
  return 0;
}

/* Room for more rows: doubling, from about ROWS0 values (at least one row), so memory follows
 * the rows actually read, whatever the width of a row. */
static int grow_rows(Csv *c) {
  int64_t max = RT_DATA_MAX_VALUES / c->dim;
  int64_t nc = c->cap ? 2 * c->cap : ROWS0 / c->dim > 0 ? ROWS0 / c->dim : 1;
  if (c->n >= max)
    return csv_fail(c, "more than %" PRId64 " values, the limit", RT_DATA_MAX_VALUES);
  nc = nc < max ? nc : max;
  float *x = realloc(c->x, (size_t)(nc * c->dim) * sizeof *x);
  int ok = x != NULL;
  c->x = x ? x : c->x;
  if (ok && c->mode == LAB_INDEX) {
    int32_t *y = realloc(c->y, (size_t)nc * sizeof *y);
    ok = y != NULL, c->y = y ? y : c->y;
  }
  if (ok && c->mode == LAB_FLOAT) {
    float *yf = realloc(c->yf, (size_t)nc * sizeof *yf);
    ok = yf != NULL, c->yf = yf ? yf : c->yf;
  }
  if (ok && c->mode == LAB_NAME) {
    char **nm = realloc(c->names, (size_t)nc * sizeof *nm);
    ok = nm != NULL, c->names = nm ? nm : c->names;
  }
  if (!ok)
    return csv_fail(c, "out of memory");
  c->cap = nc;
  return 0;
}


/* Well-formed UTF-8 without control characters (what checkpoint metadata can hold). */
static int utf8_text(const unsigned char *s) {
  size_t n = strlen((const char *)s), k;
  for (; n; s += k, n -= k)
    if (*s < 0x20 || *s == 0x7f || !(k = rt_utf8_seq(s, n, NULL)))
      return 0;
  return 1;
}

static int row_label(Csv *c, const char *s) {
  double v;
  NumKind r = parse_num(s, &v);
  char cb[80], nb[SHOWN + 4];
  col_name(c, c->lab, cb, sizeof cb);
  if (c->mode == LAB_NAME) {
    if (!*s || !utf8_text((const unsigned char *)s))
      return csv_fail(c, "%s: %s", cb, *s ? "the label is not UTF-8 text" : "empty label");
    c->names[c->n] = (char *)s;
    return 0;
  }
  if (r != NUM_OK)
    return bad_num(c, c->lab, s, r);
  if (c->mode == LAB_FLOAT) {
    c->yf[c->n] = (float)v;
    return 0;
  }
  if (v < 0 || v != floor(v) || v >= RT_MAX_CLASSES)
    return csv_fail(c, "%s: label '%s' is not a class index (an integer from 0 to %d)", cb,
                    shown(s, nb), RT_MAX_CLASSES - 1);
  c->y[c->n] = (int32_t)v;
  c->classes = (int)v >= c->classes ? (int)v + 1 : c->classes;
  return 0;
}

static int csv_row(Csv *c, char **f, int64_t nf) {
  double v;
  if (nf != c->ncols)
    return csv_fail(c, "%" PRId64 " fields, but the first line has %" PRId64, nf, c->ncols);
  if (c->n == c->cap && grow_rows(c))
    return -1;
  float *x = c->x + c->n * c->dim;
  for (int64_t j = 0; j < nf; j++) {
    if (j == c->lab)
      continue;
    NumKind r = parse_num(f[j], &v);
    if (r != NUM_OK)
      return bad_num(c, j, f[j], r);
    *x++ = (float)v;
  }
  if (c->lab >= 0 && row_label(c, f[c->lab]))
    return -1;
  c->n++;
  return 0;
}

static LabelMode label_mode(const Csv *c, char **row, int64_t nrow, int float_label) {
  double v;
  if (c->lab < 0)
    return LAB_NONE;
  if (float_label)
    return LAB_FLOAT;
  return c->lab < nrow && parse_num(row[c->lab], &v) == NUM_OK ? LAB_INDEX : LAB_NAME;
}

/* The first two lines decide the columns, the header, the label column and how labels are
 * read; then those of them that are data become the first rows. */
static int csv_begin(Csv *c, const char *label_col, int float_label) {
  char *line = next_line(c);
  if (!line)
    return fail(c->err, c->errlen, "%s: empty file%s", c->path,
                c->end > c->buf ? " (only blank lines)" : "");
  if (split(c, line))
    return -1;
  int64_t first_line = c->line;
  c->first = c->f, c->ncols = c->nf;
  c->f = NULL, c->nf = c->fcap = 0;
  char *second = next_line(c);
  if (second && split(c, second))
    return -1;
  int header = detect_header(c->first, c->ncols, second ? c->f : NULL, c->nf);
  if (label_col && find_label(c, label_col, &header))
    return -1;
  c->head = header ? c->first : NULL;
  c->dim = c->ncols - (c->lab >= 0);
  if (c->dim == 0)
    return fail(c->err, c->errlen, "%s: no feature columns (only the label)", c->path);
  if (header && !second)
    return fail(c->err, c->errlen, "%s: no data lines (only a header)", c->path);
  c->mode = header ? label_mode(c, c->f, c->nf, float_label)
                   : label_mode(c, c->first, c->ncols, float_label);
  int64_t second_line = c->line;
  if (!header) {
    c->line = first_line;
    if (csv_row(c, c->first, c->ncols))
      return -1;
    c->line = second_line;
  }
  return second ? csv_row(c, c->f, c->nf) : 0;
}

/* Names mode: the sorted distinct names become the classes, each row's name its index. */
static int csv_classes(Csv *c, RtData *d) {
  char **u = malloc((size_t)c->n * sizeof *u);
  int64_t k = 0;
  if (!u)
    return fail(c->err, c->errlen, "%s: out of memory", c->path);
  memcpy(u, c->names, (size_t)c->n * sizeof *u);
  qsort(u, (size_t)c->n, sizeof *u, cmp_str);
  for (int64_t i = 0; i < c->n; i++)
    if (!k || strcmp(u[i], u[k - 1]))
      u[k++] = u[i];
  if (k > RT_MAX_CLASSES) {
    free(u);
    return fail(c->err, c->errlen,
                "%s: %" PRId64 " distinct labels, more than the %d classes allowed", c->path, k,
                RT_MAX_CLASSES);
  }
  d->classes = (int)k;
  d->y = malloc((size_t)c->n * sizeof *d->y);
  d->class_names = copy_names((const char *const *)u, d->classes);
  for (int64_t i = 0; d->y && d->class_names && i < c->n; i++)
    d->y[i] = (int32_t)((char **)bsearch(&c->names[i], u, (size_t)k, sizeof *u, cmp_str) - u);
  free(u);
  if (!d->y || !d->class_names)
    return fail(c->err, c->errlen, "%s: out of memory", c->path);
  return 0;
}

/* Hand the arrays over to d. */
static int csv_finish(Csv *c, RtData *d) {
  d->n = c->n;
  d->dim = c->dim;
  d->has_header = c->head != NULL;
  d->x = c->x, c->x = NULL;
  if (c->mode == LAB_NAME)
    return csv_classes(c, d);
  d->y = c->y, c->y = NULL;
  d->yf = c->yf, c->yf = NULL;
  d->ydim = d->yf ? 1 : 0;
  d->classes = c->mode == LAB_INDEX ? c->classes : 0;
  return 0;
}

static void csv_free(Csv *c) {
  free(c->buf);
  free(c->f);
  free(c->first);
  free(c->x);
  free(c->y);
  free(c->yf);
  free(c->names);
}

int rt_load_csv(const char *path, const char *label_col, int float_label, RtData *d, char *err,
                size_t errlen) {
  Csv c = {.path = path, .err = err, .errlen = errlen, .lab = -1};
  char *line;
  memset(d, 0, sizeof *d);
  int rc = csv_read(&c) || csv_begin(&c, label_col, float_label);
  while (!rc && (line = next_line(&c)))
    rc = split(&c, line) || csv_row(&c, c.f, c.nf);
  rc = rc || csv_finish(&c, d);
  csv_free(&c);
  if (rc)
    rt_data_free(d);
  return rc ? -1 : 0;
}

/* ---- data sets against a model ------------------------------------------------------------- */

static int check_labels(const RtData *d, const char *what, int model_classes, char *err,
                        size_t errlen) {
  char nb[SHOWN + 4], name[SHOWN + 16] = "";
  if (!d->y)
    return fail(err, errlen, "%s: %s, but the model is a classifier (%d classes)", what,
                d->yf ? "float targets" : "no labels", model_classes);
  for (int64_t i = 0; i < d->n; i++) {
    int32_t k = d->y[i];
    if (k >= 0 && k < model_classes)
      continue;
    if (d->class_names && k >= 0 && k < d->classes)
      snprintf(name, sizeof name, " ('%s')", shown(d->class_names[k], nb));
    return fail(err, errlen,
                "%s: sample %" PRId64 " (from 0) has label %d%s, but the model has %d classes "
                "(labels 0..%d)",
                what, i, k, name, model_classes, model_classes - 1);
  }
  return 0;
}

int rt_data_check(const RtData *d, const char *what, int64_t model_dim, int model_classes,
                  char *err, size_t errlen) {
  char geo[64];
  if (d->dim != model_dim) {
    if (!d->h)
      return fail(err, errlen,
                  "%s: samples have %" PRId64 " features, the model's input takes %" PRId64, what,
                  d->dim, model_dim);
    if (d->c > 1)
      snprintf(geo, sizeof geo, "%dx%dx%d", d->c, d->h, d->w);
    else
      snprintf(geo, sizeof geo, "%dx%d", d->h, d->w);
    return fail(err, errlen,
                "%s: images are %s = %" PRId64 " values, the model's input takes %" PRId64, what,
                geo, d->dim, model_dim);
  }
  return model_classes > 0 ? check_labels(d, what, model_classes, err, errlen) : 0;
}

typedef struct {
  const char *name; /* first, for cmp_str */
  int index;
} Named;

/* names sorted for lookups; refuses an empty list, an empty name and duplicates. */
static Named *sorted_names(const char *const *names, int n, const char *what, char *err,
                           size_t errlen) {
  char nb[SHOWN + 4];
  if (n <= 0 || n > RT_MAX_CLASSES) {
    fail(err, errlen, "%s: the model has %d class names", what, n);
    return NULL;
  }
  Named *v = malloc((size_t)n * sizeof *v);
  if (!v) {
    fail(err, errlen, "%s: out of memory", what);
    return NULL;
  }
  for (int i = 0; i < n; i++)
    v[i] = (Named){names[i], i};
  qsort(v, (size_t)n, sizeof *v, cmp_str);
  for (int i = 0; i < n; i++)
    if (!*v[i].name || (i && !strcmp(v[i].name, v[i - 1].name))) {
      fail(err, errlen, "%s: the model's class names have %s '%s'", what,
           *v[i].name ? "a duplicate" : "an empty name", shown(v[i].name, nb));
      free(v);
      return NULL;
    }
  return v;
}

/* map[k] = the index among names of d's class k; refuses a class not among them. */
static int class_map(const RtData *d, const char *what, const Named *v, int n, int *map, char *err,
                     size_t errlen) {
  char nb[SHOWN + 4];
  for (int k = 0; k < d->classes; k++) {
    const char *key = d->class_names[k];
    const Named *hit = bsearch(&key, v, (size_t)n, sizeof *v, cmp_str);
    if (hit) {
      map[k] = hit->index;
      continue;
    }
    int64_t i = 0;
    while (i < d->n - 1 && d->y[i] != k)
      i++;
    return fail(err, errlen,
                "%s: sample %" PRId64 " (from 0) has label '%s', which is not among the "
                "model's %d classes",
                what, i, shown(key, nb), n);
  }
  return 0;
}

int rt_data_match_classes(RtData *d, const char *what, const char *const *names, int n, char *err,
                          size_t errlen) {
  if (!d->class_names || !names) {
    if (!d->class_names == !names)
      return 0;
    return fail(err, errlen, "%s: the labels are %s, but the model's classes are %s", what,
                names ? "numbers" : "names", names ? "named" : "numbered");
  }
  Named *v = sorted_names(names, n, what, err, errlen);
  if (!v)
    return -1;
  int *map = malloc((size_t)(d->classes ? d->classes : 1) * sizeof *map);
  char **copy = map ? copy_names(names, n) : NULL;
  int rc = !copy ? fail(err, errlen, "%s: out of memory", what)
                 : class_map(d, what, v, n, map, err, errlen);
  if (!rc) {
    for (int64_t i = 0; i < d->n; i++)
      d->y[i] = map[d->y[i]];
    rt_classes_free(d->class_names, d->classes);
    d->class_names = copy, d->classes = n;
    copy = NULL;
  }
  rt_classes_free(copy, n);
  free(map);
  free(v);
  return rc;
}

char *rt_classes_to_meta(const char *const *names, int n) {
  size_t len = 1;
  for (int i = 0; i < n; i++)
    len += strlen(names[i]) + 1;
  char *s = malloc(len), *w = s;
  for (int i = 0; s && i < n; i++)
    w += sprintf(w, "%s%s", i ? "\n" : "", names[i]);
  if (s)
    *w = '\0';
  return s;
}

int rt_classes_from_meta(const char *s, char ***names, int *n, char *err, size_t errlen) {
  int count = 1;
  *names = NULL, *n = 0;
  if (!s)
    return fail(err, errlen, "%s: missing", RT_META_CLASSES);
  for (const char *p = s; *p; p++)
    count += *p == '\n';
  if (!*s || count > RT_MAX_CLASSES)
    return fail(err, errlen, "%s: %s", RT_META_CLASSES, *s ? "too many class names" : "empty");
  char **v = calloc((size_t)count, sizeof *v);
  for (int i = 0; v && i < count; i++) {
    size_t len = strcspn(s, "\n");
    if (!len || !(v[i] = strndup(s, len))) {
      rt_classes_free(v, i);
      return fail(err, errlen, "%s: %s", RT_META_CLASSES, len ? "out of memory" : "an empty name");
    }
    s += len + 1;
  }
  if (!v)
    return fail(err, errlen, "%s: out of memory", RT_META_CLASSES);
  *names = v, *n = count;
  return 0;
}

void rt_classes_free(char **names, int n) {
  for (int i = 0; names && i < n; i++)
    free(names[i]);
  free(names);
}

/* ---- preprocessing -------------------------------------------------------------------------- */

static const char *const NORM_NAMES[] = {"none", "scale", "minmax", "zscore"};
#define NNORM ((int)(sizeof NORM_NAMES / sizeof NORM_NAMES[0]))

const char *rt_norm_name(RtNormKind k) {
  return (int)k >= 0 && (int)k < NNORM ? NORM_NAMES[k] : "?";
}

int rt_norm_parse(const char *s, RtNormKind *k) {
  for (int i = 0; s && i < NNORM; i++)
    if (!strcmp(s, NORM_NAMES[i])) {
      *k = (RtNormKind)i;
      return 0;
    }
  return -1;
}

void rt_norm_free(RtNorm *nm) {
  free(nm->shift);
  free(nm->div);
  memset(nm, 0, sizeof *nm);
}

/* Arrays for dim features holding the kind's fixed values (shift 0; div 255 or 1). */
static int norm_alloc(RtNorm *nm, RtNormKind kind, int64_t dim, char *err, size_t errlen) {
  memset(nm, 0, sizeof *nm);
  if ((int)kind < 0 || (int)kind >= NNORM || dim <= 0 || dim > RT_DATA_MAX_VALUES)
    return fail(err, errlen, "normalization: bad kind %d or feature count %" PRId64, (int)kind,
                dim);
  nm->kind = kind, nm->dim = dim;
  nm->shift = malloc((size_t)dim * sizeof *nm->shift);
  nm->div = malloc((size_t)dim * sizeof *nm->div);
  if (!nm->shift || !nm->div) {
    rt_norm_free(nm);
    return fail(err, errlen, "normalization: out of memory");
  }
  for (int64_t j = 0; j < dim; j++)
    nm->shift[j] = 0, nm->div[j] = kind == RT_NORM_SCALE ? 255.0f : 1.0f;
  return 0;
}

/* The rows' features: row r of the training split is d->x row (rows ? rows[r] : r). */
static const float *row_at(const RtData *d, const int64_t *rows, int64_t r) {
  return d->x + (rows ? rows[r] : r) * d->dim;
}

/* Per feature: lo = the minimum, hi = the maximum. */
static void minmax_stats(const RtData *d, const int64_t *rows, int64_t nrows, double *lo,
                         double *hi) {
  for (int64_t j = 0; j < d->dim; j++)
    lo[j] = INFINITY, hi[j] = -INFINITY;
  for (int64_t r = 0; r < nrows; r++) {
    const float *x = row_at(d, rows, r);
    for (int64_t j = 0; j < d->dim; j++)
      lo[j] = x[j] < lo[j] ? x[j] : lo[j], hi[j] = x[j] > hi[j] ? x[j] : hi[j];
  }
}

/* Per feature: mean, and the population standard deviation (two passes). */
static void zscore_stats(const RtData *d, const int64_t *rows, int64_t nrows, double *mean,
                         double *sd) {
  for (int64_t r = 0; r < nrows; r++) {
    const float *x = row_at(d, rows, r);
    for (int64_t j = 0; j < d->dim; j++)
      mean[j] += x[j];
  }
  for (int64_t j = 0; j < d->dim; j++)
    mean[j] /= (double)nrows;
  for (int64_t r = 0; r < nrows; r++) {
    const float *x = row_at(d, rows, r);
    for (int64_t j = 0; j < d->dim; j++)
      sd[j] += (x[j] - mean[j]) * (x[j] - mean[j]);
  }
  for (int64_t j = 0; j < d->dim; j++)
    sd[j] = sqrt(sd[j] / (double)nrows);
}

/* shift and div from the statistics; a constant feature gets div 1 (see dlc_data.h). */
static int norm_set(RtNorm *nm, const double *a, const double *b, char *err, size_t errlen) {
  for (int64_t j = 0; j < nm->dim; j++) {
    double div = nm->kind == RT_NORM_ZSCORE ? b[j] : b[j] - a[j];
    if (div < 10 * DBL_EPSILON)
      div = 1;
    if (div > FLT_MAX)
      return fail(err, errlen,
                  "%s normalization: feature %" PRId64 " spreads over %g, beyond the float range",
                  NORM_NAMES[nm->kind], j, div);
    nm->shift[j] = (float)a[j], nm->div[j] = (float)div;
  }
  return 0;
}

static int check_rows(const RtData *d, RtNormKind kind, const int64_t *rows, int64_t nrows,
                      char *err, size_t errlen) {
  if (nrows <= 0 || (!rows && nrows > d->n))
    return fail(err, errlen, "%s normalization: %" PRId64 " training samples to fit it to",
                NORM_NAMES[kind], nrows);
  for (int64_t r = 0; rows && r < nrows; r++)
    if (rows[r] < 0 || rows[r] >= d->n)
      return fail(err, errlen,
                  "%s normalization: row %" PRId64 " is outside the data (%" PRId64 " samples)",
                  NORM_NAMES[kind], rows[r], d->n);
  return 0;
}

int rt_norm_fit(RtNorm *nm, RtNormKind kind, const RtData *d, const int64_t *rows, int64_t nrows,
                char *err, size_t errlen) {
  if (norm_alloc(nm, kind, d->dim, err, errlen))
    return -1;
  if (kind == RT_NORM_NONE || kind == RT_NORM_SCALE)
    return 0;
  double *a = calloc((size_t)d->dim, sizeof *a), *b = calloc((size_t)d->dim, sizeof *b);
  int rc = !a || !b ? fail(err, errlen, "normalization: out of memory")
                    : check_rows(d, kind, rows, nrows, err, errlen);
  if (!rc && kind == RT_NORM_MINMAX)
    minmax_stats(d, rows, nrows, a, b);
  if (!rc && kind == RT_NORM_ZSCORE)
    zscore_stats(d, rows, nrows, a, b);
  rc = rc || norm_set(nm, a, b, err, errlen);
  free(a);
  free(b);
  if (rc)
    rt_norm_free(nm);
  return rc ? -1 : 0;
}

void rt_norm_apply(const RtNorm *nm, float *x, int64_t nrows) {
  if (nm->kind == RT_NORM_NONE)
    return;
  for (int64_t r = 0; r < nrows; r++, x += nm->dim)
    for (int64_t j = 0; j < nm->dim; j++)
      x[j] = (x[j] - nm->shift[j]) / nm->div[j];
}

/* v[0..n) as "%.9g,%.9g,..." (one value when all are bit-identical); NULL when out of memory. */
static char *fmt_list(const float *v, int64_t n) {
  int64_t k = 1;
  while (k < n && !memcmp(&v[k], &v[0], sizeof *v))
    k++;
  n = k == n ? 1 : n;
  char *s = malloc((size_t)n * 20 + 1), *w = s;
  if (s)
    *s = '\0';
  for (int64_t j = 0; s && j < n; j++)
    w += sprintf(w, "%s%.9g", j ? "," : "", (double)v[j]);
  return s;
}

int rt_norm_to_meta(const RtNorm *nm, char **kind, char **shift, char **div) {
  *kind = strdup(rt_norm_name(nm->kind));
  *shift = fmt_list(nm->shift, nm->dim);
  *div = fmt_list(nm->div, nm->dim);
  if (*kind && *shift && *div)
    return 0;
  free(*kind), free(*shift), free(*div);
  *kind = *shift = *div = NULL;
  return -1;
}

/* A list of dim values, or one value for all; divisors must be positive. */
static int parse_list(const char *s, const char *key, float *out, int64_t dim, int divisor,
                      char *err, size_t errlen) {
  int64_t k = 0;
  char nb[SHOWN + 4];
  for (const char *p = s;;) {
    char *e;
    float v = strtof(p, &e);
    if (e == p || !isfinite(v) || (divisor && !(v > 0)))
      return fail(err, errlen, "%s: value %" PRId64 " '%s' is not a %s number", key, k,
                  shown(p, nb), divisor ? "positive finite" : "finite");
    if (k == dim)
      return fail(err, errlen, "%s: more than %" PRId64 " values, the model's input takes %" PRId64,
                  key, dim, dim);
    out[k++] = v;
    if (*e != ',' && *e)
      return fail(err, errlen, "%s: '%s' after value %" PRId64, key, shown(e, nb), k - 1);
    if (!*e)
      break;
    p = e + 1;
  }
  if (k != 1 && k != dim)
    return fail(err, errlen, "%s: %" PRId64 " values, the model's input takes %" PRId64, key, k,
                dim);
  for (int64_t j = 1; k == 1 && j < dim; j++)
    out[j] = out[0];
  return 0;
}

int rt_norm_from_meta(RtNorm *nm, const char *kind, const char *shift, const char *div, int64_t dim,
                      char *err, size_t errlen) {
  RtNormKind k;
  char nb[SHOWN + 4];
  memset(nm, 0, sizeof *nm);
  if (!kind || rt_norm_parse(kind, &k))
    return fail(err, errlen, "%s: '%s' is not a normalization (none, scale, minmax, zscore)",
                RT_META_NORM, kind ? shown(kind, nb) : "(missing)");
  if (norm_alloc(nm, k, dim, err, errlen))
    return -1;
  if ((!shift || !div) && (k == RT_NORM_NONE || k == RT_NORM_SCALE))
    return 0;
  int rc = !shift || !div ? fail(err, errlen, "%s: missing for %s normalization",
                                 !shift ? RT_META_NORM_SHIFT : RT_META_NORM_DIV, kind)
                          : parse_list(shift, RT_META_NORM_SHIFT, nm->shift, dim, 0, err, errlen) ||
                                parse_list(div, RT_META_NORM_DIV, nm->div, dim, 1, err, errlen);
  if (rc)
    rt_norm_free(nm);
  return rc ? -1 : 0;
}

/* ---- shuffles, splits, flips ---------------------------------------------------------------- */

/* Fisher-Yates.  j = floor(u * (i + 1)) <= i: u <= 1 - 2^-53 and i + 1 < 2^53, so the product
 * rounds to below i + 1. */
static void shuffle(int64_t *perm, int64_t n, uint64_t seed, uint64_t stream) {
  for (int64_t i = 0; i < n; i++)
    perm[i] = i;
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = (int64_t)(rt_uniform01(seed, stream, (uint64_t)i) * (double)(i + 1));
    int64_t t = perm[i];
    perm[i] = perm[j], perm[j] = t;
  }
}

void rt_permutation(int64_t *perm, int64_t n, uint64_t seed, uint64_t epoch) {
  shuffle(perm, n, seed, rt_hash_name("dlc.shuffle") + epoch);
}

int rt_split(int64_t n, double val_fraction, uint64_t seed, int64_t **train, int64_t *ntrain,
             int64_t **val, int64_t *nval, char *err, size_t errlen) {
  *train = *val = NULL, *ntrain = *nval = 0;
  if (n <= 0)
    return fail(err, errlen, "validation split: no samples to split");
  if (!(val_fraction >= 0 && val_fraction < 1))
    return fail(err, errlen, "validation fraction %g: must be at least 0 and below 1",
                val_fraction);
  int64_t nv = llround((double)n * val_fraction), nt = n - nv;
  if (nt <= 0 || (val_fraction > 0 && nv == 0))
    return fail(err, errlen, "validation fraction %g of %" PRId64 " samples holds out %s",
                val_fraction, n, nt <= 0 ? "every sample" : "no sample");
  int64_t *perm = malloc((size_t)n * sizeof *perm);
  unsigned char *held = calloc((size_t)n, 1);
  *train = malloc((size_t)nt * sizeof **train);
  *val = nv ? malloc((size_t)nv * sizeof **val) : NULL;
  if (!perm || !held || !*train || (nv && !*val)) {
    free(perm), free(held), free(*train), free(*val);
    *train = *val = NULL;
    return fail(err, errlen, "validation split: out of memory");
  }
  shuffle(perm, n, seed, rt_hash_name("dlc.split"));
  for (int64_t i = nt; i < n; i++)
    held[perm[i]] = 1;
  for (int64_t i = 0; i < n; i++)
    if (held[i])
      (*val)[(*nval)++] = i;
    else
      (*train)[(*ntrain)++] = i;
  free(perm);
  free(held);
  return 0;
}

void rt_hflip(float *x, int c, int h, int w) {
  for (int64_t r = 0; r < (int64_t)c * h; r++) {
    float *row = x + r * w;
    for (int i = 0, j = w - 1; i < j; i++, j--) {
      float t = row[i];
      row[i] = row[j], row[j] = t;
    }
  }
}

int rt_hflip_draw(uint64_t seed, uint64_t epoch, int64_t sample) {
  return rt_uniform01(seed, rt_hash_name("dlc.hflip") + epoch, (uint64_t)sample) < 0.5;
}
