/* safetensors.c - checkpoint I/O in the safetensors format: an 8-byte little-endian header
 * length N, N bytes of JSON naming each tensor's dtype, shape and byte range (relative to the
 * first byte after the header), then the raw little-endian data.
 *
 * Invariants.  Reading trusts nothing in the file: only a regular file is opened (a FIFO or
 * device is refused, not waited on), every length is checked against the file size before it
 * is used, N must be a multiple of 8 (writers pad the JSON with spaces), the JSON parser has a
 * fixed nesting depth (the schema's: object of objects of integer arrays) and bounds-checks
 * every byte, each tensor's byte range is checked against its shape and dtype before its data
 * pointer is formed, and the ranges sorted by offset must tile the data section exactly (no
 * gap, no overlap, nothing after the last tensor), as the reference reader requires.  Name
 * lookups are binary searches over names sorted once, so opening and loading take
 * O(n log n) in the number of tensors.  An opened file owns its image; each tensor's data
 * pointer is aligned for its dtype (misaligned ranges are copied).  Writing goes through
 * rt_write_atomic (fileio.c): a temporary file next to the target is written, fsynced and
 * renamed over it, then the directory is fsynced; on failure the temporary file is removed
 * and the old file is left as it was.  Errors are one line and start with the file's path. */
#define _POSIX_C_SOURCE 200809L
#include "dlc_rt.h"
#include "dlc_text.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if !defined(__BYTE_ORDER__) || !defined(__ORDER_LITTLE_ENDIAN__) ||                               \
    __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian and is read and written as raw host memory"
#endif
_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE binary32/binary64 expected");

#define MAX_HEADER 100000000u /* bytes; the reference implementation's limit */
#define NAME_SHOWN 64         /* bytes of a file-supplied string quoted in an error */

struct RtStFile {
  RtTensor *ts;            /* in file (JSON) order */
  const RtTensor **byname; /* ts sorted by name, for lookups */
  int nts, cap;
  RtMeta *meta; /* sorted by key */
  int nmeta, metacap;
  char *pool;          /* decoded names, keys and values, NUL-terminated */
  unsigned char *data; /* the data section */
  size_t datalen;      /* its bytes */
  void **copies;       /* per tensor: aligned copy of a misaligned range, or NULL */
};

/* ---- errors and small helpers ---------------------------------------------------------- */


/* A file-supplied string made safe for a one-line message: control bytes become '?' and
 * long strings are cut. */
/* A file-supplied string quoted in a message: terminal-escaped and cut (dlc_text.h). */
static const char *shown(const char *s, char buf[NAME_SHOWN + 4]) { return rt_shown(buf, NAME_SHOWN + 4, s); }

static void fmt_shape(const int64_t *shape, int ndim, char *buf, size_t len) {
  size_t k = (size_t)snprintf(buf, len, "[");
  for (int i = 0; i < ndim && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, "%s%" PRId64, i ? "," : "", shape[i]);
  if (k < len)
    snprintf(buf + k, len - k, "]");
}

static const struct {
  const char *name;
  size_t size;
} DTYPES[] = {
    [RT_F32] = {"F32", 4},
    [RT_F64] = {"F64", 8},
    [RT_I32] = {"I32", 4},
    [RT_I64] = {"I64", 8},
};
#define NDTYPES ((int)(sizeof DTYPES / sizeof DTYPES[0]))

static int dtype_ok(RtDType t) { return (int)t >= 0 && (int)t < NDTYPES; }
static int is_float(RtDType t) { return t == RT_F32 || t == RT_F64; }

size_t rt_dtype_size(RtDType t) { return dtype_ok(t) ? DTYPES[t].size : 0; }
const char *rt_dtype_name(RtDType t) { return dtype_ok(t) ? DTYPES[t].name : "?"; }

int64_t rt_tensor_numel(const RtTensor *t) {
  if (t->ndim < 0 || t->ndim > RT_MAX_DIMS)
    return -1;
  int64_t n = 1;
  for (int i = 0; i < t->ndim; i++)
    if (t->shape[i] < 0)
      return -1;
    else if (t->shape[i] == 0)
      n = 0;
  for (int i = 0; i < t->ndim && n; i++) {
    if (n > INT64_MAX / t->shape[i])
      return -1;
    n *= t->shape[i];
  }
  return n;
}

/* Bytes of t's data, or -1 when its dtype or shape is invalid or the size overflows. */
static int64_t tensor_bytes(const RtTensor *t) {
  int64_t n = rt_tensor_numel(t);
  if (n < 0 || !dtype_ok(t->dtype) || n > INT64_MAX / (int64_t)DTYPES[t->dtype].size)
    return -1;
  return n * (int64_t)DTYPES[t->dtype].size;
}


/* Offset of the first byte that is not well-formed UTF-8, n when all are. */
static size_t utf8_bad_at(const unsigned char *s, size_t n) {
  size_t i = 0, k;
  while (i < n && (k = rt_utf8_seq(s + i, n - i, NULL)) != 0)
    i += k;
  return i;
}

/* qsort/bsearch orders: cmp_str for arrays of strings or of structs that start with one
 * (RtMeta), cmp_name for arrays of tensor pointers. */
static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_name(const void *a, const void *b) {
  return strcmp((*(const RtTensor *const *)a)->name, (*(const RtTensor *const *)b)->name);
}

/* ---- reading: the JSON header -------------------------------------------------------------
 * A schema-driven recursive-descent parser: the only shapes it accepts are the top-level
 * object, "__metadata__" (an object of strings), tensor entries (objects with dtype, shape
 * and data_offsets) and arrays of non-negative integers, so nesting depth is bounded by
 * construction.  Decoded strings go to a pool of N + 1 bytes: a string of r raw bytes
 * (quotes included) decodes to at most r - 2 bytes plus its NUL, so the pool cannot overflow. */

typedef struct {
  const char *path;
  const unsigned char *s;
  size_t n, pos;
  char *pool;
  size_t used;
  const char *entry; /* the tensor being parsed, for messages; NULL outside one */
  RtStFile *f;
  char *err;
  size_t errlen;
} Parser;

static int perr(Parser *p, const char *fmt, ...) {
  char msg[256], nb[NAME_SHOWN + 4];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  rt_set_err(p->err, p->errlen, "%s: bad header at file offset %zu: %s%s%s%s", p->path, p->pos + 8,
          p->entry ? "tensor '" : "", p->entry ? shown(p->entry, nb) : "", p->entry ? "': " : "",
          msg);
  return -1;
}

static int peek(const Parser *p) { return p->pos < p->n ? p->s[p->pos] : -1; }

static void skip_ws(Parser *p) {
  int c;
  while ((c = peek(p)) == ' ' || c == '\t' || c == '\n' || c == '\r')
    p->pos++;
}

static int expect(Parser *p, int c) {
  skip_ws(p);
  if (peek(p) != c)
    return perr(p, peek(p) < 0 ? "expected '%c', header ends" : "expected '%c'", c);
  p->pos++;
  return 0;
}

static int hex4(Parser *p, unsigned *out) {
  *out = 0;
  for (int i = 0; i < 4; i++) {
    int c = peek(p), d = c >= '0' && c <= '9'   ? c - '0'
                         : c >= 'a' && c <= 'f' ? c - 'a' + 10
                         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                : -1;
    if (d < 0)
      return perr(p, "bad \\u escape: expected 4 hex digits");
    *out = *out << 4 | (unsigned)d;
    p->pos++;
  }
  return 0;
}

static void put_utf8(char **w, unsigned cp) {
  unsigned char *o = (unsigned char *)*w;
  if (cp < 0x80) {
    *o++ = (unsigned char)cp;
  } else if (cp < 0x800) {
    *o++ = (unsigned char)(0xC0 | cp >> 6);
    *o++ = (unsigned char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (unsigned char)(0xE0 | cp >> 12);
    *o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (unsigned char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (unsigned char)(0xF0 | cp >> 18);
    *o++ = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    *o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (unsigned char)(0x80 | (cp & 0x3F));
  }
  *w = (char *)o;
}

/* \uXXXX (the backslash and 'u' consumed), joining a surrogate pair. */
static int unicode_escape(Parser *p, char **w) {
  unsigned cp, lo;
  if (hex4(p, &cp))
    return -1;
  if (cp >= 0xDC00 && cp <= 0xDFFF)
    return perr(p, "unpaired surrogate \\u%04X in a string", cp);
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (p->pos + 2 > p->n || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
      return perr(p, "unpaired surrogate \\u%04X in a string", cp);
    p->pos += 2;
    if (hex4(p, &lo))
      return -1;
    if (lo < 0xDC00 || lo > 0xDFFF)
      return perr(p, "unpaired surrogate \\u%04X in a string", cp);
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
  }
  if (cp == 0)
    return perr(p, "\\u0000 in a string");
  put_utf8(w, cp);
  return 0;
}

static int escape(Parser *p, char **w) {
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  int c = peek(p);
  if (c < 0)
    return perr(p, "unterminated string");
  p->pos++;
  if (c == 'u')
    return unicode_escape(p, w);
  const char *k = c ? strchr(from, c) : NULL;
  if (!k)
    return perr(p, "bad escape '\\' followed by byte 0x%02X", (unsigned)c);
  *(*w)++ = to[k - from];
  return 0;
}

static int parse_string(Parser *p, const char **out) {
  skip_ws(p);
  if (peek(p) != '"')
    return perr(p, "expected a string");
  p->pos++;
  char *start = p->pool + p->used, *w = start;
  for (;;) {
    int c = peek(p);
    if (c < 0)
      return perr(p, "unterminated string");
    p->pos++;
    if (c == '"')
      break;
    if (c < 0x20)
      return perr(p, "control byte 0x%02X in a string", (unsigned)c);
    if (c != '\\')
      *w++ = (char)c;
    else if (escape(p, &w))
      return -1;
  }
  *w++ = '\0';
  p->used = (size_t)(w - p->pool);
  *out = start;
  return 0;
}

/* A JSON number that must be a non-negative integer of at most INT64_MAX. */
static int parse_int(Parser *p, const char *what, int64_t *out) {
  skip_ws(p);
  int c = peek(p);
  if (c == '-')
    return perr(p, "%s: negative number", what);
  if (c < '0' || c > '9')
    return perr(p, "%s: expected a non-negative integer", what);
  if (c == '0' && p->pos + 1 < p->n && p->s[p->pos + 1] >= '0' && p->s[p->pos + 1] <= '9')
    return perr(p, "%s: number with a leading zero", what);
  int64_t v = 0;
  for (; (c = peek(p)) >= '0' && c <= '9'; p->pos++) {
    if (v > (INT64_MAX - (c - '0')) / 10)
      return perr(p, "%s: number too large", what);
    v = v * 10 + (c - '0');
  }
  if (c == '.' || c == 'e' || c == 'E')
    return perr(p, "%s: expected an integer, found a fraction or exponent", what);
  *out = v;
  return 0;
}

/* [int, int, ...] with at most max elements. */
static int parse_int_array(Parser *p, const char *what, int64_t *v, int max, int *count) {
  *count = 0;
  if (expect(p, '['))
    return -1;
  skip_ws(p);
  if (peek(p) == ']') {
    p->pos++;
    return 0;
  }
  for (;;) {
    if (*count == max)
      return perr(p, "%s: more than %d values", what, max);
    if (parse_int(p, what, &v[(*count)++]))
      return -1;
    skip_ws(p);
    int c = peek(p);
    p->pos++;
    if (c == ']')
      return 0;
    if (c != ',') {
      p->pos--;
      return perr(p, "%s: expected ',' or ']'", what);
    }
  }
}

typedef int (*MemberFn)(Parser *p, const char *key, void *ctx);

/* { "key": <value parsed by fn>, ... } */
static int parse_object(Parser *p, MemberFn fn, void *ctx) {
  if (expect(p, '{'))
    return -1;
  skip_ws(p);
  if (peek(p) == '}') {
    p->pos++;
    return 0;
  }
  for (;;) {
    const char *key;
    if (parse_string(p, &key) || expect(p, ':') || fn(p, key, ctx))
      return -1;
    skip_ws(p);
    int c = peek(p);
    if (c != ',' && c != '}')
      return perr(p, c < 0 ? "expected ',' or '}', header ends" : "expected ',' or '}'");
    p->pos++;
    if (c == '}')
      return 0;
  }
}

typedef struct {
  RtTensor *t;
  int64_t off[2];
  unsigned seen; /* bit 0 dtype, 1 shape, 2 data_offsets */
} Entry;

static int entry_dtype(Parser *p, Entry *e) {
  const char *s;
  char nb[NAME_SHOWN + 4];
  if (parse_string(p, &s))
    return -1;
  for (int i = 0; i < NDTYPES; i++)
    if (!strcmp(s, DTYPES[i].name)) {
      e->t->dtype = (RtDType)i;
      return 0;
    }
  return perr(p, "unsupported dtype \"%s\" (F32, F64, I32, I64 are)", shown(s, nb));
}

static int entry_member(Parser *p, const char *key, void *ctx) {
  static const char *const fields[] = {"dtype", "shape", "data_offsets"};
  Entry *e = ctx;
  char nb[NAME_SHOWN + 4];
  int k = 0, count;
  while (k < 3 && strcmp(key, fields[k]))
    k++;
  if (k == 3)
    return perr(p, "unknown field \"%s\"", shown(key, nb));
  if (e->seen & (1u << k))
    return perr(p, "field \"%s\" given twice", key);
  e->seen |= 1u << k;
  if (k == 0)
    return entry_dtype(p, e);
  if (k == 1)
    return parse_int_array(p, "shape", e->t->shape, RT_MAX_DIMS, &e->t->ndim);
  if (parse_int_array(p, "data_offsets", e->off, 2, &count))
    return -1;
  return count == 2 ? 0 : perr(p, "data_offsets: expected [begin, end]");
}

/* Every length in the entry against the data section, before anything points into it. */
static int check_entry(Parser *p, const Entry *e, size_t datalen) {
  char sh[RT_MAX_DIMS * 21 + 3];
  int64_t bytes = tensor_bytes(e->t);
  fmt_shape(e->t->shape, e->t->ndim, sh, sizeof sh);
  if (bytes < 0)
    return perr(p, "shape %s is too large", sh);
  if (e->off[0] > e->off[1])
    return perr(p, "data_offsets [%" PRId64 ",%" PRId64 "] end before they begin", e->off[0],
                e->off[1]);
  if ((uint64_t)e->off[1] > datalen)
    return perr(p, "data_offsets [%" PRId64 ",%" PRId64 "] run past the data, which is %zu bytes",
                e->off[0], e->off[1], datalen);
  if (e->off[1] - e->off[0] != bytes)
    return perr(p,
                "data_offsets [%" PRId64 ",%" PRId64 "] hold %" PRId64
                " bytes, shape %s of %s needs %" PRId64,
                e->off[0], e->off[1], e->off[1] - e->off[0], sh, DTYPES[e->t->dtype].name, bytes);
  return 0;
}

static int grow(void **arr, int *cap, int need, size_t elem) {
  if (need <= *cap)
    return 0;
  int nc = *cap ? *cap * 2 : 16;
  void *q = realloc(*arr, (size_t)nc * elem);
  if (!q)
    return -1;
  *arr = q;
  *cap = nc;
  return 0;
}

static int parse_tensor(Parser *p, const char *name, size_t datalen) {
  RtStFile *f = p->f;
  if (grow((void **)&f->ts, &f->cap, f->nts + 1, sizeof *f->ts))
    return perr(p, "out of memory");
  Entry e = {&f->ts[f->nts], {0, 0}, 0};
  memset(e.t, 0, sizeof *e.t);
  e.t->name = name;
  p->entry = name;
  if (parse_object(p, entry_member, &e))
    return -1;
  if (e.seen != 7)
    return perr(p, "missing field \"%s\"",
                !(e.seen & 1)   ? "dtype"
                : !(e.seen & 2) ? "shape"
                                : "data_offsets");
  if (check_entry(p, &e, datalen))
    return -1;
  e.t->data = p->f->data + e.off[0];
  f->nts++;
  p->entry = NULL;
  return 0;
}

static int meta_member(Parser *p, const char *key, void *ctx) {
  RtStFile *f = ctx;
  const char *value;
  if (grow((void **)&f->meta, &f->metacap, f->nmeta + 1, sizeof *f->meta))
    return perr(p, "out of memory");
  skip_ws(p);
  if (peek(p) != '"')
    return perr(p, "__metadata__ values must be strings");
  if (parse_string(p, &value))
    return -1;
  f->meta[f->nmeta].key = key;
  f->meta[f->nmeta++].value = value;
  return 0;
}

typedef struct {
  size_t datalen;
  int seen_meta;
} Top;

static int top_member(Parser *p, const char *key, void *ctx) {
  Top *top = ctx;
  if (strcmp(key, "__metadata__"))
    return parse_tensor(p, key, top->datalen);
  if (top->seen_meta++)
    return perr(p, "__metadata__ given twice");
  return parse_object(p, meta_member, p->f);
}

static int parse_header(Parser *p, size_t datalen) {
  Top top = {datalen, 0};
  size_t bad = utf8_bad_at(p->s, p->n);
  if (bad < p->n) {
    p->pos = bad;
    return perr(p, "not valid UTF-8");
  }
  if (p->n == 0 || p->s[0] != '{')
    return perr(p, "the header must start with '{'");
  if (parse_object(p, top_member, &top))
    return -1;
  skip_ws(p);
  return p->pos == p->n ? 0 : perr(p, "unexpected bytes after the header object");
}

/* ---- reading: the file ------------------------------------------------------------------- */

static int read_full(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    got += (size_t)r;
  }
  return 0;
}

static int sort_and_check_names(RtStFile *f, const char *path, char *err, size_t errlen) {
  char nb[NAME_SHOWN + 4];
  f->byname = malloc((size_t)(f->nts ? f->nts : 1) * sizeof *f->byname);
  if (!f->byname) {
    rt_set_err(err, errlen, "%s: out of memory", path);
    return -1;
  }
  for (int i = 0; i < f->nts; i++)
    f->byname[i] = &f->ts[i];
  qsort(f->byname, (size_t)f->nts, sizeof *f->byname, cmp_name);
  if (f->nmeta)
    qsort(f->meta, (size_t)f->nmeta, sizeof *f->meta, cmp_str);
  for (int i = 1; i < f->nts; i++)
    if (!strcmp(f->byname[i]->name, f->byname[i - 1]->name)) {
      rt_set_err(err, errlen, "%s: tensor '%s' appears twice", path, shown(f->byname[i]->name, nb));
      return -1;
    }
  for (int i = 1; i < f->nmeta; i++)
    if (!strcmp(f->meta[i].key, f->meta[i - 1].key)) {
      rt_set_err(err, errlen, "%s: metadata key '%s' appears twice", path, shown(f->meta[i].key, nb));
      return -1;
    }
  return 0;
}

/* Byte order of tensor ranges: by begin, then end (the reference reader's sort). */
static int cmp_range(const void *a, const void *b) {
  const RtTensor *x = *(const RtTensor *const *)a, *y = *(const RtTensor *const *)b;
  if (x->data != y->data)
    return (const unsigned char *)x->data < (const unsigned char *)y->data ? -1 : 1;
  int64_t bx = tensor_bytes(x), by = tensor_bytes(y);
  return (bx > by) - (bx < by);
}

/* The tensors' byte ranges, sorted, must tile the data section exactly, as the reference
 * reader requires: no gap, no overlap, no byte after the last tensor.  Runs before
 * align_tensors, while each data pointer is still f->data plus its begin offset. */
static int check_coverage(RtStFile *f, const char *path, char *err, size_t errlen) {
  char nb[NAME_SHOWN + 4], nb2[NAME_SHOWN + 4];
  const RtTensor **v = malloc((size_t)(f->nts ? f->nts : 1) * sizeof *v);
  if (!v) {
    rt_set_err(err, errlen, "%s: out of memory", path);
    return -1;
  }
  for (int i = 0; i < f->nts; i++)
    v[i] = &f->ts[i];
  qsort(v, (size_t)f->nts, sizeof *v, cmp_range);
  size_t at = 0; /* end of the ranges so far */
  int rc = 0;
  for (int i = 0; i < f->nts && !rc; i++) {
    size_t begin = (size_t)((const unsigned char *)v[i]->data - f->data);
    size_t end = begin + (size_t)tensor_bytes(v[i]);
    if (begin > at)
      rt_set_err(err, errlen, "%s: data bytes [%zu,%zu) belong to no tensor (a gap before '%s')",
              path, at, begin, shown(v[i]->name, nb));
    else if (begin < at)
      rt_set_err(err, errlen, "%s: tensor '%s' (data_offsets [%zu,%zu]) overlaps tensor '%s'", path,
              shown(v[i]->name, nb), begin, end, shown(v[i - 1]->name, nb2));
    rc = begin != at;
    at = end;
  }
  if (!rc && at != f->datalen) {
    rt_set_err(err, errlen, "%s: %zu bytes of data after the last tensor's (the data section is %zu "
            "bytes, the tensors take %zu)", path, f->datalen - at, f->datalen, at);
    rc = 1;
  }
  free(v);
  return rc ? -1 : 0;
}

/* Give every tensor a data pointer aligned for its dtype. */
static int align_tensors(RtStFile *f, const char *path, char *err, size_t errlen) {
  f->copies = calloc((size_t)(f->nts ? f->nts : 1), sizeof *f->copies);
  if (!f->copies) {
    rt_set_err(err, errlen, "%s: out of memory", path);
    return -1;
  }
  for (int i = 0; i < f->nts; i++) {
    RtTensor *t = &f->ts[i];
    size_t bytes = (size_t)tensor_bytes(t);
    if (bytes == 0)
      t->data = f->data; /* nothing to read, but the pointer is aligned too (malloc's) */
    if ((uintptr_t)t->data % DTYPES[t->dtype].size == 0)
      continue;
    if (!(f->copies[i] = malloc(bytes))) {
      rt_set_err(err, errlen, "%s: out of memory", path);
      return -1;
    }
    memcpy(f->copies[i], t->data, bytes);
    t->data = f->copies[i];
  }
  return 0;
}

/* Reads the header length, the header and the data section of an open file of `size` bytes. */
static int read_image(RtStFile *f, int fd, const char *path, int64_t size, char *err,
                      size_t errlen) {
  unsigned char len8[8];
  if (size < 8) {
    rt_set_err(err, errlen, "%s: truncated: file has %" PRId64 " bytes, the header length alone is 8",
            path, size);
    return -1;
  }
  errno = 0;
  if (read_full(fd, len8, 8)) {
    rt_set_err(err, errlen, "%s: read error: %s", path, errno ? strerror(errno) : "file shrank");
    return -1;
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--)
    n = n << 8 | len8[i];
  if (n > MAX_HEADER) {
    rt_set_err(err, errlen, "%s: header length %" PRIu64 " is over the %u-byte limit", path, n,
            MAX_HEADER);
    return -1;
  }
  if (n > (uint64_t)size - 8) {
    rt_set_err(err, errlen, "%s: truncated: header says %" PRIu64 " bytes, file has %" PRId64, path, n,
            size);
    return -1;
  }
  if (n % 8) {
    rt_set_err(err, errlen,
            "%s: header length %" PRIu64 " is not a multiple of 8 (writers pad the header with "
            "spaces)",
            path, n);
    return -1;
  }
  size_t datalen = (size_t)((uint64_t)size - 8 - n);
  f->datalen = datalen;
  unsigned char *hdr = malloc((size_t)n + 1);
  f->pool = malloc((size_t)n + 1);
  f->data = malloc(datalen ? datalen : 1);
  if (!hdr || !f->pool || !f->data) {
    free(hdr);
    rt_set_err(err, errlen, "%s: out of memory for a %" PRId64 "-byte file", path, size);
    return -1;
  }
  errno = 0;
  if (read_full(fd, hdr, (size_t)n) || read_full(fd, f->data, datalen)) {
    free(hdr);
    rt_set_err(err, errlen, "%s: read error: %s", path,
            errno ? strerror(errno) : "file shrank while reading");
    return -1;
  }
  Parser p = {path, hdr, (size_t)n, 0, f->pool, 0, NULL, f, err, errlen};
  int rc = parse_header(&p, datalen);
  free(hdr);
  return rc;
}

RtStFile *rt_st_open(const char *path, char *err, size_t errlen) {
  struct stat st;
  int fd = rt_open_regular(path, err, errlen); /* a FIFO must not block us */
  if (fd < 0)
    return NULL;
  RtStFile *f = calloc(1, sizeof *f);
  int rc = -1;
  if (!f)
    rt_set_err(err, errlen, "%s: out of memory", path);
  else if (fstat(fd, &st))
    rt_set_err(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
  else
    rc = read_image(f, fd, path, (int64_t)st.st_size, err, errlen);
  close(fd);
  if (!rc)
    rc = sort_and_check_names(f, path, err, errlen);
  if (!rc)
    rc = check_coverage(f, path, err, errlen);
  if (!rc)
    rc = align_tensors(f, path, err, errlen);
  if (rc) {
    rt_st_close(f);
    return NULL;
  }
  return f;
}

void rt_st_close(RtStFile *f) {
  if (!f)
    return;
  for (int i = 0; f->copies && i < f->nts; i++)
    free(f->copies[i]);
  free(f->copies);
  free(f->ts);
  free(f->byname);
  free(f->meta);
  free(f->pool);
  free(f->data);
  free(f);
}

int rt_st_count(const RtStFile *f) { return f->nts; }

const RtTensor *rt_st_get(const RtStFile *f, int i) {
  return i >= 0 && i < f->nts ? &f->ts[i] : NULL;
}

const RtTensor *rt_st_find(const RtStFile *f, const char *name) {
  RtTensor key = {.name = name};
  const RtTensor *kp = &key;
  const RtTensor **hit = bsearch(&kp, f->byname, (size_t)f->nts, sizeof *f->byname, cmp_name);
  return hit ? *hit : NULL;
}

const char *rt_st_meta(const RtStFile *f, const char *key) {
  RtMeta k = {key, NULL};
  if (!f->nmeta)
    return NULL;
  const RtMeta *hit = bsearch(&k, f->meta, (size_t)f->nmeta, sizeof *f->meta, cmp_str);
  return hit ? hit->value : NULL;
}

/* ---- loading into a model ------------------------------------------------------------------ */

/* "dlc.step": optional '-', then decimal digits, within int64 (INT64_MIN included). */
static int parse_step(const char *s, int64_t *out) {
  int neg = *s == '-';
  uint64_t v = 0, max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  s += neg;
  if (!*s)
    return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
      return -1;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *out = !neg ? (int64_t)v : v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
  return 0;
}

static int check_meta(const RtStFile *f, const char *path, const char *graph_hash, int64_t *step,
                      char *err, size_t errlen) {
  char b1[NAME_SHOWN + 4], b2[NAME_SHOWN + 4];
  const char *h = rt_st_meta(f, "dlc.graph_hash"), *s = rt_st_meta(f, "dlc.step");
  if (h && graph_hash && strcmp(h, graph_hash)) {
    rt_set_err(err, errlen,
            "%s: graph hash %s in file, %s expected: the checkpoint is of another model", path,
            shown(h, b1), shown(graph_hash, b2));
    return -1;
  }
  *step = 0;
  if (s && parse_step(s, step)) {
    rt_set_err(err, errlen, "%s: metadata dlc.step \"%s\" is not a decimal integer", path,
            shown(s, b1));
    return -1;
  }
  return 0;
}

/* The dtype ts[i]'s buffer holds: `want` for floating tensors, its own for integer ones. */
static RtDType dest_dtype(const RtTensor *t, RtDType want) {
  return is_float(t->dtype) ? want : t->dtype;
}

/* A finite F64 value beyond the F32 range cannot be converted (and C leaves it undefined). */
static int64_t first_unconvertible(const RtTensor *src, RtDType dst) {
  if (src->dtype != RT_F64 || dst != RT_F32)
    return -1;
  const double *v = src->data;
  for (int64_t i = 0, n = rt_tensor_numel(src); i < n; i++)
    if (isfinite(v[i]) && fabs(v[i]) > FLT_MAX)
      return i;
  return -1;
}

static int check_one(const RtStFile *f, const char *path, const RtTensor *t, RtDType want,
                     char *err, size_t errlen) {
  char s1[RT_MAX_DIMS * 21 + 3], s2[RT_MAX_DIMS * 21 + 3];
  const RtTensor *src = rt_st_find(f, t->name);
  RtDType dst = dest_dtype(t, want);
  if (!src) {
    if (t->optional)
      return 0;
    rt_set_err(err, errlen, "%s: %s: missing from the file", path, t->name);
    return -1;
  }
  int same = src->ndim == t->ndim;
  for (int d = 0; same && d < t->ndim; d++)
    same = src->shape[d] == t->shape[d];
  if (!same) {
    fmt_shape(src->shape, src->ndim, s1, sizeof s1);
    fmt_shape(t->shape, t->ndim, s2, sizeof s2);
    rt_set_err(err, errlen, "%s: %s: shape %s in file, %s expected", path, t->name, s1, s2);
    return -1;
  }
  if (src->dtype != dst && !(is_float(src->dtype) && is_float(dst))) {
    rt_set_err(err, errlen, "%s: %s: dtype %s in file, %s expected", path, t->name,
            DTYPES[src->dtype].name, rt_dtype_name(dst));
    return -1;
  }
  int64_t bad = first_unconvertible(src, dst);
  if (bad >= 0) {
    rt_set_err(err, errlen, "%s: %s: element %" PRId64 " (%g) does not fit in F32", path, t->name, bad,
            ((const double *)src->data)[bad]);
    return -1;
  }
  return 0;
}

/* A file tensor the model may lack: optimizer state it does not keep (an inference build,
 * another optimizer), PyTorch's batch-norm step counter (dlc's momentum does not use it). */
static int ignorable(const char *name) {
  size_t nl = strlen(name), sl = strlen(".num_batches_tracked");
  return !strncmp(name, "optim.", 6) || (nl >= sl && !strcmp(name + nl - sl, ".num_batches_tracked"));
}

/* Every model tensor checked against the file (rt_st_find: a binary search), then every file
 * tensor looked up among the model's names, sorted once: O((n + m) log n), not n x m. */
static int check_model(const RtStFile *f, const char *path, const RtTensor *ts, int n, RtDType want,
                       char *err, size_t errlen) {
  for (int i = 0; i < n; i++) {
    if (!ts[i].name || !dtype_ok(ts[i].dtype) || tensor_bytes(&ts[i]) < 0 ||
        (!ts[i].data && rt_tensor_numel(&ts[i]) > 0)) {
      rt_set_err(err, errlen, "%s: tensor %d of the model is malformed (name, dtype, shape or buffer)",
              path, i);
      return -1;
    }
    if (check_one(f, path, &ts[i], want, err, errlen))
      return -1;
  }
  const char **names = malloc((size_t)(n ? n : 1) * sizeof *names);
  if (!names) {
    rt_set_err(err, errlen, "%s: out of memory", path);
    return -1;
  }
  for (int i = 0; i < n; i++)
    names[i] = ts[i].name;
  qsort(names, (size_t)n, sizeof *names, cmp_str);
  int rc = 0;
  for (int j = 0; j < f->nts && !rc; j++) {
    const char *key = f->ts[j].name;
    if (ignorable(key) || bsearch(&key, names, (size_t)n, sizeof *names, cmp_str))
      continue;
    char nb[NAME_SHOWN + 4];
    rt_set_err(err, errlen, "%s: %s: in the file but not in the model", path, shown(key, nb));
    rc = -1;
  }
  free(names);
  return rc;
}

static void copy_in(const RtStFile *f, RtTensor *t, RtDType want) {
  const RtTensor *src = rt_st_find(f, t->name);
  RtDType dst = dest_dtype(t, want);
  int64_t n = rt_tensor_numel(t);
  if (!src && t->optional == 2)
    return; /* absent: keeps the value it has (the learning rate from _init) */
  if (!src)
    memset(t->data, 0, (size_t)n * DTYPES[dst].size);
  else if (src->dtype == dst)
    memcpy(t->data, src->data, (size_t)n * DTYPES[dst].size);
  else if (dst == RT_F64)
    for (int64_t i = 0; i < n; i++)
      ((double *)t->data)[i] = ((const float *)src->data)[i];
  else
    for (int64_t i = 0; i < n; i++)
      ((float *)t->data)[i] = (float)((const double *)src->data)[i];
}

int rt_st_load(const char *path, RtTensor *ts, int n, RtDType want, const char *graph_hash,
               int64_t *step, char *err, size_t errlen) {
  int64_t s = 0;
  if (!is_float(want) || n < 0 || (n > 0 && !ts)) {
    rt_set_err(err, errlen, "%s: load: bad arguments (want must be F32 or F64)", path);
    return -1;
  }
  RtStFile *f = rt_st_open(path, err, errlen);
  if (!f)
    return -1;
  /* tensors first: a checkpoint of another model is refused naming the tensor that differs */
  int rc = check_model(f, path, ts, n, want, err, errlen);
  if (!rc)
    rc = check_meta(f, path, graph_hash, &s, err, errlen);
  for (int i = 0; !rc && i < n; i++)
    if (rt_tensor_numel(&ts[i]) > 0)
      copy_in(f, &ts[i], want);
  if (!rc && step)
    *step = s;
  rt_st_close(f);
  return rc;
}

/* ---- initializing from another model's file (dlc train --init) ---------------------------------- */

/* Why file tensor src cannot initialize model tensor t, into buf; NULL when it can. */
static const char *init_mismatch(const RtTensor *src, const RtTensor *t, RtDType want, char *buf, size_t len) {
  char s1[RT_MAX_DIMS * 21 + 3], s2[RT_MAX_DIMS * 21 + 3];
  RtDType dst = dest_dtype(t, want);
  int same = src->ndim == t->ndim;
  for (int d = 0; same && d < t->ndim; d++)
    same = src->shape[d] == t->shape[d];
  if (!same) {
    fmt_shape(src->shape, src->ndim, s1, sizeof s1);
    fmt_shape(t->shape, t->ndim, s2, sizeof s2);
    snprintf(buf, len, "shape %s in the file, %s in the model", s1, s2);
    return buf;
  }
  if (src->dtype != dst && !(is_float(src->dtype) && is_float(dst))) {
    snprintf(buf, len, "dtype %s in the file, %s in the model", DTYPES[src->dtype].name, rt_dtype_name(dst));
    return buf;
  }
  int64_t bad = first_unconvertible(src, dst);
  if (bad >= 0) {
    snprintf(buf, len, "element %" PRId64 " (%g) does not fit in F32", bad, ((const double *)src->data)[bad]);
    return buf;
  }
  return NULL;
}

static const RtTensor *const *sorted_model(const RtTensor *ts, int n) {
  const RtTensor **v = malloc((size_t)(n ? n : 1) * sizeof *v);
  if (!v)
    return NULL;
  for (int i = 0; i < n; i++)
    v[i] = &ts[i];
  qsort(v, (size_t)n, sizeof *v, cmp_name);
  return v;
}

static const RtTensor *find_model(const RtTensor *const *byname, int n, const char *name) {
  RtTensor key = {.name = name};
  const RtTensor *kp = &key;
  const RtTensor *const *hit = bsearch(&kp, byname, (size_t)n, sizeof *byname, cmp_name);
  return hit ? *hit : NULL;
}

static void init_item(FILE *out, int *first, const char *name, const char *what) {
  char nb[NAME_SHOWN + 4];
  fprintf(out, "%s%s%s%s", *first ? " " : ", ", shown(name, nb), what ? " " : "", what ? what : "");
  *first = 0;
}

/* The report: the model's tensors loaded, the file's skipped (optimizer state only counted),
 * the model's left at their initializer. */
static void init_report(FILE *out, const char *path, const RtStFile *f, const RtTensor *ts, int n,
                        const char *ok, int loaded, const RtTensor *const *byname, RtDType want) {
  char sh[RT_MAX_DIMS * 21 + 3], why[2 * (RT_MAX_DIMS * 21 + 3) + 64];
  int skipped = 0, state = 0, first = 1;
  for (int j = 0; j < f->nts; j++) {
    const RtTensor *t = find_model(byname, n, f->ts[j].name);
    state += !t && !strncmp(f->ts[j].name, "optim.", 6);
    skipped += !t ? strncmp(f->ts[j].name, "optim.", 6) != 0 : !ok[t - ts];
  }
  fprintf(out, "init from %s: loaded %d of the model's %d tensors, skipped %d of the file's %d, left %d at their initializer\n",
          path, loaded, n, skipped, f->nts, n - loaded); /* the user's own argument, shown whole as elsewhere */
  fprintf(out, "  loaded %d:", loaded);
  for (int i = 0; i < n; i++)
    if (ok[i]) {
      fmt_shape(ts[i].shape, ts[i].ndim, sh, sizeof sh);
      init_item(out, &first, ts[i].name, sh);
    }
  fprintf(out, "\n  skipped %d:%s", skipped, skipped ? "" : " none");
  first = 1;
  for (int j = 0; j < f->nts; j++) {
    const RtTensor *src = &f->ts[j], *t = find_model(byname, n, src->name);
    if (t && !ok[t - ts]) {
      init_mismatch(src, t, want, why + 1, sizeof why - 2);
      why[0] = '(';
      strcat(why, ")");
      init_item(out, &first, src->name, why);
    } else if (!t && strncmp(src->name, "optim.", 6))
      init_item(out, &first, src->name, "(not in the model)");
  }
  fprintf(out, "\n  left at their initializer %d:%s", n - loaded, n - loaded ? "" : " none");
  first = 1;
  for (int i = 0; i < n; i++)
    if (!ok[i])
      init_item(out, &first, ts[i].name, NULL);
  fprintf(out, "\n");
  if (state)
    fprintf(out, "  not used: the file's optimizer state (%d tensors): the optimizer starts fresh\n", state);
}

int rt_st_init(const char *path, RtTensor *ts, int n, RtDType want, FILE *out, char *err, size_t errlen) {
  char why[2 * (RT_MAX_DIMS * 21 + 3) + 64];
  if (!is_float(want) || n < 0 || (n > 0 && !ts)) {
    rt_set_err(err, errlen, "%s: init: bad arguments (want must be F32 or F64)", path);
    return -1;
  }
  for (int i = 0; i < n; i++)
    if (!ts[i].name || !dtype_ok(ts[i].dtype) || tensor_bytes(&ts[i]) < 0 || (!ts[i].data && rt_tensor_numel(&ts[i]) > 0)) {
      rt_set_err(err, errlen, "%s: tensor %d of the model is malformed (name, dtype, shape or buffer)", path, i);
      return -1;
    }
  RtStFile *f = rt_st_open(path, err, errlen);
  if (!f)
    return -1;
  char *ok = calloc((size_t)(n ? n : 1), 1);
  const RtTensor *const *byname = sorted_model(ts, n);
  int loaded = 0, rc = 0;
  if (!ok || !byname) {
    rt_set_err(err, errlen, "%s: out of memory", path);
    rc = -1;
  }
  for (int i = 0; !rc && i < n; i++) {
    const RtTensor *src = rt_st_find(f, ts[i].name);
    ok[i] = src && !init_mismatch(src, &ts[i], want, why, sizeof why);
    loaded += ok[i];
  }
  if (!rc && !loaded) {
    char nb[NAME_SHOWN + 4];
    rt_set_err(err, errlen, "%s: nothing to initialize from: none of the file's %d tensors has the name and shape "
               "of one of the model's %d (such as %s)", path, f->nts, n, n ? shown(ts[0].name, nb) : "none");
    rc = -1;
  }
  for (int i = 0; !rc && i < n; i++)
    if (ok[i] && rt_tensor_numel(&ts[i]) > 0)
      copy_in(f, &ts[i], want);
  if (!rc && out)
    init_report(out, path, f, ts, n, ok, loaded, byname, want);
  free(ok);
  free((void *)byname);
  rt_st_close(f);
  return rc;
}

/* ---- writing ----------------------------------------------------------------------------------
 */

typedef struct {
  char *p;
  size_t len, cap;
  int oom;
} Buf;

static void buf_put(Buf *b, const char *s, size_t n) {
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t nc = (b->len + n + 1) * 2;
    char *q = realloc(b->p, nc);
    if (!q) {
      b->oom = 1;
      return;
    }
    b->p = q;
    b->cap = nc;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void buf_str(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }

/* s as a JSON string (dlc_text.h's RT_ESC_JSON: quotes, backslashes and controls escaped). */
static void buf_json(Buf *b, const char *s) {
  char *e = rt_escape(s, RT_ESC_JSON);
  if (!e) {
    b->oom = 1;
    return;
  }
  buf_put(b, "\"", 1);
  buf_str(b, e);
  buf_put(b, "\"", 1);
  free(e);
}

static void buf_tensor(Buf *b, const RtTensor *t, uint64_t begin, uint64_t end) {
  char num[48];
  buf_json(b, t->name);
  buf_str(b, ":{\"dtype\":\"");
  buf_str(b, DTYPES[t->dtype].name);
  buf_str(b, "\",\"shape\":[");
  for (int d = 0; d < t->ndim; d++) {
    snprintf(num, sizeof num, "%s%" PRId64, d ? "," : "", t->shape[d]);
    buf_str(b, num);
  }
  snprintf(num, sizeof num, "],\"data_offsets\":[%" PRIu64 ",%" PRIu64 "]}", begin, end);
  buf_str(b, num);
}

/* The JSON header, padded with spaces to a multiple of 8 bytes; NULL when out of memory. */
static char *build_header(const RtTensor *ts, int n, const RtMeta *meta, int nmeta, size_t *len) {
  Buf b = {0};
  uint64_t off = 0;
  buf_str(&b, "{");
  if (nmeta > 0) {
    buf_str(&b, "\"__metadata__\":{");
    for (int i = 0; i < nmeta; i++) {
      buf_str(&b, i ? "," : "");
      buf_json(&b, meta[i].key);
      buf_str(&b, ":");
      buf_json(&b, meta[i].value);
    }
    buf_str(&b, n > 0 ? "}," : "}");
  }
  for (int i = 0; i < n; i++) {
    uint64_t bytes = (uint64_t)tensor_bytes(&ts[i]);
    buf_str(&b, i ? "," : "");
    buf_tensor(&b, &ts[i], off, off + bytes);
    off += bytes;
  }
  buf_str(&b, "}");
  while (b.len % 8)
    buf_str(&b, " ");
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  *len = b.len;
  return b.p;
}

static int bad_string(const char *s) {
  return !s || utf8_bad_at((const unsigned char *)s, strlen(s)) != strlen(s);
}

/* The first duplicate among n strings at stride `stride` bytes from base, or NULL. */
static const char *first_duplicate(const void *base, int n, size_t stride) {
  const char **v = malloc((size_t)(n ? n : 1) * sizeof *v), *dup = NULL;
  if (!v)
    return NULL;
  for (int i = 0; i < n; i++)
    v[i] = *(const char *const *)((const char *)base + (size_t)i * stride);
  qsort(v, (size_t)n, sizeof *v, cmp_str);
  for (int i = 1; i < n && !dup; i++)
    if (!strcmp(v[i], v[i - 1]))
      dup = v[i];
  free(v);
  return dup;
}

static int check_save_args(const char *path, const RtTensor *ts, int n, const RtMeta *meta,
                           int nmeta, char *err, size_t errlen) {
  const char *dup;
  if (n < 0 || nmeta < 0 || (n > 0 && !ts) || (nmeta > 0 && !meta)) {
    rt_set_err(err, errlen, "%s: save: bad tensor or metadata count", path);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    const RtTensor *t = &ts[i];
    const char *why = bad_string(t->name)                 ? "its name is missing or not UTF-8"
                      : !strcmp(t->name, "__metadata__")  ? "__metadata__ is reserved"
                      : tensor_bytes(t) < 0               ? "bad dtype or shape"
                      : (!t->data && tensor_bytes(t) > 0) ? "no data"
                                                          : NULL;
    if (why) {
      rt_set_err(err, errlen, "%s: save: tensor %d (%s): %s", path, i, t->name ? t->name : "?", why);
      return -1;
    }
  }
  for (int i = 0; i < nmeta; i++)
    if (bad_string(meta[i].key) || bad_string(meta[i].value)) {
      rt_set_err(err, errlen, "%s: save: metadata %d: key or value missing or not UTF-8", path, i);
      return -1;
    }
  if ((dup = first_duplicate(ts, n, sizeof *ts)) ||
      (dup = first_duplicate(meta, nmeta, sizeof *meta))) {
    rt_set_err(err, errlen, "%s: save: '%s' given twice", path, dup);
    return -1;
  }
  return 0;
}

typedef struct {
  const char *hdr;
  size_t hlen;
  const RtTensor *ts;
  int n;
} Contents;

/* rt_write_atomic's writer: header length, header, then each tensor's bytes. */
static int write_contents(FILE *fp, void *ctx) {
  const Contents *c = ctx;
  unsigned char len8[8];
  for (int i = 0; i < 8; i++)
    len8[i] = (unsigned char)((uint64_t)c->hlen >> (8 * i));
  if (fwrite(len8, 1, 8, fp) != 8 || fwrite(c->hdr, 1, c->hlen, fp) != c->hlen)
    return -1;
  for (int i = 0; i < c->n; i++) {
    size_t bytes = (size_t)tensor_bytes(&c->ts[i]);
    if (bytes && fwrite(c->ts[i].data, 1, bytes, fp) != bytes)
      return -1;
  }
  return 0;
}

int rt_st_save(const char *path, const RtTensor *ts, int n, const RtMeta *meta, int nmeta,
               char *err, size_t errlen) {
  size_t hlen = 0;
  if (check_save_args(path, ts, n, meta, nmeta, err, errlen))
    return -1;
  char *hdr = build_header(ts, n, meta, nmeta, &hlen);
  if (!hdr) {
    rt_set_err(err, errlen, "%s: save: out of memory", path);
    return -1;
  }
  Contents c = {hdr, hlen, ts, n};
  int rc = rt_write_atomic(path, write_contents, &c, err, errlen);
  free(hdr);
  return rc;
}
