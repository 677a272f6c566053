/* test_data.c - unit tests of the data sets' runtime (runtime/idx.c, csv.c, prep.c): the IDX
 * loader (plain and gzip, 3- and 4-dim images, flat features) and each of its refusals on the
 * corrupt fixtures, the CSV loader (header detection, label by name and number, string labels,
 * quoting, BOM and CRLF, gzip, float targets) and each of its refusals, checks against a model,
 * class renumbering and its metadata, preprocessing statistics computed by hand over a training
 * split (rows outside it must not matter), the metadata round trip bit for bit, permutations,
 * splits, flips, and the real Fashion-MNIST from Debian's dataset-fashion-mnist.
 * Usage: test_data FIXTURE_DIR (tests/data, written by tests/data/make_fixtures.py).
 * Exits non-zero and prints each failed check; exits 77 (CTest's skip code) when every check
 * passed but Fashion-MNIST is not installed. */
#define _POSIX_C_SOURCE 200809L
#include "dlc_data.h"
#include "dlc_rt.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include "../check.h"

#define SKIP_CODE 77

static const char *dir;
static char err[512];

static const char *fx(const char *name) {
  static char buf[8][1024];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

static int zeroed(const RtData *d) {
  return !d->n && !d->dim && !d->x && !d->y && !d->yf && !d->class_names && !d->classes;
}

/* A failed call: rc non-zero, err one line starting with `file` (when given) and holding
 * `a` and `b` (when given). */
#define EXPECT_ERR(rc, file, a, b) expect_err(__LINE__, rc, file, a, b)
static void expect_err(int line, int rc, const char *file, const char *a, const char *b) {
  int ok = rc != 0 && !strchr(err, '\n') && (!file || !strncmp(err, file, strlen(file))) &&
           (!a || strstr(err, a)) && (!b || strstr(err, b));
  if (!ok) {
    failures++;
    fprintf(stderr, "%s:%d: FAILED: rc %d, message \"%s\", expected %s: ... %s ... %s\n", __FILE__,
            line, rc, err, file ? file : "", a ? a : "", b ? b : "");
  }
  err[0] = '\0';
}

/* ---- IDX ------------------------------------------------------------------------------------ */

static void check_tiny(const RtData *d, const char *what) {
  CHECK(d->n == 10 && d->dim == 16 && d->c == 1 && d->h == 4 && d->w == 4, "%s: geometry", what);
  CHECK(d->classes == 5 && d->y && !d->yf && !d->class_names, "%s: labels", what);
  for (int i = 0; d->x && d->y && i < 10; i++) {
    CHECK(d->y[i] == i % 5, "%s: label %d = %d", what, i, d->y[i]);
    for (int k = 0; k < 16; k++)
      CHECK(d->x[i * 16 + k] == (float)(16 * i + k), "%s: pixel %d,%d = %g", what, i, k,
            d->x[i * 16 + k]);
  }
}

static void test_idx_ok(void) {
  RtData d;
  CHECK(
      !rt_load_idx(fx("tiny-images-idx3-ubyte"), fx("tiny-labels-idx1-ubyte"), &d, err, sizeof err),
      "%s", err);
  check_tiny(&d, "plain");
  rt_data_free(&d);
  CHECK(zeroed(&d), "rt_data_free zeroes");
  rt_data_free(&d);
  CHECK(!rt_load_idx(fx("tiny-images-idx3-ubyte.gz"), fx("tiny-labels-idx1-ubyte.gz"), &d, err,
                     sizeof err),
        "%s", err);
  check_tiny(&d, "gzip");
  rt_data_free(&d);
  CHECK(!rt_load_idx(fx("tiny-images-idx3-ubyte.gz"), fx("tiny-labels-idx1-ubyte"), &d, err,
                     sizeof err),
        "%s", err);
  check_tiny(&d, "mixed");
  rt_data_free(&d);

  CHECK(!rt_load_idx(fx("rgb-images-idx4-ubyte"), NULL, &d, err, sizeof err), "%s", err);
  CHECK(d.n == 3 && d.dim == 12 && d.c == 3 && d.h == 2 && d.w == 2, "4-dim geometry");
  CHECK(!d.y && !d.classes && d.x && d.x[35] == 35.0f, "4-dim data, no labels");
  rt_data_free(&d);
  CHECK(!rt_load_idx(fx("flat-idx2-ubyte"), NULL, &d, err, sizeof err), "%s", err);
  CHECK(d.n == 3 && d.dim == 5 && !d.c && !d.h && !d.w && d.x && d.x[14] == 14.0f, "2-dim file");
  rt_data_free(&d);
}

/* Loading images (and the tiny labels, when labels is set) must fail naming `file`. */
static void idx_refused(int line, const char *images, const char *labels, const char *file,
                        const char *a, const char *b) {
  RtData d;
  int rc = rt_load_idx(images, labels, &d, err, sizeof err);
  if (!zeroed(&d)) {
    failures++;
    fprintf(stderr, "%s:%d: FAILED: data not zeroed after an error\n", __FILE__, line);
  }
  expect_err(line, rc, file, a, b);
  rt_data_free(&d);
}
#define IDX_BAD(name, a, b) idx_refused(__LINE__, fx(name), NULL, fx(name), a, b)

static void test_idx_errors(void) {
  IDX_BAD("empty-idx", ": empty file", NULL);
  IDX_BAD("magic-only-idx", "truncated", "4-byte magic number, found 2 bytes");
  IDX_BAD("short-header-idx", "truncated header", "3 dimensions take 12 bytes, found 2");
  IDX_BAD("badmagic-idx", "bad magic 50 4b 03 04", "not an IDX file");
  IDX_BAD("dtype-idx", "data type code 0x0d (32-bit float) is not supported", "0x08");
  IDX_BAD("trunc-images-idx3-ubyte", "truncated",
          "the header promises 10 images of 4x4 (160 bytes), found 155");
  IDX_BAD("trailing-images-idx3-ubyte", "4 bytes of trailing data",
          "after the 160 bytes the header describes");
  IDX_BAD("zero-images-idx3-ubyte", "dimensions 0x4x4", "dimension 1 is 0");
  IDX_BAD("huge-images-idx3-ubyte", "dimensions 65536x65536x65536",
          "more than 2147483648 values, the limit");
  IDX_BAD("claim-images-idx3-ubyte", "promises 100000 images of 28x28 (78400000 bytes)",
          "found 160");
  IDX_BAD("cut-images-idx3-ubyte.gz", "truncated: the header promises 10 images of 4x4",
          "(the gzip stream ends early)");
  IDX_BAD("cut-trailer-images-idx3-ubyte.gz", "truncated: the gzip stream ends before its trailer",
          NULL);
  IDX_BAD("crc-images-idx3-ubyte.gz", "corrupt gzip data: incorrect data check (zlib)", NULL);
  IDX_BAD("no-such-file", "cannot open", "No such file or directory");
  IDX_BAD("tiny-labels-idx1-ubyte", "1 dimension:", "an images file has 2 to 4");
  idx_refused(__LINE__, dir, NULL, dir, ": not a regular file (a directory)", NULL);
  idx_refused(__LINE__, fx("tiny-images-idx3-ubyte"), fx("labels9-idx1-ubyte"),
              fx("labels9-idx1-ubyte"), "9 labels, but ", "tiny-images-idx3-ubyte has 10 images");
  idx_refused(__LINE__, fx("tiny-images-idx3-ubyte"), fx("tiny-images-idx3-ubyte.gz"),
              fx("tiny-images-idx3-ubyte.gz"), "3 dimensions",
              "a labels file has 1 (is this an images file?)");
  idx_refused(__LINE__, fx("tiny-images-idx3-ubyte"), fx("trunc-images-idx3-ubyte"),
              fx("trunc-images-idx3-ubyte"), "3 dimensions", "a labels file has 1");
}

/* ---- CSV ------------------------------------------------------------------------------------ */

static int load_csv(RtData *d, const char *name, const char *label, int float_label) {
  int rc = rt_load_csv(fx(name), label, float_label, d, err, sizeof err);
  CHECK(!rc, "%s --label %s: %s", name, label ? label : "(none)", err);
  return rc;
}

static int floats_are(const float *x, const float *want, int n) {
  for (int i = 0; i < n; i++)
    if (!x || x[i] != want[i])
      return 0;
  return 1;
}

static void check_numbers_csv(const RtData *d, const char *what, int header) {
  static const float x[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  CHECK(d->n == 4 && d->dim == 3 && d->has_header == header && !d->h, "%s: shape", what);
  CHECK(floats_are(d->x, x, 12), "%s: features", what);
  CHECK(d->y && d->y[0] == 0 && d->y[1] == 1 && d->y[2] == 2 && d->y[3] == 1, "%s: labels", what);
  CHECK(d->classes == 3 && !d->class_names && !d->yf && !d->ydim, "%s: classes", what);
}

static void test_csv_numeric(void) {
  RtData d;
  if (!load_csv(&d, "header.csv", "label", 0))
    check_numbers_csv(&d, "header.csv by name", 1);
  rt_data_free(&d);
  if (!load_csv(&d, "header.csv", "4", 0))
    check_numbers_csv(&d, "header.csv by number", 1);
  rt_data_free(&d);
  if (!load_csv(&d, "noheader.csv", "4", 0))
    check_numbers_csv(&d, "noheader.csv", 0);
  rt_data_free(&d);
  if (!load_csv(&d, "noheader.csv", "3", 0)) {
    static const float x[12] = {1, 2, 0, 4, 5, 1, 7, 8, 2, 10, 11, 1};
    CHECK(!d.has_header && d.n == 4 && floats_are(d.x, x, 12), "a number never matches data");
    CHECK(d.y && d.y[0] == 3 && d.y[3] == 12 && d.classes == 13, "label column 3");
  }
  rt_data_free(&d);
  if (!load_csv(&d, "header.csv.gz", "label", 0))
    check_numbers_csv(&d, "header.csv.gz", 1);
  rt_data_free(&d);
  if (!load_csv(&d, "label-first.csv", "y", 0)) {
    static const float x[4] = {0.5f, -1, 1.5f, -2000};
    CHECK(d.n == 2 && d.dim == 2 && floats_are(d.x, x, 4), "label-first.csv features");
    CHECK(d.y && d.y[0] == 3 && d.y[1] == 0 && d.classes == 4, "label-first.csv labels");
  }
  rt_data_free(&d);
  if (!load_csv(&d, "header.csv", NULL, 0)) {
    CHECK(d.n == 4 && d.dim == 4 && !d.y && !d.classes && d.x[7] == 1, "no label column");
  }
  rt_data_free(&d);
  if (!load_csv(&d, "regression.csv", "y", 1)) {
    static const float y[3] = {2.5f, 4.5f, 6.5f};
    CHECK(d.n == 3 && d.dim == 1 && !d.y && d.ydim == 1 && floats_are(d.yf, y, 3), "float targets");
  }
  rt_data_free(&d);
}

static int names_are(const RtData *d, const char *const *names, int n) {
  if (d->classes != n || !d->class_names)
    return 0;
  for (int i = 0; i < n; i++)
    if (strcmp(d->class_names[i], names[i]))
      return 0;
  return 1;
}

static void test_csv_names(void) {
  RtData d;
  if (!load_csv(&d, "strings.csv", "species", 0)) {
    static const float x[8] = {5.1f, 3.5f, 6.2f, 2.9f, 5.9f, 3.0f, 4.9f, 3.0f};
    static const char *const names[3] = {"setosa", "versicolor", "virginica"};
    CHECK(d.n == 4 && d.dim == 2 && d.has_header && floats_are(d.x, x, 8), "strings.csv x");
    CHECK(names_are(&d, names, 3), "strings.csv classes");
    CHECK(d.y && d.y[0] == 0 && d.y[1] == 1 && d.y[2] == 2 && d.y[3] == 0, "strings.csv y");
  }
  rt_data_free(&d);
  if (!load_csv(&d, "strings.csv", "3", 0))
    CHECK(d.has_header && d.classes == 3 && d.n == 4, "BOM, CRLF, blank line, label by number");
  rt_data_free(&d);
  if (!load_csv(&d, "strings-noheader.csv", "3", 0)) {
    static const char *const names[2] = {"cat", "dog"};
    CHECK(!d.has_header && d.n == 3 && names_are(&d, names, 2), "string labels without header");
    CHECK(d.y && d.y[0] == 0 && d.y[1] == 1 && d.y[2] == 0, "cat/dog indices");
  }
  rt_data_free(&d);
  if (!load_csv(&d, "quoted.csv", "label", 0)) {
    static const float x[4] = {1, 2, 3, 4};
    static const char *const names[2] = {"say \"hi\"", "x"};
    CHECK(d.has_header && d.n == 2 && floats_are(d.x, x, 4), "quoted fields");
    CHECK(names_are(&d, names, 2), "quoted labels with doubled quotes");
  }
  rt_data_free(&d);
  EXPECT_ERR(rt_load_csv(fx("quoted.csv"), "a, with comma", 0, &d, err, sizeof err),
             fx("quoted.csv"), "line 2: column 3 ('label'): 'say \"hi\"' is not a number", NULL);
}

static void csv_refused(int line, const char *name, const char *label, int float_label,
                        const char *a, const char *b) {
  RtData d;
  int rc = rt_load_csv(fx(name), label, float_label, &d, err, sizeof err);
  if (!zeroed(&d)) {
    failures++;
    fprintf(stderr, "%s:%d: FAILED: data not zeroed after an error\n", __FILE__, line);
  }
  expect_err(line, rc, fx(name), a, b);
  rt_data_free(&d);
}
#define CSV_BAD(name, label, a, b) csv_refused(__LINE__, name, label, 0, a, b)

static void test_csv_errors(void) {
  CSV_BAD("ragged.csv", "label", "line 4: 3 fields, but the first line has 4", NULL);
  CSV_BAD("nonnumeric.csv", "label", "line 3: column 2 ('b'): 'abc' is not a number", NULL);
  CSV_BAD("emptycell.csv", "3", "line 2: column 2: empty cell", NULL);
  CSV_BAD("nan.csv", "label", "line 3: column 2 ('b'): 'nan' is not a finite number", NULL);
  CSV_BAD("range.csv", "label", "line 3: column 2 ('b'): '1e39' is outside the float range", NULL);
  CSV_BAD("fraction-label.csv", "label", "line 3: column 2 ('label'): label '2.5'",
          "is not a class index");
  CSV_BAD("negative-label.csv", "label", "line 3: column 2 ('label'): label '-1'",
          "is not a class index");
  CSV_BAD("mixed-label.csv", "label", "line 3: column 2 ('label'): 'cat' is not a number", NULL);
  CSV_BAD("empty.csv", "1", ": empty file", NULL);
  CSV_BAD("blank.csv", "1", ": empty file (only blank lines)", NULL);
  CSV_BAD("header-only.csv", "label", "no data lines (only a header)", NULL);
  CSV_BAD("label-only.csv", "label", "no feature columns", NULL);
  CSV_BAD("unterminated.csv", NULL, "line 2: unterminated quoted field", NULL);
  CSV_BAD("after-quote.csv", NULL, "line 2: text after the closing quote of field 2", NULL);
  CSV_BAD("dup-label.csv", "label", "the label column 'label' appears twice", NULL);
  CSV_BAD("nul.csv", NULL, "line 3: a NUL byte", NULL);
  CSV_BAD("latin1.csv", "label", "line 2: column 2 ('label'): the label is not UTF-8 text", NULL);
  CSV_BAD("surrogate.csv", "label", "line 2: column 2 ('label'): the label is not UTF-8 text",
          NULL);
  CSV_BAD("header.csv", "species", "no column named 'species'", "the header is: x1, x2, x3, label");
  CSV_BAD("noheader.csv", "label", "no column named 'label'",
          "the first line (not a header) is: 1, 2, 3, 0");
  CSV_BAD("header.csv", "9", "label column 9 is out of range", "columns are 1 to 4");
  CSV_BAD("header.csv", "0", "label column 0 is out of range", "numbered from 1");
  CSV_BAD("no-such-file.csv", "1", "cannot open", "No such file or directory");
  CSV_BAD("cut-header.csv.gz", "1", "truncated: the gzip stream ends early", NULL);
  csv_refused(__LINE__, "strings.csv", "species", 1,
              "line 2: column 3 ('species'): 'setosa' is not a number", NULL);
}

/* ---- checks against a model, class names ---------------------------------------------------- */

static void test_check(void) {
  RtData d;
  const char *what = "train-images-idx3-ubyte.gz";
  if (load_csv(&d, "strings.csv", "species", 0))
    return;
  CHECK(!rt_data_check(&d, "iris.csv", 2, 3, err, sizeof err), "%s", err);
  EXPECT_ERR(rt_data_check(&d, "iris.csv", 2, 2, err, sizeof err),
             "iris.csv: ", "sample 2 (from 0) has label 2 ('virginica')",
             "the model has 2 classes (labels 0..1)");
  EXPECT_ERR(rt_data_check(&d, "iris.csv", 4, 3, err, sizeof err),
             "iris.csv: ", "samples have 2 features, the model's input takes 4", NULL);
  rt_data_free(&d);
  if (rt_load_idx(fx("tiny-images-idx3-ubyte"), fx("tiny-labels-idx1-ubyte"), &d, err, sizeof err))
    return;
  CHECK(!rt_data_check(&d, what, 16, 5, err, sizeof err), "%s", err);
  CHECK(!rt_data_check(&d, what, 16, 0, err, sizeof err), "model_classes 0: %s", err);
  EXPECT_ERR(rt_data_check(&d, what, 3072, 10, err, sizeof err), what,
             ": images are 4x4 = 16 values, the model's input takes 3072", NULL);
  EXPECT_ERR(rt_data_check(&d, what, 16, 3, err, sizeof err), what,
             ": sample 3 (from 0) has label 3, but the model has 3 classes", NULL);
  free(d.y);
  d.y = NULL;
  EXPECT_ERR(rt_data_check(&d, what, 16, 3, err, sizeof err), what,
             "no labels, but the model is a classifier", NULL);
  rt_data_free(&d);
  if (!rt_load_idx(fx("rgb-images-idx4-ubyte"), NULL, &d, err, sizeof err))
    EXPECT_ERR(rt_data_check(&d, "rgb", 16, 0, err, sizeof err), "rgb",
               "images are 3x2x2 = 12 values", NULL);
  rt_data_free(&d);
  if (!load_csv(&d, "regression.csv", "y", 1))
    EXPECT_ERR(rt_data_check(&d, "r.csv", 1, 2, err, sizeof err), "r.csv",
               "float targets, but the model is a classifier (2 classes)", NULL);
  rt_data_free(&d);
}

static void test_match_classes(void) {
  RtData train, test;
  if (load_csv(&train, "strings-noheader.csv", "3", 0))
    return;
  const char *const *names = (const char *const *)train.class_names;
  if (!load_csv(&test, "strings-test.csv", "animal", 0)) {
    CHECK(test.classes == 1 && test.y[0] == 0, "test file alone: dog is class 0");
    CHECK(!rt_data_match_classes(&test, "t.csv", names, 2, err, sizeof err), "%s", err);
    CHECK(test.classes == 2 && test.y[0] == 1 && test.y[1] == 1, "renumbered: dog is class 1");
    CHECK(names_are(&test, names, 2), "training names copied");
  }
  rt_data_free(&test);
  if (!load_csv(&test, "strings-unknown.csv", "animal", 0))
    EXPECT_ERR(rt_data_match_classes(&test, "u.csv", names, 2, err, sizeof err), "u.csv: ",
               "sample 1 (from 0) has label 'bird', which is not among the model's 2 classes",
               NULL);
  CHECK(test.classes == 2 && test.y[0] == 1 && test.y[1] == 0, "left alone on error");
  EXPECT_ERR(rt_data_match_classes(&test, "u.csv", NULL, 0, err, sizeof err),
             "u.csv: ", "the labels are names, but the model's classes are numbered", NULL);
  EXPECT_ERR(rt_data_match_classes(&test, "u.csv", names, 0, err, sizeof err),
             "u.csv: ", "the model has 0 class names", NULL);
  static const char *const dup[2] = {"dog", "dog"};
  EXPECT_ERR(rt_data_match_classes(&test, "u.csv", dup, 2, err, sizeof err),
             "u.csv: ", "a duplicate 'dog'", NULL);
  rt_data_free(&test);
  if (!load_csv(&test, "header.csv", "label", 0)) {
    CHECK(!rt_data_match_classes(&test, "h.csv", NULL, 0, err, sizeof err), "numbers: %s", err);
    EXPECT_ERR(rt_data_match_classes(&test, "h.csv", names, 2, err, sizeof err),
               "h.csv: ", "the labels are numbers, but the model's classes are named", NULL);
  }
  rt_data_free(&test);

  char *meta = rt_classes_to_meta(names, 2), **back = NULL;
  int n = 0;
  CHECK(meta && !strcmp(meta, "cat\ndog"), "classes meta: %s", meta ? meta : "NULL");
  CHECK(meta && !rt_classes_from_meta(meta, &back, &n, err, sizeof err) && n == 2 &&
            !strcmp(back[0], "cat") && !strcmp(back[1], "dog"),
        "classes meta round trip: %s", err);
  rt_classes_free(back, n);
  free(meta);
  EXPECT_ERR(rt_classes_from_meta("", &back, &n, err, sizeof err), RT_META_CLASSES, "empty", NULL);
  EXPECT_ERR(rt_classes_from_meta("a\n\nb", &back, &n, err, sizeof err), RT_META_CLASSES,
             "an empty name", NULL);
  CHECK(!back && !n, "nothing returned on error");
  rt_data_free(&train);

  const char *const *fm = rt_fashion_mnist_classes();
  CHECK(!strcmp(fm[0], "T-shirt/top") && !strcmp(fm[9], "Ankle boot"), "Fashion-MNIST names");
}

/* ---- preprocessing -------------------------------------------------------------------------- */

/* Four samples of three features; row 1 is an outlier outside the training split {0, 2, 3}.
 * Over the split: feature 0 is {1, 3, 5} (min 1, max 5, mean 3, population variance 8/3),
 * feature 1 {10, 30, 20} (min 10, max 30, mean 20, variance 200/3), feature 2 constant 5. */
static float stats_x[12] = {1, 10, 5, 1000, -1000, 7, 3, 30, 5, 5, 20, 5};
static const int64_t split_rows[3] = {0, 2, 3};
static const RtData stats_data = {.n = 4, .dim = 3, .x = stats_x};

static void test_norm_fit(void) {
  RtNorm nm;
  float row[3] = {1000, -1000, 7};
  CHECK(!rt_norm_fit(&nm, RT_NORM_MINMAX, &stats_data, split_rows, 3, err, sizeof err), "%s", err);
  CHECK(nm.dim == 3 && nm.shift[0] == 1 && nm.shift[1] == 10 && nm.shift[2] == 5, "minmax shift");
  CHECK(nm.div[0] == 4 && nm.div[1] == 20 && nm.div[2] == 1, "minmax div (constant feature: 1)");
  rt_norm_apply(&nm, row, 1);
  CHECK(row[0] == 249.75f && row[1] == -50.5f && row[2] == 2, "minmax applied: %g %g %g", row[0],
        row[1], row[2]);
  rt_norm_free(&nm);

  CHECK(!rt_norm_fit(&nm, RT_NORM_ZSCORE, &stats_data, split_rows, 3, err, sizeof err), "%s", err);
  CHECK(nm.shift[0] == 3 && nm.shift[1] == 20 && nm.shift[2] == 5, "zscore shift (mean)");
  CHECK(nm.div[0] == (float)sqrt(8.0 / 3) && nm.div[1] == (float)sqrt(200.0 / 3) && nm.div[2] == 1,
        "zscore div (population std): %.9g %.9g %.9g", nm.div[0], nm.div[1], nm.div[2]);
  float z[3] = {1, 10, 5};
  rt_norm_apply(&nm, z, 1);
  CHECK(z[0] == (1 - 3) / (float)sqrt(8.0 / 3) && z[1] == -10 / (float)sqrt(200.0 / 3) && z[2] == 0,
        "zscore applied");
  rt_norm_free(&nm);

  CHECK(!rt_norm_fit(&nm, RT_NORM_MINMAX, &stats_data, NULL, 1, err, sizeof err), "%s", err);
  CHECK(nm.shift[0] == 1 && nm.div[0] == 1 && nm.div[1] == 1, "rows NULL: first row only");
  rt_norm_free(&nm);

  CHECK(!rt_norm_fit(&nm, RT_NORM_SCALE, &stats_data, NULL, 0, err, sizeof err), "%s", err);
  float px[3] = {255, 51, 0};
  rt_norm_apply(&nm, px, 1);
  CHECK(px[0] == 1 && px[1] == 51.0f / 255.0f && px[2] == 0, "scale is x / 255");
  rt_norm_free(&nm);
  CHECK(!rt_norm_fit(&nm, RT_NORM_NONE, &stats_data, NULL, 0, err, sizeof err), "%s", err);
  float same[3] = {-3, 0.5f, 7};
  rt_norm_apply(&nm, same, 1);
  CHECK(same[0] == -3 && same[1] == 0.5f && same[2] == 7, "none leaves data alone");
  rt_norm_free(&nm);

  EXPECT_ERR(rt_norm_fit(&nm, RT_NORM_ZSCORE, &stats_data, split_rows, 0, err, sizeof err),
             "zscore normalization: 0 training samples", NULL, NULL);
  static const int64_t bad_rows[2] = {0, 7};
  EXPECT_ERR(rt_norm_fit(&nm, RT_NORM_MINMAX, &stats_data, bad_rows, 2, err, sizeof err),
             "minmax normalization: row 7 is outside the data (4 samples)", NULL, NULL);
  CHECK(!nm.shift && !nm.div, "freed on error");
}

static int same_bits(const float *a, const float *b, int64_t n) {
  return a && b && !memcmp(a, b, (size_t)n * sizeof *a);
}

static void test_norm_meta(void) {
  static float shift[6] = {0.1f, -0.0f, 1e-45f, FLT_MAX, -1.0f / 3, 123456.789f};
  static float div[6] = {1.17549435e-38f, 3.0f, 0.7f, 1e30f, 2.5e-7f, 1.0f / 255};
  RtNorm nm = {RT_NORM_ZSCORE, 6, shift, div}, back;
  char *kind, *s, *v;
  CHECK(!rt_norm_to_meta(&nm, &kind, &s, &v), "to_meta");
  CHECK(!strcmp(kind, "zscore"), "kind %s", kind);
  CHECK(!rt_norm_from_meta(&back, kind, s, v, 6, err, sizeof err), "%s", err);
  CHECK(back.kind == RT_NORM_ZSCORE && back.dim == 6, "kind and dim back");
  CHECK(same_bits(back.shift, shift, 6) && same_bits(back.div, div, 6), "bit-exact: %s | %s", s, v);
  rt_norm_free(&back);
  free(kind), free(s), free(v);

  RtNorm sc;
  CHECK(!rt_norm_fit(&sc, RT_NORM_SCALE, &stats_data, NULL, 0, err, sizeof err), "%s", err);
  CHECK(!rt_norm_to_meta(&sc, &kind, &s, &v), "to_meta");
  CHECK(!strcmp(kind, "scale") && !strcmp(s, "0") && !strcmp(v, "255"), "scale meta: %s %s %s",
        kind, s, v);
  CHECK(!rt_norm_from_meta(&back, kind, s, v, 784, err, sizeof err), "%s", err);
  CHECK(back.dim == 784 && back.shift[783] == 0 && back.div[783] == 255, "one value for all");
  rt_norm_free(&back);
  rt_norm_free(&sc);
  free(kind), free(s), free(v);

  CHECK(!rt_norm_from_meta(&back, "none", NULL, NULL, 3, err, sizeof err), "%s", err);
  CHECK(back.kind == RT_NORM_NONE && back.div[2] == 1, "none without lists");
  rt_norm_free(&back);
  EXPECT_ERR(rt_norm_from_meta(&back, "bogus", "0", "1", 3, err, sizeof err), RT_META_NORM,
             "'bogus' is not a normalization", NULL);
  EXPECT_ERR(rt_norm_from_meta(&back, NULL, "0", "1", 3, err, sizeof err), RT_META_NORM,
             "(missing)", NULL);
  EXPECT_ERR(rt_norm_from_meta(&back, "zscore", "1,2", "1", 3, err, sizeof err), RT_META_NORM_SHIFT,
             "2 values, the model's input takes 3", NULL);
  EXPECT_ERR(rt_norm_from_meta(&back, "zscore", "1,2,3,4", "1", 3, err, sizeof err),
             RT_META_NORM_SHIFT, "more than 3 values", NULL);
  EXPECT_ERR(rt_norm_from_meta(&back, "zscore", "1", "1,0,1", 3, err, sizeof err), RT_META_NORM_DIV,
             "value 1 '0,1' is not a positive finite number", NULL);
  EXPECT_ERR(rt_norm_from_meta(&back, "minmax", "1,x,3", "1", 3, err, sizeof err),
             RT_META_NORM_SHIFT, "value 1 'x,3' is not a finite number", NULL);
  EXPECT_ERR(rt_norm_from_meta(&back, "minmax", "1;2", "1", 3, err, sizeof err), RT_META_NORM_SHIFT,
             "';2' after value 0", NULL);
  EXPECT_ERR(rt_norm_from_meta(&back, "minmax", "nan", "1", 3, err, sizeof err), RT_META_NORM_SHIFT,
             "not a finite number", NULL);
  EXPECT_ERR(rt_norm_from_meta(&back, "zscore", "0", NULL, 3, err, sizeof err), RT_META_NORM_DIV,
             "missing for zscore", NULL);
  CHECK(!back.shift && !back.div, "nothing kept on error");

  RtNormKind k;
  for (int i = 0; i < 4; i++)
    CHECK(!rt_norm_parse(rt_norm_name((RtNormKind)i), &k) && (int)k == i, "name %d", i);
  CHECK(rt_norm_parse("Scale", &k) && rt_norm_parse(NULL, &k), "unknown names");
  CHECK(!strcmp(rt_norm_name((RtNormKind)9), "?"), "bad kind's name");
}

/* ---- shuffles, splits, flips ---------------------------------------------------------------- */

static int is_perm(const int64_t *p, int64_t n) {
  char *seen = calloc((size_t)n + 1, 1);
  int ok = seen != NULL;
  for (int64_t i = 0; ok && i < n; i++)
    ok = p[i] >= 0 && p[i] < n && !seen[p[i]]++;
  free(seen);
  return ok;
}

static void test_permutation(void) {
  enum { N = 1000 };
  static int64_t a[N], b[N], c[N], e[N];
  rt_permutation(a, N, 42, 0);
  rt_permutation(b, N, 42, 0);
  rt_permutation(c, N, 42, 1);
  rt_permutation(e, N, 43, 0);
  int64_t fixed = 0;
  for (int i = 0; i < N; i++)
    fixed += a[i] == i;
  CHECK(is_perm(a, N) && is_perm(c, N) && is_perm(e, N), "permutations of 0..n-1");
  CHECK(!memcmp(a, b, sizeof a), "a pure function of (seed, epoch)");
  CHECK(memcmp(a, c, sizeof a) && memcmp(a, e, sizeof a), "differs between epochs and seeds");
  CHECK(fixed < 10, "shuffled: %lld fixed points", (long long)fixed);
  int64_t one = 7;
  rt_permutation(&one, 1, 1, 1);
  rt_permutation(NULL, 0, 1, 1);
  CHECK(one == 0, "n = 1");
  int count[6] = {0};
  for (uint64_t ep = 0; ep < 600; ep++) {
    int64_t p[3];
    rt_permutation(p, 3, 5, ep);
    count[p[0] * 2 + (p[1] > p[2])]++;
  }
  for (int i = 0; i < 6; i++)
    CHECK(count[i] > 60 && count[i] < 140, "all 6 orders of 3 about equally often: %d", count[i]);
}

static void check_split(int64_t n, double f, int64_t want_val) {
  int64_t *tr, *va, nt, nv;
  CHECK(!rt_split(n, f, 9, &tr, &nt, &va, &nv, err, sizeof err), "%s", err);
  CHECK(nv == want_val && nt == n - want_val, "split %lld by %g: %lld + %lld", (long long)n, f,
        (long long)nt, (long long)nv);
  char *seen = calloc((size_t)n, 1);
  int ok = seen != NULL;
  for (int64_t i = 0; ok && i < nt; i++)
    ok = tr[i] >= 0 && tr[i] < n && !seen[tr[i]]++ && (!i || tr[i] > tr[i - 1]);
  for (int64_t i = 0; ok && i < nv; i++)
    ok = va[i] >= 0 && va[i] < n && !seen[va[i]]++ && (!i || va[i] > va[i - 1]);
  CHECK(ok, "train and validation partition 0..n-1, each ascending");
  CHECK(nv || !va, "no validation list when nothing is held out");
  int64_t *tr2, *va2, nt2, nv2;
  CHECK(!rt_split(n, f, 9, &tr2, &nt2, &va2, &nv2, err, sizeof err) && nt2 == nt &&
            !memcmp(tr, tr2, (size_t)nt * sizeof *tr),
        "split is a pure function of the seed");
  free(seen), free(tr), free(va), free(tr2), free(va2);
}

static void test_split(void) {
  check_split(100, 0.1, 10);
  check_split(10, 0.25, 3); /* 2.5 rounds away from zero */
  check_split(7, 0, 0);
  check_split(60000, 0.1, 6000);
  int64_t *tr, *va, nt, nv;
  CHECK(!rt_split(100, 0.1, 1, &tr, &nt, &va, &nv, err, sizeof err), "%s", err);
  int64_t *tr2, *va2, nt2, nv2;
  CHECK(!rt_split(100, 0.1, 2, &tr2, &nt2, &va2, &nv2, err, sizeof err), "%s", err);
  CHECK(memcmp(va, va2, 10 * sizeof *va), "another seed holds out other samples");
  free(tr), free(va), free(tr2), free(va2);
  EXPECT_ERR(rt_split(10, 1, 1, &tr, &nt, &va, &nv, err, sizeof err), "validation fraction 1",
             "below 1", NULL);
  EXPECT_ERR(rt_split(10, -0.1, 1, &tr, &nt, &va, &nv, err, sizeof err), "validation fraction -0.1",
             NULL, NULL);
  EXPECT_ERR(rt_split(10, NAN, 1, &tr, &nt, &va, &nv, err, sizeof err), "validation fraction nan",
             NULL, NULL);
  EXPECT_ERR(rt_split(5, 0.05, 1, &tr, &nt, &va, &nv, err, sizeof err),
             "validation fraction 0.05 of 5 samples holds out no sample", NULL, NULL);
  EXPECT_ERR(rt_split(1, 0.5, 1, &tr, &nt, &va, &nv, err, sizeof err),
             "validation fraction 0.5 of 1 samples holds out every sample", NULL, NULL);
  EXPECT_ERR(rt_split(0, 0.1, 1, &tr, &nt, &va, &nv, err, sizeof err), "validation split",
             "no samples", NULL);
  CHECK(!tr && !va && !nt && !nv, "nothing returned on error");
}

static void test_hflip(void) {
  float x[12], want[12] = {2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9};
  for (int i = 0; i < 12; i++)
    x[i] = (float)i;
  rt_hflip(x, 2, 2, 3);
  CHECK(!memcmp(x, want, sizeof x), "mirrored rows of both channels");
  rt_hflip(x, 2, 2, 3);
  CHECK(x[0] == 0 && x[11] == 11, "twice is the identity");
  float col[3] = {1, 2, 3};
  rt_hflip(col, 1, 3, 1);
  CHECK(col[0] == 1 && col[2] == 3, "width 1 unchanged");
  int flipped = 0, differ = 0;
  for (int64_t s = 0; s < 10000; s++) {
    int f = rt_hflip_draw(3, 0, s);
    CHECK(f == rt_hflip_draw(3, 0, s) && (f == 0 || f == 1), "pure, 0 or 1");
    flipped += f;
    differ += f != rt_hflip_draw(3, 1, s);
  }
  CHECK(flipped > 4800 && flipped < 5200, "about half flipped: %d", flipped);
  CHECK(differ > 4800 && differ < 5200, "epochs draw independently: %d", differ);
}

/* ---- hostile files: every prefix, byte flips, random CSV text -------------------------------
 * Under the sanitizer build these are the memory-safety tests: every load must return, and
 * a refusal must be one line naming the file; a load that succeeds must be consistent. */

static char tmpdir[64];

static const char *tmp_file(const void *data, size_t n) {
  static char path[128];
  snprintf(path, sizeof path, "%s/f", tmpdir);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
    CHECK(0, "cannot write %s", path);
    return path;
  }
  return path;
}

static unsigned char *slurp(const char *name, size_t *n) {
  static unsigned char buf[4096];
  FILE *f = fopen(fx(name), "rb");
  *n = f ? fread(buf, 1, sizeof buf, f) : 0;
  if (f)
    fclose(f);
  CHECK(*n > 0, "cannot read fixture %s", name);
  return buf;
}

static void check_consistent(const RtData *d, int rc, const char *path, const char *what) {
  if (rc) {
    CHECK(zeroed(d) && !strncmp(err, path, strlen(path)) && !strchr(err, '\n'),
          "%s: bad refusal: %s", what, err);
    return;
  }
  int ok = d->n > 0 && d->dim > 0 && d->x && (!d->class_names || d->y);
  for (int64_t i = 0; ok && d->y && i < d->n; i++)
    ok = d->y[i] >= 0 && d->y[i] < d->classes;
  for (int64_t i = 0; ok && i < d->n * d->dim; i++)
    ok = isfinite(d->x[i]);
  CHECK(ok, "%s: inconsistent data", what);
}

/* Load name's variants as the images (as_labels 0) or as the tiny images' labels. */
static int load_variant(const char *p, int as_labels, RtData *d) {
  if (as_labels)
    return rt_load_idx(fx("tiny-images-idx3-ubyte"), p, d, err, sizeof err);
  return rt_load_idx(p, NULL, d, err, sizeof err);
}

static void hostile_idx(const char *name, int as_labels) {
  size_t n;
  unsigned char *orig = slurp(name, &n), buf[4096];
  RtData d;
  for (size_t len = 0; len < n; len++) {
    const char *p = tmp_file(orig, len);
    int rc = load_variant(p, as_labels, &d);
    CHECK(rc, "%s cut to %zu bytes was accepted", name, len);
    check_consistent(&d, rc, p, name);
    rt_data_free(&d);
  }
  for (size_t i = 0; i < n; i++)
    for (int v = 0; v < 3; v++) {
      memcpy(buf, orig, n);
      buf[i] = v == 0 ? 0 : v == 1 ? 0xFF : buf[i] ^ 0x10;
      const char *p = tmp_file(buf, n);
      int rc = load_variant(p, as_labels, &d);
      check_consistent(&d, rc, p, name);
      rt_data_free(&d);
    }
}

static void hostile_csv(const char *name) {
  size_t n;
  unsigned char *orig = slurp(name, &n), buf[4096];
  static const char *const labels[] = {"species", "3", "1", NULL};
  RtData d;
  for (size_t len = 0; len <= n; len++)
    for (int l = 0; l < 4; l++) {
      const char *p = tmp_file(orig, len);
      int rc = rt_load_csv(p, labels[l], l == 2, &d, err, sizeof err);
      check_consistent(&d, rc, p, name);
      rt_data_free(&d);
    }
  for (size_t i = 0; i < n; i++) {
    memcpy(buf, orig, n);
    buf[i] = (unsigned char)",\"\n\0x"[i % 5];
    const char *p = tmp_file(buf, n);
    int rc = rt_load_csv(p, labels[i % 4], 0, &d, err, sizeof err);
    check_consistent(&d, rc, p, name);
    rt_data_free(&d);
  }
}

/* Random CSV-like text: lines of 2 to 3 tokens (numbers, words, quoted fields, empty cells),
 * sometimes under a header, with a stray byte now and then. */
static size_t draw(uint64_t k, uint64_t *i, size_t n) {
  return (size_t)(rt_uniform01(7, k, (*i)++) * (double)n);
}

static size_t random_text(uint64_t k, char *text, size_t cap) {
  static const char *const tokens[] = {
      "1", "2.5", "-3", "0", "7", "1e5", "4",   " 6 ",     "\"8\"", "0.25",       "3",   "5",
      "2", "9",   "1",  "0", "2", "3",   "cat", "\"a,b\"", "",      "\"x\"\"y\"", "nan", "dog"};
  static const char noise[] = ",\"\n\r\t\x00\xc3";
  size_t len = 0, ntok = sizeof tokens / sizeof tokens[0];
  uint64_t i = 0;
  if (draw(k, &i, 3) == 0)
    len += (size_t)snprintf(text, cap, "a,b,c\n");
  size_t rows = 1 + draw(k, &i, 5);
  for (size_t r = 0; r < rows; r++) {
    size_t cols = 2 + (draw(k, &i, 4) != 0);
    for (size_t j = 0; j < cols && len < cap - 16; j++) {
      const char *tok = tokens[draw(k, &i, ntok)];
      const char *end = j + 1 < cols ? "," : draw(k, &i, 2) ? "\n" : "\r\n";
      len += (size_t)snprintf(text + len, cap - len, "%s%s", tok, end);
      if (draw(k, &i, 40) == 0) {
        size_t at = draw(k, &i, len);
        text[at] = noise[draw(k, &i, sizeof noise - 1)];
      }
    }
  }
  return len;
}

static void random_csv(void) {
  char text[512];
  RtData d;
  int accepted = 0;
  for (uint64_t k = 0; k < 3000; k++) {
    size_t len = random_text(k, text, sizeof text);
    const char *p = tmp_file(text, len);
    const char *label = k % 3 == 0 ? "3" : k % 3 == 1 ? "1" : "c";
    int rc = rt_load_csv(p, label, (int)(k % 4 == 0), &d, err, sizeof err);
    check_consistent(&d, rc, p, "random CSV");
    accepted += !rc;
    rt_data_free(&d);
  }
  CHECK(accepted > 100 && accepted < 2900, "random CSV: %d of 3000 accepted", accepted);
}

static void test_hostile(void) {
  snprintf(tmpdir, sizeof tmpdir, "data_test_XXXXXX");
  if (!mkdtemp(tmpdir)) {
    CHECK(0, "mkdtemp failed");
    return;
  }
  hostile_idx("tiny-images-idx3-ubyte", 0);
  hostile_idx("tiny-images-idx3-ubyte.gz", 0);
  hostile_idx("rgb-images-idx4-ubyte", 0);
  hostile_idx("tiny-labels-idx1-ubyte", 1);
  hostile_idx("tiny-labels-idx1-ubyte.gz", 1);
  hostile_csv("strings.csv");
  hostile_csv("quoted.csv");
  hostile_csv("header.csv.gz");
  random_csv();
  char path[128];
  snprintf(path, sizeof path, "%s/f", tmpdir);
  unlink(path);
  rmdir(tmpdir);
}

/* ---- issue 9: untrusted input ---------------------------------------------------------------
 * Regressions of the reader bugs: FIFOs and devices, gzip members and what follows them, image
 * sides beyond an int, trailing data found without inflating it, CSV lines of too many fields,
 * and row memory that follows the data.  Large inputs are made here, compressed, at run time. */

static char dir9[64];

static const char *in9(const char *name) {
  static char buf[4][256];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir9, name);
  return buf[k];
}

/* Bytes made of pieces, each repeated: p[0..n) `reps` times. */
typedef struct {
  const void *p;
  size_t n;
  long reps;
} Piece;

typedef struct {
  unsigned char *p;
  size_t len, cap;
  z_stream z;
} Out;

static void out_put(Out *o, const void *p, size_t n, int gz, int flush) {
  if (!gz) {
    if (o->len + n > o->cap)
      o->p = realloc(o->p, o->cap = 2 * (o->len + n));
    memcpy(o->p + o->len, p, n);
    o->len += n;
    return;
  }
  o->z.next_in = (Bytef *)p;
  o->z.avail_in = (uInt)n;
  int r;
  do {
    if (o->cap - o->len < 4096)
      o->p = realloc(o->p, o->cap = 2 * o->cap + 65536);
    o->z.next_out = o->p + o->len;
    o->z.avail_out = (uInt)(o->cap - o->len);
    r = deflate(&o->z, flush);
    o->len = (size_t)(o->z.next_out - o->p);
  } while (o->z.avail_in || (flush == Z_FINISH && r != Z_STREAM_END));
}

/* The pieces as plain bytes, or as one gzip member (gz); appended to *o.  Repetitions are
 * batched 64 KiB at a time, so 16 MiB of "0," costs one pass of deflate. */
static void make_bytes(Out *o, const Piece *pc, int npc, int gz) {
  static unsigned char block[1 << 16];
  if (gz) {
    memset(&o->z, 0, sizeof o->z);
    deflateInit2(&o->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  }
  for (int i = 0; i < npc; i++) {
    long per = pc[i].n <= sizeof block ? (long)(sizeof block / pc[i].n) : 1, left = pc[i].reps;
    for (long k = 0; k < per && pc[i].n <= sizeof block; k++)
      memcpy(block + (size_t)k * pc[i].n, pc[i].p, pc[i].n);
    for (; left > 0; left -= per) {
      long k = left < per ? left : per;
      if (pc[i].n > sizeof block)
        out_put(o, pc[i].p, pc[i].n, gz, Z_NO_FLUSH);
      else
        out_put(o, block, (size_t)k * pc[i].n, gz, Z_NO_FLUSH);
    }
  }
  if (gz) {
    out_put(o, "", 0, 1, Z_FINISH);
    deflateEnd(&o->z);
  }
}

static void write_out(const char *path, const Out *o) {
  FILE *f = fopen(path, "wb");
  CHECK(f && fwrite(o->p, 1, o->len, f) == o->len && !fclose(f), "cannot write %s", path);
}

/* A file of the pieces, plain or as one gzip member. */
static void write_pieces(const char *path, const Piece *pc, int npc, int gz) {
  Out o = {0};
  make_bytes(&o, pc, npc, gz);
  write_out(path, &o);
  free(o.p);
}

static void test_not_regular(void) {
  const char *fifo = in9("fifo");
  RtData d;
  alarm(60); /* a blocking open ends the test instead of hanging it */
  if (!mkfifo(fifo, 0600)) {
    idx_refused(__LINE__, fifo, NULL, fifo, ": not a regular file (a FIFO)", NULL);
    idx_refused(__LINE__, fx("tiny-images-idx3-ubyte"), fifo, fifo, "not a regular file (a FIFO)",
                NULL);
    EXPECT_ERR(rt_load_csv(fifo, "1", 0, &d, err, sizeof err), fifo, ": not a regular file (a FIFO)",
               NULL);
    unlink(fifo);
  }
  idx_refused(__LINE__, "/dev/null", NULL, "/dev/null", "not a regular file (a character device)",
              NULL);
  EXPECT_ERR(rt_load_csv("/dev/zero", "1", 0, &d, err, sizeof err), "/dev/zero",
             ": not a regular file (a character device)", NULL);
  EXPECT_ERR(rt_load_csv(dir, "1", 0, &d, err, sizeof err), dir, ": not a regular file (a directory)",
             NULL);
  alarm(0);
}

static void test_gzip_members(void) {
  RtData d;
  CHECK(!rt_load_idx(fx("members-images-idx3-ubyte.gz"), fx("tiny-labels-idx1-ubyte.gz"), &d, err,
                     sizeof err),
        "two gzip members: %s", err);
  check_tiny(&d, "two gzip members");
  rt_data_free(&d);
  CHECK(!rt_load_idx(fx("empty-member-images-idx3-ubyte.gz"), NULL, &d, err, sizeof err),
        "an empty last member: %s", err);
  rt_data_free(&d);
  if (!load_csv(&d, "members-header.csv.gz", "label", 0))
    check_numbers_csv(&d, "members-header.csv.gz", 1);
  rt_data_free(&d);
  static const char *const junk = "bytes after the end of the gzip data that do not start another "
                                  "gzip member";
  IDX_BAD("junk-images-idx3-ubyte.gz", junk, NULL);
  IDX_BAD("zeropad-images-idx3-ubyte.gz", junk, NULL);
  IDX_BAD("magic1-images-idx3-ubyte.gz", junk, NULL);
  IDX_BAD("magic2-images-idx3-ubyte.gz", "truncated: the gzip stream ends before its trailer", NULL);
  CSV_BAD("junk-header.csv.gz", "label", junk, NULL);
}

static void test_idx_limits(void) {
  IDX_BAD("wide-images-idx3-ubyte", "dimensions 1x1x2147483648: dimension 3 (2147483648) is over "
                                    "2147483647, the largest image side",
          NULL);
  IDX_BAD("wide-images-idx4-ubyte", "dimension 2 (2147483648) is over 2147483647", NULL);
  IDX_BAD("tall-images-idx3-ubyte.gz", "dimension 2 (2147483648) is over", NULL);

  /* A valid file followed by 1 GiB of zeros (64 gzip members of 16 MiB each) and then junk:
   * the loader must stop one small read past the data, so the message says "at least 4096
   * bytes".  Inflating it all took seconds and counted all 2^30 bytes (the junk after the last
   * member went unnoticed). */
  size_t n;
  unsigned char *img = slurp("tiny-images-idx3-ubyte", &n);
  static unsigned char zeros[1 << 20];
  Out o = {0}, m = {0};
  make_bytes(&o, (Piece[]){{img, n, 1}}, 1, 1);
  make_bytes(&m, (Piece[]){{zeros, sizeof zeros, 16}}, 1, 1);
  for (int i = 0; i < 64; i++)
    out_put(&o, m.p, m.len, 0, 0);
  out_put(&o, "junk", 4, 0, 0);
  const char *p = in9("zeros-images.gz");
  write_out(p, &o);
  free(o.p);
  free(m.p);
  idx_refused(__LINE__, p, NULL, p, "at least 4096 bytes of trailing data",
              "after the 160 bytes the header describes");
  /* the same, plain: 8 MiB of zeros */
  p = in9("zeros-images");
  write_pieces(p, (Piece[]){{img, n, 1}, {zeros, sizeof zeros, 8}}, 2, 0);
  idx_refused(__LINE__, p, NULL, p, "at least 4096 bytes of trailing data", NULL);
}

/* Loads path in a child whose address space is capped at `cap` bytes; returns the child's exit
 * status (0: loaded, 1: refused, message on stderr).  Under ASan (which reserves terabytes of
 * address space) the cap cannot be set, so the load runs uncapped. */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
static int load_capped(const char *path, size_t cap, int64_t want_dim) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
#ifndef HAVE_ASAN
    struct rlimit lim = {cap, cap};
    setrlimit(RLIMIT_AS, &lim);
#else
    (void)cap;
#endif
    RtData d;
    int rc = rt_load_csv(path, NULL, 0, &d, err, sizeof err);
    if (rc)
      fprintf(stderr, "%s\n", err);
    int ok = !rc && d.n == 1 && d.dim == want_dim && d.x[want_dim - 1] == 7;
    rt_data_free(&d);
    _exit(ok ? 0 : 1);
  }
  int st = 0;
  while (pid > 0 && waitpid(pid, &st, 0) < 0)
    ;
  return pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_csv_limits(void) {
  /* One row of 8388609 columns, 16 MiB of text from a 16 KiB gzip: rows were reserved 256 at a
   * time, 8.6 GB before any value was read.  Now memory follows the rows read. */
  const char *p = in9("wide.csv.gz");
  enum { COLS = 8388609 };
  write_pieces(p, (Piece[]){{"0,", 2, COLS - 1}, {"7\n", 2, 1}}, 2, 1);
  CHECK(load_capped(p, (size_t)1 << 30, COLS) == 0,
        "one row of %d columns does not load within 1 GiB of address space", COLS);
  /* 2^24 + 1 fields on a line: refused at the limit (the field count was an int, which 2^30 + 1
   * fields overflowed) */
  p = in9("fields.csv.gz");
  write_pieces(p, (Piece[]){{",", 1, RT_CSV_MAX_COLUMNS}, {"\n", 1, 1}}, 2, 1);
  RtData d;
  EXPECT_ERR(rt_load_csv(p, NULL, 0, &d, err, sizeof err), p,
             ": line 1: more than 16777216 fields, the limit", NULL);
  /* exactly the limit is fine as a line; here it fails later, on the empty cells */
  p = in9("fields2.csv.gz");
  write_pieces(p, (Piece[]){{",", 1, RT_CSV_MAX_COLUMNS - 1}, {"\n", 1, 1}}, 2, 1);
  EXPECT_ERR(rt_load_csv(p, NULL, 0, &d, err, sizeof err), p, ": line 1: column 1: empty cell",
             NULL);
}

static void test_untrusted(void) {
  snprintf(dir9, sizeof dir9, "data_test9_XXXXXX");
  if (!mkdtemp(dir9)) {
    CHECK(0, "mkdtemp failed");
    return;
  }
  test_not_regular();
  test_gzip_members();
  test_idx_limits();
  test_csv_limits();
  static const char *const files[] = {"zeros-images.gz", "zeros-images", "wide.csv.gz",
                                      "fields.csv.gz", "fields2.csv.gz"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    unlink(in9(files[i]));
  CHECK(!rmdir(dir9), "%s left non-empty", dir9);
}

/* ---- the real data set ---------------------------------------------------------------------- */

static void check_fashion(const RtData *d, int64_t n, const int *first, long pixel_sum) {
  CHECK(d->n == n && d->dim == 784 && d->c == 1 && d->h == 28 && d->w == 28, "geometry");
  CHECK(d->classes == 10 && d->class_names && !strcmp(d->class_names[9], "Ankle boot"),
        "10 named classes");
  long sum = 0;
  for (int k = 0; k < 784; k++)
    sum += (long)d->x[k];
  CHECK(sum == pixel_sum, "first image's pixel sum %ld, want %ld", sum, pixel_sum);
  for (int i = 0; i < 10; i++)
    CHECK(d->y[i] == first[i], "label %d = %d, want %d", i, d->y[i], first[i]);
  int counts[10] = {0};
  for (int64_t i = 0; i < d->n; i++)
    counts[d->y[i]]++;
  for (int k = 0; k < 10; k++)
    CHECK(counts[k] == n / 10, "class %d has %d samples", k, counts[k]);
}

/* Returns 1 when the data set is not installed. */
static int test_fashion_mnist(void) {
  static const int train_first[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
  static const int test_first[10] = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
  RtData d;
  EXPECT_ERR(rt_load_fashion_mnist("/nonexistent", 0, &d, err, sizeof err), "/nonexistent",
             "apt-get install dataset-fashion-mnist", NULL);
  if (access(RT_FASHION_MNIST_DIR, R_OK)) {
    printf("test_data: SKIPPED the Fashion-MNIST part: %s is missing (install Debian's "
           "dataset-fashion-mnist; make test does)\n",
           RT_FASHION_MNIST_DIR);
    return 1;
  }
  if (!rt_load_fashion_mnist(NULL, 0, &d, err, sizeof err))
    check_fashion(&d, 60000, train_first, 76247);
  else
    CHECK(0, "%s", err);
  EXPECT_ERR(rt_data_check(&d, "train-images-idx3-ubyte.gz", 3072, 10, err, sizeof err),
             "train-images-idx3-ubyte.gz: images are 28x28 = 784 values, the model's input "
             "takes 3072",
             NULL, NULL);
  rt_data_free(&d);
  if (!rt_load_fashion_mnist(NULL, 1, &d, err, sizeof err))
    check_fashion(&d, 10000, test_first, 33456);
  else
    CHECK(0, "%s", err);
  rt_data_free(&d);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_data FIXTURE_DIR\n");
    return 2;
  }
  dir = argv[1];
  test_idx_ok();
  test_idx_errors();
  test_csv_numeric();
  test_csv_names();
  test_csv_errors();
  test_check();
  test_match_classes();
  test_norm_fit();
  test_norm_meta();
  test_permutation();
  test_split();
  test_hflip();
  test_hostile();
  test_untrusted();
  int skipped = test_fashion_mnist();
  if (failures) {
    fprintf(stderr, "test_data: %d check(s) failed\n", failures);
    return 1;
  }
  printf("test_data: all checks passed%s\n", skipped ? " (Fashion-MNIST part skipped)" : "");
  return skipped ? SKIP_CODE : 0;
}
