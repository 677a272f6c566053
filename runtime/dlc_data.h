/* dlc_data.h - data for `dlc train`: IDX and CSV loaders, the checks of a data set against a
 * model, preprocessing (scale, minmax, zscore) with statistics that travel in a checkpoint's
 * metadata, seeded shuffles and validation splits, and horizontal-flip augmentation.
 *
 * Invariants: functions that can fail return 0 or -1.  A loader either fills the whole RtData
 * or leaves it zeroed and writes a one-line reason that starts with the file's path into err;
 * nothing is truncated or clamped silently.
 * Every random choice (shuffle, split, flip) is a pure function of the seed and its indices,
 * drawn through rt_uniform01 (rng.c) on streams of its own. */
#ifndef DLC_DATA_H
#define DLC_DATA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef RT_FASHION_MNIST_DIR /* where Debian's dataset-fashion-mnist installs it */
#define RT_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
#endif
/* Most values (samples x features) a loader takes, most classes a data set may have, and most
 * fields on one CSV line (a line with more is refused: its pointers alone would take 128 MiB). */
#define RT_DATA_MAX_VALUES ((int64_t)1 << 31)
#define RT_MAX_CLASSES 65536
#define RT_CSV_MAX_COLUMNS ((int64_t)1 << 24)

/* Files, for both loaders.  Only a regular file is read: a FIFO, device, socket or directory is
 * refused at once ("PATH: not a regular file (a FIFO)"), never waited on.  A file whose first
 * two bytes are the gzip magic 1f 8b is gzip, anything else plain.  A gzip file may hold
 * several members one after the other (as `cat a.gz b.gz` makes, RFC 1952 section 2.2): their
 * data is one stream, as gzip -d gives it.  After the last member the file must end: any other
 * byte, zero padding included, is refused ("bytes after the end of the gzip data that do not
 * start another gzip member"), as are a member cut short and a bad CRC-32 or length. */

/* Checkpoint metadata keys for what evaluation must reapply (values from rt_norm_to_meta and
 * rt_classes_to_meta). */
#define RT_META_NORM "dlc.norm"             /* normalization kind: none|scale|minmax|zscore */
#define RT_META_NORM_SHIFT "dlc.norm.shift" /* comma-separated per-feature shifts */
#define RT_META_NORM_DIV "dlc.norm.div"     /* comma-separated per-feature divisors */
#define RT_META_CLASSES "dlc.classes"       /* class names, one per line */

/* ---- data sets ----------------------------------------------------------------------------- */
typedef struct {
  int64_t n, dim;     /* samples; features per sample */
  int c, h, w;        /* image geometry when known (c*h*w == dim), else all 0 */
  float *x;           /* n*dim, row-major, raw values (IDX bytes as 0..255) */
  int32_t *y;         /* n class indices in [0, classes), or NULL */
  float *yf;          /* n*ydim float targets (regression), or NULL */
  int ydim;           /* values per sample in yf, 0 without yf */
  int classes;        /* with y: 1 + the largest label, or the number of class names */
  char **class_names; /* NULL, or `classes` names (CSV string labels in strcmp order) */
  int has_header;     /* CSV: 1 when the first line was taken as a header */
  char **feature_names; /* CSV with at most RT_CSV_NAMED_FEATURES features: dim names for messages,
                           "column 3 ('x3')" (escaped) or "column 3"; else NULL */
} RtData;

enum { RT_CSV_NAMED_FEATURES = 4096 };

/* Load an IDX pair, plain or gzip-compressed (either is detected from the content).  Images:
 * magic 00 00 08 NDIM (unsigned bytes) with NDIM 2 (N, features: no geometry), 3 (N, H, W: one
 * channel) or 4 (N, C, H, W); big-endian 32-bit dimensions, all non-zero.  Labels: 00 00 08 01,
 * one byte per sample; `labels` may be NULL (then y is NULL and classes 0).  Refused, naming
 * the file: empty or truncated files (expected and found byte counts; a gzip stream that ends
 * early says so), a bad magic, a data type other than unsigned byte, a labels file where images
 * belong or the reverse, more than RT_DATA_MAX_VALUES values or an image side (C, H or W) over
 * INT_MAX (both before any data is read), trailing bytes after the data (found by one small
 * read past it: a header followed by gigabytes of zeros costs one read, not inflating them),
 * gzip corruption (zlib's message), image and label counts that differ.  Memory grows with the
 * data actually read, so a header that claims more than the file holds costs nothing. */
int rt_load_idx(const char *images, const char *labels, RtData *d, char *err, size_t errlen);

/* Load Fashion-MNIST's training (test 0: train-*) or test (test 1: t10k-*) part from dir
 * (NULL: RT_FASHION_MNIST_DIR), with the 10 class names; when dir is missing the error says
 * which Debian package provides it. */
int rt_load_fashion_mnist(const char *dir, int test, RtData *d, char *err, size_t errlen);

/* Load a CSV file (plain or gzip), one sample per line, comma-separated, fields optionally in
 * double quotes ("" for a quote inside; a field may not span lines).  Spaces around fields, a
 * UTF-8 byte-order mark, CRLF line ends and blank lines are ignored.
 * The first line is a header when one of its fields is not a number while the same field of
 * the next line is (so "a,b,species" over "1,2,setosa" is a header, "1,2,setosa" over
 * "3,4,virginica" is data), or when it holds label_col as a name; has_header records it.
 * label_col is a header name or a 1-based column number; digits are looked up as a name only
 * in a line already taken as a header (there a name wins), so "3" never matches a data value.
 * NULL loads every column as a feature (y NULL).
 * float_label 0 (classification): when the first row's label is a number every label must be
 * a non-negative integer below RT_MAX_CLASSES (classes = 1 + the largest); otherwise every
 * label is a class name (UTF-8, non-empty), classes are the distinct names in strcmp order.
 * float_label 1 (regression): labels are numbers, stored in yf with ydim 1, y NULL.
 * Features must be finite numbers within float range.  A line may hold RT_CSV_MAX_COLUMNS
 * fields; the text at most 2^31 - 1 bytes (uncompressed).  Memory for rows grows as rows
 * arrive, so a single wide row costs what it holds.  Errors give the line (and column). */
int rt_load_csv(const char *path, const char *label_col, int float_label, RtData *d, char *err,
                size_t errlen);

/* Free everything a loader allocated and zero *d (safe on a zeroed or already freed RtData). */
void rt_data_free(RtData *d);

/* Check a loaded data set against a model whose input takes model_dim values per sample and,
 * when model_classes > 0, that classifies into model_classes classes.  `what` names the data
 * in the message, e.g. "train-images-idx3-ubyte.gz: images are 28x28 = 784 values, the
 * model's input takes 3072", or "iris.csv: sample 7 (from 0) has label 3 ('virginica'), but
 * the model has 3 classes (labels 0..2)".  A classifier given float targets, or no labels at
 * all, is refused too. */
int rt_data_check(const RtData *d, const char *what, int64_t model_dim, int model_classes,
                  char *err, size_t errlen);

/* Renumber d's labels to the given class names (the training set's, or a checkpoint's), so a
 * test file that lacks a class still uses the training numbering; d's class_names and classes
 * become copies of names and n.  With names NULL, a data set without class names is left alone
 * and one with names refused; with names, numbered labels are refused, and so are a label not
 * among names (naming the sample), an empty or duplicate name, n <= 0.  d is unchanged on
 * error. */
int rt_data_match_classes(RtData *d, const char *what, const char *const *names, int n, char *err,
                          size_t errlen);

/* The class names as one metadata string (names joined by newlines; class names cannot hold
 * one), malloc'ed; NULL when out of memory. */
char *rt_classes_to_meta(const char *const *names, int n);

/* Split such a string back into *n malloc'ed names in *names (free with rt_classes_free);
 * refuses a missing or empty string and empty names.  The message names the metadata key
 * (RT_META_CLASSES) but not the file: prefix the checkpoint's path. */
int rt_classes_from_meta(const char *s, char ***names, int *n, char *err, size_t errlen);
void rt_classes_free(char **names, int n);

/* The 10 Fashion-MNIST class names in label order: T-shirt/top, Trouser, Pullover, Dress,
 * Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot. */
const char *const *rt_fashion_mnist_classes(void);

/* ---- preprocessing ------------------------------------------------------------------------
 * Every kind is x' = (x - shift[j]) / div[j] per feature j, evaluated in float, so applying
 * statistics read back from a checkpoint gives bit-identical inputs:
 *   none    shift 0, div 1
 *   scale   shift 0, div 255 (pixels to [0, 1], exactly as torchvision's ToTensor)
 *   minmax  shift min, div max - min over the training rows (to [0, 1])
 *   zscore  shift mean, div the population standard deviation (ddof 0, as scikit-learn's
 *           StandardScaler) over the training rows
 * A feature that is constant over the training rows (div 0, or below 10 DBL_EPSILON as in
 * scikit-learn) gets div 1, so it is shifted to 0 and never divided by zero. */
typedef enum {
  RT_NORM_NONE,   /* "none" */
  RT_NORM_SCALE,  /* "scale" */
  RT_NORM_MINMAX, /* "minmax" */
  RT_NORM_ZSCORE  /* "zscore" */
} RtNormKind;

typedef struct {
  RtNormKind kind;
  int64_t dim;        /* features */
  float *shift, *div; /* dim each, div[j] > 0 and finite */
} RtNorm;

/* Fit nm over rows[0..nrows) of d (rows NULL: the first nrows rows), the training split only;
 * statistics accumulate in double.  Refuses an empty row set (for minmax and zscore), a row
 * index outside [0, d->n), and statistics outside float range. */
int rt_norm_fit(RtNorm *nm, RtNormKind kind, const RtData *d, const int64_t *rows, int64_t nrows,
                char *err, size_t errlen);

/* Normalize nrows samples of nm->dim features in place. */
void rt_norm_apply(const RtNorm *nm, float *x, int64_t nrows);

/* Metadata strings, each malloc'ed (free() them): the kind's name, and shift and div as
 * comma-separated %.9g lists (which read back to the same floats); a list whose values are
 * all equal is written as that one value.  Returns -1 when out of memory (nothing allocated). */
int rt_norm_to_meta(const RtNorm *nm, char **kind, char **shift, char **div);

/* Rebuild nm from those strings for a model of dim features: each list holds dim values or
 * one (for every feature).  The message names what is wrong but not the file: prefix the
 * checkpoint's path. */
int rt_norm_from_meta(RtNorm *nm, const char *kind, const char *shift, const char *div, int64_t dim,
                      char *err, size_t errlen);

void rt_norm_free(RtNorm *nm); /* free the arrays and zero *nm */

const char *rt_norm_name(RtNormKind k);          /* "none", "scale", "minmax", "zscore"; "?" */
int rt_norm_parse(const char *s, RtNormKind *k); /* 0 and *k set, or -1 for an unknown name */

/* ---- batching and augmentation ------------------------------------------------------------ */

/* perm[0..n) = a permutation of 0..n-1: Fisher-Yates with position i drawn from
 * rt_uniform01(seed, shuffle stream + epoch, i), so a pure function of (seed, epoch, n). */
void rt_permutation(int64_t *perm, int64_t n, uint64_t seed, uint64_t epoch);

/* Hold out a validation part: a seeded permutation of 0..n-1 (on a stream of its own), whose
 * last llround(n * val_fraction) indices are validation and the rest training; both lists are
 * then sorted ascending (file order), malloc'ed (*val NULL when nval is 0).  val_fraction must
 * be in [0, 1); a positive fraction that holds out no sample, or leaves no training sample, is
 * refused. */
int rt_split(int64_t n, double val_fraction, uint64_t seed, int64_t **train, int64_t *ntrain,
             int64_t **val, int64_t *nval, char *err, size_t errlen);

void rt_hflip(float *x, int c, int h, int w); /* mirror one c x h x w sample left-right in place */

/* 1 when sample `sample` is flipped in epoch `epoch` (probability 1/2), a pure function. */
int rt_hflip_draw(uint64_t seed, uint64_t epoch, int64_t sample);

/* Training-image augmentation (--augment): a horizontal flip with probability 1/2; crop:P,
 * torchvision's RandomCrop(size, padding = P): P zero pixels added on each side, then an h x w
 * window at a uniform offset in [0, 2P] x [0, 2P]; shift: a translation by a uniform whole
 * number of pixels in [-sh, sh] x [-sw, sw], sh = max(1, h / 10), sw = max(1, w / 10) (2 at
 * 28 x 28), zero fill.  Applied in that order; every draw a pure function of (seed, epoch,
 * sample) on streams of its own ("dlc.hflip", "dlc.crop", "dlc.shift"). */
typedef struct {
  int hflip;
  int crop;  /* P, 0: no crop */
  int shift;
} RtAugment;

enum { RT_AUGMENT_MAX_CROP = 1024 };

/* "none" or a comma list of hflip, crop:P (1 <= P <= RT_AUGMENT_MAX_CROP) and shift, each at
 * most once: 0 and *a set, else -1 and *a unchanged. */
int rt_augment_parse(const char *s, RtAugment *a);
/* The canonical text ("hflip,crop:4,shift", "none") into buf (64 bytes suffice). */
void rt_augment_str(const RtAugment *a, char *buf, size_t n);
int rt_augment_any(const RtAugment *a);
/* Translate one c x h x w sample by (dy, dx) in place: out[y][x] = in[y + dy][x + dx], zero
 * where that is outside; scratch holds h * w values. */
void rt_translate(float *x, int c, int h, int w, int dy, int dx, float *scratch);
/* Augment one c x h x w sample of epoch `epoch` in place (scratch: h * w values). */
void rt_augment(float *x, int c, int h, int w, const RtAugment *a, uint64_t seed, uint64_t epoch, int64_t sample,
                float *scratch);

#ifdef __cplusplus
}
#endif
#endif
