/* csv.c - the CSV loader of `dlc train` (rt_load_csv, dlc_data.h): numeric feature columns and
 * an optional label column (class indices, class names or float targets), a header line
 * detected or implied by the label's name, quoted fields, a UTF-8 BOM and CRLF line ends.
 *
 * Invariants.  The file comes through the loaders' one reader (rt_read_upto, idx.c): only a
 * regular file is opened, gzip is inflated with every zlib status checked, and a gzip stream
 * that ends early is an error, not a short file.  The text is below CSV_MAX_BYTES and holds
 * no NUL byte; it is parsed in place in one NUL-terminated buffer.  Nothing in the file is
 * trusted: buffers grow only as data actually arrives (a line of millions of fields costs
 * memory only for what the file holds), field and column counts are int64 and bounded by
 * RT_CSV_MAX_COLUMNS, values by RT_DATA_MAX_VALUES and classes by RT_MAX_CLASSES, and every
 * cell must be a finite number within float range (a class name: well-formed UTF-8 without
 * control characters).  Every line has as many fields as the first.  The loader fills its
 * RtData completely or leaves it zeroed; each error is one line that starts with the file's
 * path and, for a cell, its line and column. */
#define _POSIX_C_SOURCE 200809L
#include "data_internal.h"
#include "dlc_data.h"
#include "dlc_rt.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS0 4096                       /* values in the first CSV rows allocated */
#define CSV_MAX_BYTES ((int64_t)1 << 31) /* largest CSV file (uncompressed) */
#define LIST_SHOWN 160                   /* bytes of a header listed in an error */

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
  unsigned char *raw;
  int64_t have;
  int cut;
  if (rt_read_upto(c->path, CSV_MAX_BYTES, "the text", &raw, &have, &cut, c->err, c->errlen))
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
  d->class_names = rt_classes_copy((const char *const *)u, d->classes);
  for (int64_t i = 0; d->y && d->class_names && i < c->n; i++)
    d->y[i] = (int32_t)((char **)bsearch(&c->names[i], u, (size_t)k, sizeof *u, cmp_str) - u);
  free(u);
  if (!d->y || !d->class_names)
    return fail(c->err, c->errlen, "%s: out of memory", c->path);
  return 0;
}

/* The features' names for messages (col_name), when there are few enough. */
static int feature_names(Csv *c, RtData *d) {
  if (c->dim > RT_CSV_NAMED_FEATURES)
    return 0;
  if (!(d->feature_names = calloc((size_t)c->dim + 1, sizeof *d->feature_names)))
    return fail(c->err, c->errlen, "%s: out of memory", c->path);
  char cb[80];
  for (int64_t j = 0, k = 0; j < c->ncols; j++)
    if (j != c->lab && !(d->feature_names[k++] = strdup(col_name(c, j, cb, sizeof cb))))
      return fail(c->err, c->errlen, "%s: out of memory", c->path);
  return 0;
}

/* Hand the arrays over to d. */
static int csv_finish(Csv *c, RtData *d) {
  d->n = c->n;
  d->dim = c->dim;
  d->has_header = c->head != NULL;
  if (feature_names(c, d))
    return -1;
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
