/* prep.c - what `dlc train` does with a loaded data set (dlc_data.h): its release, its checks
 * against a model (feature count, labels within the model's classes), class names matched to
 * a model's and carried in checkpoint metadata, normalization (scale, minmax, zscore: fitted
 * on the training rows only, and written to and read back from checkpoint metadata bit for
 * bit), seeded shuffles and validation splits, and augmentation (flips, crops, shifts).
 *
 * Invariants.  Nothing here reads a file, but names and metadata strings may come from one
 * (a CSV's class names, a checkpoint's metadata): they are checked (no empty or duplicate
 * class name, counts bounded by RT_MAX_CLASSES and the model's input) and quoted in errors
 * only through shown().  A function that fails leaves its outputs empty or as they were and
 * writes one line into err.  Random choices use rt_uniform01 on streams named "dlc.shuffle",
 * "dlc.split", "dlc.hflip", "dlc.crop" and "dlc.shift" (plus the epoch), disjoint from the
 * initializers' per-tensor streams in practice, so every shuffle, split, flip, crop and shift
 * is a pure function of the seed and its indices. */
#define _POSIX_C_SOURCE 200809L
#include "data_internal.h"
#include "dlc_data.h"
#include "dlc_rt.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a data set's memory -------------------------------------------------------------------- */

void rt_data_free(RtData *d) {
  free(d->x);
  free(d->y);
  free(d->yf);
  if (d->class_names)
    rt_classes_free(d->class_names, d->classes);
  for (int64_t j = 0; d->feature_names && j < d->dim; j++)
    free(d->feature_names[j]);
  free(d->feature_names);
  memset(d, 0, sizeof *d);
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
    rt_set_err(err, errlen, "%s: the model has %d class names", what, n);
    return NULL;
  }
  Named *v = malloc((size_t)n * sizeof *v);
  if (!v) {
    rt_set_err(err, errlen, "%s: out of memory", what);
    return NULL;
  }
  for (int i = 0; i < n; i++)
    v[i] = (Named){names[i], i};
  qsort(v, (size_t)n, sizeof *v, cmp_str);
  for (int i = 0; i < n; i++)
    if (!*v[i].name || (i && !strcmp(v[i].name, v[i - 1].name))) {
      rt_set_err(err, errlen, "%s: the model's class names have %s '%s'", what,
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
  char **copy = map ? rt_classes_copy(names, n) : NULL;
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

char **rt_classes_copy(const char *const *names, int n) {
  char **v = calloc((size_t)(n ? n : 1), sizeof *v);
  for (int i = 0; v && i < n; i++)
    if (!(v[i] = strdup(names[i]))) {
      rt_classes_free(v, i);
      return NULL;
    }
  return v;
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

/* ---- augmentation ----------------------------------------------------------------------------- */

int rt_augment_parse(const char *s, RtAugment *a) {
  RtAugment r = {0, 0, 0};
  if (!strcmp(s, "none")) {
    *a = r;
    return 0;
  }
  const char *p = s;
  for (;;) {
    size_t n = strcspn(p, ",");
    if (n == 5 && !strncmp(p, "hflip", 5) && !r.hflip) {
      r.hflip = 1;
    } else if (n == 5 && !strncmp(p, "shift", 5) && !r.shift) {
      r.shift = 1;
    } else if (n > 5 && n <= 9 && !strncmp(p, "crop:", 5) && !r.crop) {
      int v = 0;
      for (size_t i = 5; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
      }
      if (v < 1 || v > RT_AUGMENT_MAX_CROP || p[5] == '0') return -1;
      r.crop = v;
    } else {
      return -1;
    }
    if (!p[n]) break;
    p += n + 1;
  }
  *a = r;
  return 0;
}

void rt_augment_str(const RtAugment *a, char *buf, size_t n) {
  char crop[24] = "";
  if (a->crop) snprintf(crop, sizeof crop, "crop:%d", a->crop);
  if (!rt_augment_any(a)) {
    snprintf(buf, n, "none");
    return;
  }
  snprintf(buf, n, "%s%s%s%s%s", a->hflip ? "hflip" : "", a->hflip && a->crop ? "," : "", crop,
           (a->hflip || a->crop) && a->shift ? "," : "", a->shift ? "shift" : "");
}

int rt_augment_any(const RtAugment *a) { return a->hflip || a->crop || a->shift; }

void rt_translate(float *x, int c, int h, int w, int dy, int dx, float *scratch) {
  if (!dy && !dx) return;
  for (int ch = 0; ch < c; ch++) {
    float *img = x + (int64_t)ch * h * w;
    memcpy(scratch, img, (size_t)h * (size_t)w * sizeof *img);
    for (int y = 0; y < h; y++)
      for (int xx = 0; xx < w; xx++) {
        int sy = y + dy, sx = xx + dx;
        img[(int64_t)y * w + xx] = sy >= 0 && sy < h && sx >= 0 && sx < w ? scratch[(int64_t)sy * w + sx] : 0.0f;
      }
  }
}

/* A whole number in [-k, k], uniform: draw i of stream `name` + epoch for the sample. */
static int draw_offset(const char *name, int k, uint64_t seed, uint64_t epoch, int64_t sample, int i) {
  double u = rt_uniform01(seed, rt_hash_name(name) + epoch, 2 * (uint64_t)sample + (uint64_t)i);
  return (int)floor(u * (2 * k + 1)) - k;
}

void rt_augment(float *x, int c, int h, int w, const RtAugment *a, uint64_t seed, uint64_t epoch, int64_t sample,
                float *scratch) {
  if (a->hflip && rt_hflip_draw(seed, epoch, sample)) rt_hflip(x, c, h, w);
  if (a->crop) {
    int dy = draw_offset("dlc.crop", a->crop, seed, epoch, sample, 0);
    int dx = draw_offset("dlc.crop", a->crop, seed, epoch, sample, 1);
    rt_translate(x, c, h, w, dy, dx, scratch);
  }
  if (a->shift) {
    int sh = h / 10 > 1 ? h / 10 : 1, sw = w / 10 > 1 ? w / 10 : 1;
    int dy = draw_offset("dlc.shift", sh, seed, epoch, sample, 0);
    int dx = draw_offset("dlc.shift", sw, seed, epoch, sample, 1);
    rt_translate(x, c, h, w, dy, dx, scratch);
  }
}
