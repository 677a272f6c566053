/* test_safetensors.c - unit tests of runtime/safetensors.c: round trips of every dtype with
 * metadata, rt_st_load's conversions and each of its refusals, files written by hand to the
 * format's specification, hostile headers (each refused with its own message), truncation at
 * every length, byte flips all over the header, and atomic saving that leaves the old file
 * alone when it fails.  Issue 9's regressions: byte ranges that must tile the data section,
 * header lengths that are multiples of 8, dlc.step at INT64_MIN, 100000 tensors loaded in
 * O(n log n), FIFOs and devices refused without blocking; and fileio.c's atomic-write pieces.
 * Works in a fresh directory under the current one, removed on success.
 * Exits non-zero and prints each failed check. */
#define _POSIX_C_SOURCE 200809L
#include "dlc_rt.h"
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../check.h"

static char dir[64];
static char err[512];

static const char *in_dir(const char *name) {
  static char buf[16][512];
  static int k;
  k = (k + 1) % 16;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

static void write_file(const char *path, const void *p, size_t n) {
  FILE *fp = fopen(path, "wb");
  if (!fp || fwrite(p, 1, n, fp) != n) {
    perror(path);
    exit(2);
  }
  fclose(fp);
}

static unsigned char *read_file(const char *path, size_t *n) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    perror(path);
    exit(2);
  }
  fseek(fp, 0, SEEK_END);
  *n = (size_t)ftell(fp);
  rewind(fp);
  unsigned char *p = malloc(*n + 1);
  if (!p || fread(p, 1, *n, fp) != *n)
    exit(2);
  fclose(fp);
  return p;
}

/* 8-byte little-endian length, the header as given padded with byte `pad` to a multiple of 8
 * bytes (pad -1: no padding), then the data. */
static void write_st_pad(const char *path, const char *json, size_t jlen, int pad,
                         const void *data, size_t dlen) {
  size_t hlen = pad >= 0 ? (jlen + 7) / 8 * 8 : jlen;
  unsigned char *buf = malloc(8 + hlen + dlen + 1);
  for (int i = 0; i < 8; i++)
    buf[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
  memcpy(buf + 8, json, jlen);
  memset(buf + 8 + jlen, pad, hlen - jlen);
  if (dlen)
    memcpy(buf + 8 + hlen, data, dlen);
  write_file(path, buf, 8 + hlen + dlen);
  free(buf);
}

/* A header padded with spaces, as writers do. */
static void write_st(const char *path, const char *json, size_t jlen, const void *data,
                     size_t dlen) {
  write_st_pad(path, json, jlen, ' ', data, dlen);
}

/* A failure's message: one line, starting with the path, containing `want`. */
static int good_message(const char *path, const char *want) {
  return strncmp(err, path, strlen(path)) == 0 && strstr(err, want) && !strchr(err, '\n');
}

static void expect_open_fails(const char *path, const char *want, const char *what) {
  err[0] = '\0';
  RtStFile *f = rt_st_open(path, err, sizeof err);
  CHECK(!f, "%s: opened", what);
  CHECK(good_message(path, want), "%s: message \"%s\" lacks \"%s\"", what, err, want);
  rt_st_close(f);
}

static int count_temp_files(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  while (d && (e = readdir(d)))
    n += strstr(e->d_name, ".tmp.") != NULL;
  if (d)
    closedir(d);
  return n;
}

/* ---- a reference checkpoint ------------------------------------------------------------- */

static float w[8][4], bias[8], odd[3];
static double w64[3];
static int32_t labels[5];
static int64_t count = 123456789012345;

static RtTensor ref_tensors[] = {
    {"net.0.weight", RT_F32, 2, {8, 4}, w, 0}, {"net.0.bias", RT_F32, 1, {8}, bias, 0},
    {"odd", RT_F32, 1, {3}, odd, 0}, /* 12 bytes: w64 lands misaligned in the file */
    {"w64", RT_F64, 1, {3}, w64, 0},           {"labels", RT_I32, 1, {5}, labels, 0},
    {"count", RT_I64, 0, {0}, &count, 0}, /* a scalar */
    {"empty", RT_F32, 2, {0, 3}, NULL, 0},
};
#define NREF ((int)(sizeof ref_tensors / sizeof ref_tensors[0]))

static const RtMeta ref_meta[] = {
    {"dlc.name", "fashion_mlp"},
    {"dlc.step", "42"},
    {"dlc.graph_hash", "abc123"},
    {"quote\"back\\slash\nnewline", "caf\xc3\xa9 \xe2\x9c\x93"},
};
#define NMETA ((int)(sizeof ref_meta / sizeof ref_meta[0]))

static void fill_reference(void) {
  for (int i = 0; i < 32; i++)
    w[i / 4][i % 4] = (float)i * 0.5f - 3;
  for (int i = 0; i < 8; i++)
    bias[i] = 1.0f / (float)(i + 1);
  for (int i = 0; i < 3; i++) {
    odd[i] = (float)-i;
    w64[i] = 0.1 * (i + 1);
  }
  for (int i = 0; i < 5; i++)
    labels[i] = i * 7 - 10;
}

static const char *save_reference(const char *name) {
  const char *path = in_dir(name);
  int rc = rt_st_save(path, ref_tensors, NREF, ref_meta, NMETA, err, sizeof err);
  CHECK(rc == 0, "save %s: %s", path, err);
  return path;
}

/* ---- round trip ------------------------------------------------------------------------------ */

static void check_same_tensor(const RtTensor *got, const RtTensor *want) {
  CHECK(got && !strcmp(got->name, want->name), "tensor %s: wrong name", want->name);
  if (!got)
    return;
  CHECK(got->dtype == want->dtype && got->ndim == want->ndim, "tensor %s: dtype or rank",
        want->name);
  for (int d = 0; d < want->ndim && d < got->ndim; d++)
    CHECK(got->shape[d] == want->shape[d], "tensor %s: dim %d", want->name, d);
  size_t bytes = (size_t)rt_tensor_numel(want) * rt_dtype_size(want->dtype);
  CHECK((uintptr_t)got->data % rt_dtype_size(want->dtype) == 0, "tensor %s: misaligned data",
        want->name);
  CHECK(!bytes || !memcmp(got->data, want->data, bytes), "tensor %s: data differs", want->name);
}

static void test_round_trip(void) {
  const char *path = save_reference("ref.safetensors");
  size_t n;
  unsigned char *img = read_file(path, &n);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--)
    hlen = hlen << 8 | img[i];
  size_t data = 32 * 4 + 8 * 4 + 3 * 4 + 3 * 8 + 5 * 4 + 8;
  CHECK(hlen % 8 == 0 && img[8] == '{' && n == 8 + hlen + data, "layout: header %llu, file %zu",
        (unsigned long long)hlen, n);
  CHECK(img[8 + hlen - 1] == ' ' || img[8 + hlen - 1] == '}', "header padded with spaces");
  free(img);
  RtStFile *f = rt_st_open(path, err, sizeof err);
  CHECK(f, "open: %s", err);
  if (!f)
    return;
  CHECK(rt_st_count(f) == NREF, "count %d", rt_st_count(f));
  for (int i = 0; i < NREF && i < rt_st_count(f); i++)
    check_same_tensor(rt_st_get(f, i), &ref_tensors[i]);
  for (int i = 0; i < NREF; i++)
    CHECK(rt_st_find(f, ref_tensors[i].name) == rt_st_get(f, i), "find %s", ref_tensors[i].name);
  for (int i = 0; i < NMETA; i++) {
    const char *v = rt_st_meta(f, ref_meta[i].key);
    CHECK(v && !strcmp(v, ref_meta[i].value), "metadata %s = %s", ref_meta[i].key,
          v ? v : "(absent)");
  }
  CHECK(!rt_st_find(f, "net.1.weight") && !rt_st_meta(f, "dlc.nothing"), "absent names");
  CHECK(!rt_st_get(f, -1) && !rt_st_get(f, NREF), "get out of range");
  rt_st_close(f);
  CHECK(count_temp_files() == 0, "temporary files left behind");
}

static void test_no_metadata(void) {
  const char *path = in_dir("nometa.safetensors");
  CHECK(!rt_st_save(path, ref_tensors, 2, NULL, 0, err, sizeof err), "save: %s", err);
  RtStFile *f = rt_st_open(path, err, sizeof err);
  CHECK(f && rt_st_count(f) == 2 && !rt_st_meta(f, "dlc.step"), "open: %s", err);
  rt_st_close(f);
  path = in_dir("nothing.safetensors");
  CHECK(!rt_st_save(path, NULL, 0, NULL, 0, err, sizeof err), "save of nothing: %s", err);
  f = rt_st_open(path, err, sizeof err);
  CHECK(f && rt_st_count(f) == 0, "open of nothing: %s", err);
  rt_st_close(f);
}

/* ---- rt_st_load --------------------------------------------------------------------------------
 */

static void test_load_convert(void) {
  const char *path = save_reference("conv.safetensors");
  double wd[8][4], bd[8], od[3], w64d[3];
  int32_t lab[5];
  int64_t cnt = 0, step = -1;
  RtTensor model[] = {
      {"net.0.weight", RT_F32, 2, {8, 4}, wd, 0},
      {"net.0.bias", RT_F32, 1, {8}, bd, 0},
      {"odd", RT_F32, 1, {3}, od, 0},
      {"w64", RT_F64, 1, {3}, w64d, 0},
      {"labels", RT_I32, 1, {5}, lab, 0},
      {"count", RT_I64, 0, {0}, &cnt, 0},
      {"empty", RT_F32, 2, {0, 3}, NULL, 0},
  };
  int rc = rt_st_load(path, model, NREF, RT_F64, "abc123", &step, err, sizeof err);
  CHECK(rc == 0, "load as F64: %s", err);
  CHECK(step == 42, "step %lld", (long long)step);
  CHECK(wd[7][3] == (double)w[7][3] && bd[2] == (double)bias[2] && w64d[1] == w64[1],
        "F32 -> F64 values");
  CHECK(lab[4] == labels[4] && cnt == count, "integer tensors");
  float wf[8][4], bf[8], of[3], w64f[3];
  RtTensor model32[] = {
      {"net.0.weight", RT_F32, 2, {8, 4}, wf, 0},
      {"net.0.bias", RT_F32, 1, {8}, bf, 0},
      {"odd", RT_F32, 1, {3}, of, 0},
      {"w64", RT_F32, 1, {3}, w64f, 0},
      {"labels", RT_I32, 1, {5}, lab, 0},
      {"count", RT_I64, 0, {0}, &cnt, 0},
      {"empty", RT_F32, 2, {0, 3}, NULL, 0},
  };
  rc = rt_st_load(path, model32, NREF, RT_F32, NULL, NULL, err, sizeof err);
  CHECK(rc == 0, "load as F32: %s", err);
  CHECK(w64f[0] == (float)0.1 && w64f[2] == (float)w64[2] && wf[3][1] == w[3][1],
        "F64 -> F32 values");
}

/* A model of two tensors, a [2,3] and b [3], and a file holding them. */
static float fa[6] = {1, 2, 3, 4, 5, 6}, fb[3] = {7, 8, 9};

static const char *small_file(const char *name, const RtMeta *meta, int nmeta) {
  RtTensor ts[] = {{"a", RT_F32, 2, {2, 3}, fa, 0}, {"b", RT_F32, 1, {3}, fb, 0}};
  const char *path = in_dir(name);
  CHECK(!rt_st_save(path, ts, 2, meta, nmeta, err, sizeof err), "save %s: %s", name, err);
  return path;
}

/* The load must fail with `want` in its message and leave buffers and step untouched. */
static void expect_load_fails(const char *path, RtTensor *ts, int n, RtDType dt, const char *hash,
                              const char *want) {
  unsigned char before[2][64];
  size_t bytes[2] = {0, 0};
  int64_t step = -5;
  for (int i = 0; i < n && i < 2; i++) {
    bytes[i] = (size_t)rt_tensor_numel(&ts[i]) * rt_dtype_size(ts[i].dtype);
    bytes[i] = ts[i].data && bytes[i] <= 64 ? bytes[i] : 0;
    memcpy(before[i], ts[i].data, bytes[i]);
  }
  err[0] = '\0';
  int rc = rt_st_load(path, ts, n, dt, hash, &step, err, sizeof err);
  CHECK(rc != 0, "load succeeded, expected \"%s\"", want);
  CHECK(good_message(path, want), "message \"%s\" lacks \"%s\"", err, want);
  CHECK(step == -5, "step written on failure");
  for (int i = 0; i < n && i < 2; i++)
    CHECK(!bytes[i] || !memcmp(before[i], ts[i].data, bytes[i]), "tensor %s modified on failure",
          ts[i].name);
}

static void test_load_errors(void) {
  static const RtMeta meta[] = {{"dlc.graph_hash", "h1"}, {"dlc.step", "7"}};
  const char *path = small_file("small.safetensors", meta, 2);
  float a[6], b[3], c[4];
  int32_t ai[6];
  int64_t step = 0;
  memset(a, 0x55, sizeof a);
  memset(b, 0x55, sizeof b);
  RtTensor ok[] = {
      {"a", RT_F32, 2, {2, 3}, a, 0}, {"b", RT_F32, 1, {3}, b, 0}, {"c", RT_F32, 1, {4}, c, 0}};
  expect_load_fails(path, ok, 3, RT_F32, NULL, "c: missing from the file");
  expect_load_fails(path, ok, 1, RT_F32, NULL, "b: in the file but not in the model");
  RtTensor shape[] = {{"a", RT_F32, 2, {3, 2}, a, 0}, {"b", RT_F32, 1, {3}, b, 0}};
  expect_load_fails(path, shape, 2, RT_F32, NULL, "a: shape [2,3] in file, [3,2] expected");
  RtTensor rank[] = {{"a", RT_F32, 1, {6}, a, 0}, {"b", RT_F32, 1, {3}, b, 0}};
  expect_load_fails(path, rank, 2, RT_F32, NULL, "a: shape [2,3] in file, [6] expected");
  expect_load_fails(path, ok, 2, RT_F32, "h2", "graph hash h1 in file, h2 expected");
  RtTensor ints[] = {{"a", RT_I32, 2, {2, 3}, ai, 0}, {"b", RT_F32, 1, {3}, b, 0}};
  expect_load_fails(path, ints, 2, RT_F32, NULL, "a: dtype F32 in file, I32 expected");
  expect_load_fails(path, ok, 2, RT_I32, NULL, "want must be F32 or F64");

  CHECK(!rt_st_load(path, ok, 2, RT_F32, "h1", &step, err, sizeof err) && step == 7,
        "matching hash: %s", err);
  CHECK(a[5] == 6 && b[0] == 7, "values after load");
  CHECK(!rt_st_load(path, ok, 2, RT_F32, NULL, &step, err, sizeof err), "no hash given: %s", err);
  const char *nohash = small_file("nohash.safetensors", NULL, 0);
  step = 99;
  CHECK(!rt_st_load(nohash, ok, 2, RT_F32, "h2", &step, err, sizeof err) && step == 0,
        "file without hash (PyTorch export): %s", err);

  /* optimizer state the model does not keep (an inference build) is skipped; a tensor that
   * differs is named before the graph hash is looked at */
  RtTensor with_state[] = {{"a", RT_F32, 2, {2, 3}, fa, 0}, {"optim.a.momentum_buffer", RT_F32, 2, {2, 3}, fa, 1}};
  const char *trained = in_dir("trained.safetensors");
  CHECK(!rt_st_save(trained, with_state, 2, meta, 2, err, sizeof err), "save: %s", err);
  CHECK(!rt_st_load(trained, ok, 1, RT_F32, "h1", &step, err, sizeof err), "optim.* skipped: %s", err);
  int64_t nbt = 12;
  RtTensor with_nbt[] = {{"a", RT_F32, 2, {2, 3}, fa, 0}, {"net.1.num_batches_tracked", RT_I64, 0, {0}, &nbt, 0}};
  const char *torch_bn = in_dir("torch_bn.safetensors");
  CHECK(!rt_st_save(torch_bn, with_nbt, 2, NULL, 0, err, sizeof err), "save: %s", err);
  CHECK(!rt_st_load(torch_bn, ok, 1, RT_F32, "h1", &step, err, sizeof err), "num_batches_tracked skipped: %s", err);
  RtTensor other[] = {{"a", RT_F32, 2, {3, 2}, a, 0}};
  expect_load_fails(trained, other, 1, RT_F32, "h2", "a: shape [2,3] in file, [3,2] expected");

  for (int i = 0; i < 4; i++)
    c[i] = NAN;
  ok[2].optional = 1;
  CHECK(!rt_st_load(path, ok, 3, RT_F32, "h1", &step, err, sizeof err), "optional absent: %s", err);
  CHECK(c[0] == 0 && c[3] == 0, "optional absent tensor is zero-filled");

  static const RtMeta bad_step[] = {{"dlc.step", "7x"}};
  expect_load_fails(small_file("badstep.safetensors", bad_step, 1), ok, 2, RT_F32, NULL,
                    "dlc.step \"7x\"");
  static const RtMeta big_step[] = {{"dlc.step", "99999999999999999999"}};
  expect_load_fails(small_file("bigstep.safetensors", big_step, 1), ok, 2, RT_F32, NULL,
                    "dlc.step");
  static const RtMeta over_max[] = {{"dlc.step", "9223372036854775808"}};
  expect_load_fails(small_file("overmax.safetensors", over_max, 1), ok, 2, RT_F32, NULL,
                    "dlc.step \"9223372036854775808\"");
  static const RtMeta under_min[] = {{"dlc.step", "-9223372036854775809"}};
  expect_load_fails(small_file("undermin.safetensors", under_min, 1), ok, 2, RT_F32, NULL,
                    "dlc.step \"-9223372036854775809\"");
  static const RtMeta lone_minus[] = {{"dlc.step", "-"}};
  expect_load_fails(small_file("minus.safetensors", lone_minus, 1), ok, 2, RT_F32, NULL,
                    "dlc.step \"-\"");
  /* the ends of the int64 range are valid steps (INT64_MIN was refused: issue 9) */
  static const RtMeta min_step[] = {{"dlc.step", "-9223372036854775808"}};
  CHECK(!rt_st_load(small_file("minstep.safetensors", min_step, 1), ok, 2, RT_F32, NULL, &step,
                    err, sizeof err) &&
            step == INT64_MIN,
        "dlc.step INT64_MIN: %s", err);
  static const RtMeta max_step[] = {{"dlc.step", "9223372036854775807"}};
  CHECK(!rt_st_load(small_file("maxstep.safetensors", max_step, 1), ok, 2, RT_F32, NULL, &step,
                    err, sizeof err) &&
            step == INT64_MAX,
        "dlc.step INT64_MAX: %s", err);
  static const RtMeta neg_step[] = {{"dlc.step", "-12"}};
  CHECK(!rt_st_load(small_file("negstep.safetensors", neg_step, 1), ok, 2, RT_F32, NULL, &step,
                    err, sizeof err) &&
            step == -12,
        "dlc.step -12: %s", err);

  double huge[3] = {1, 1e300, 2};
  RtTensor h64[] = {{"b", RT_F64, 1, {3}, huge, 0}};
  const char *hp = in_dir("huge.safetensors");
  CHECK(!rt_st_save(hp, h64, 1, NULL, 0, err, sizeof err), "save: %s", err);
  RtTensor hb[] = {{"b", RT_F32, 1, {3}, b, 0}};
  expect_load_fails(hp, hb, 1, RT_F32, NULL, "b: element 1 (1e+300) does not fit in F32");
}

/* ---- files written by hand to the format's specification ------------------------------------- */

static void test_handwritten(void) {
  /* The reference implementation's documentation example: 60-byte header, I32 2x2 zeros. */
  static const char doc[] =
      "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
  const char *path = in_dir("doc.safetensors");
  unsigned char zeros[16] = {0};
  write_st(path, doc, strlen(doc), zeros, 16);
  RtStFile *f = rt_st_open(path, err, sizeof err);
  CHECK(f, "documentation example: %s", err);
  const RtTensor *t = f ? rt_st_find(f, "test") : NULL;
  CHECK(t && t->dtype == RT_I32 && t->ndim == 2 && ((const int32_t *)t->data)[3] == 0,
        "test tensor");
  rt_st_close(f);

  /* Whitespace, fields in another order, tensors out of offset order, metadata last, escaped
   * and raw UTF-8 names, a scalar, an empty tensor, padding with spaces. */
  static const char hdr[] =
      "{ \"b\\\"q\\\\s\\u00e9\\ud83d\\ude00\" : { \"data_offsets\" : [ 8 , 16 ] ,\n"
      "   \"shape\" : [ 2 ] , \"dtype\" : \"F32\" } ,\r\n"
      "\t\"\xc3\xbc\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]},"
      "\"z\":{\"dtype\":\"I64\",\"shape\":[0,5],\"data_offsets\":[16,16]},"
      "\"__metadata__\":{\"format\":\"pt\",\"note\":\"a\\/b\\t\"}}      ";
  unsigned char data[16];
  double two = 2.0;
  memcpy(data, &two, 8);
  static const unsigned char le[8] = {0x00, 0x00, 0x80, 0x3f,
                                      0x00, 0x00, 0x40, 0xc0}; /* 1.0f, -3.0f */
  memcpy(data + 8, le, 8);
  path = in_dir("hand.safetensors");
  write_st(path, hdr, strlen(hdr), data, 16);
  f = rt_st_open(path, err, sizeof err);
  CHECK(f, "hand-written file: %s", err);
  if (!f)
    return;
  const RtTensor *b = rt_st_find(f, "b\"q\\s\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(b && b->ndim == 1 && b->shape[0] == 2, "escaped name decoded");
  CHECK(b && ((const float *)b->data)[0] == 1.0f && ((const float *)b->data)[1] == -3.0f,
        "F32 data");
  const RtTensor *u = rt_st_find(f, "\xc3\xbc");
  CHECK(u && u->ndim == 0 && rt_tensor_numel(u) == 1 && *(const double *)u->data == 2.0,
        "scalar F64");
  const RtTensor *z = rt_st_find(f, "z");
  CHECK(z && rt_tensor_numel(z) == 0, "empty tensor");
  CHECK(rt_st_get(f, 0) == b && rt_st_get(f, 2) == z, "file order kept");
  const char *note = rt_st_meta(f, "note");
  CHECK(note && !strcmp(note, "a/b\t"), "metadata escapes");
  rt_st_close(f);

  /* Not what the reference writer makes but valid: a misaligned F64 after an F32. */
  static const char mis[] = "{\"s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                            "\"m\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[4,12]}}";
  unsigned char md[12] = {0};
  memcpy(md + 4, &two, 8);
  path = in_dir("misaligned.safetensors");
  write_st(path, mis, strlen(mis), md, 12);
  f = rt_st_open(path, err, sizeof err);
  CHECK(f, "misaligned file: %s", err);
  t = f ? rt_st_find(f, "m") : NULL;
  CHECK(t && (uintptr_t)t->data % 8 == 0 && *(const double *)t->data == 2.0,
        "misaligned range copied");
  rt_st_close(f);
}

/* The byte ranges, sorted by offset, must cover the data section exactly (the reference
 * reader's rule): gaps, overlaps and bytes after the last tensor are refused (issue 9). */
static void test_coverage(void) {
  static const struct {
    const char *json;
    size_t dlen;
    const char *want;
  } cases[] = {
      {"{\"m\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[1,5]}}", 5,
       "data bytes [0,1) belong to no tensor (a gap before 'm')"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
       "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
       12, "data bytes [4,8) belong to no tensor (a gap before 'b')"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
       "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
       8, "tensor 'b' (data_offsets [4,8]) overlaps tensor 'a'"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
       "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
       8, "overlaps tensor"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
       "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}",
       8, "tensor 'z' (data_offsets [4,4]) overlaps tensor 'a'"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 5,
       "1 bytes of data after the last tensor's (the data section is 5 bytes, the tensors take 4)"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4096,
       "4092 bytes of data after the last tensor's"},
      {"{}", 1, "1 bytes of data after the last tensor's"},
      {"{\"__metadata__\":{\"k\":\"v\"}}", 8, "8 bytes of data after"},
  };
  static unsigned char data[4096];
  const char *path = in_dir("cover.safetensors");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    write_st(path, cases[i].json, strlen(cases[i].json), data, cases[i].dlen);
    char what[64];
    snprintf(what, sizeof what, "coverage case %zu", i);
    expect_open_fails(path, cases[i].want, what);
    float a[2], b[2];
    RtTensor ts[] = {{"a", RT_F32, 1, {1}, a, 1}, {"b", RT_F32, 1, {1}, b, 1}};
    CHECK(rt_st_load(path, ts, 2, RT_F32, NULL, NULL, err, sizeof err) != 0, "%s: loaded", what);
  }
  /* zero-size tensors at the boundaries and between others are fine; order in the JSON is free */
  static const char ok[] =
      "{\"e0\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
      "\"e1\":{\"dtype\":\"I64\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
      "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
      "\"e2\":{\"dtype\":\"F64\",\"shape\":[0],\"data_offsets\":[8,8]}}";
  write_st(path, ok, strlen(ok), data, 8);
  RtStFile *f = rt_st_open(path, err, sizeof err);
  CHECK(f && rt_st_count(f) == 5, "zero-size tensors at boundaries: %s", err);
  /* an empty I64 at offset 4 still gets an aligned pointer (found by fuzz/safetensors.c) */
  for (int i = 0; f && i < rt_st_count(f); i++)
    CHECK((uintptr_t)rt_st_get(f, i)->data % rt_dtype_size(rt_st_get(f, i)->dtype) == 0,
          "tensor %s misaligned", rt_st_get(f, i)->name);
  rt_st_close(f);
}

/* The header length must be a multiple of 8: writers pad the JSON with spaces (issue 9). */
static void test_header_padding(void) {
  static const char doc[] =
      "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
  unsigned char zeros[16] = {0};
  const char *path = in_dir("unpadded.safetensors");
  CHECK(strlen(doc) % 8 != 0, "the unpadded header is not a multiple of 8");
  write_st_pad(path, doc, strlen(doc), -1, zeros, 16);
  expect_open_fails(path, "header length 60 is not a multiple of 8", "unpadded header");
  write_st_pad(path, doc, strlen(doc), '\t', zeros, 16);
  RtStFile *f = rt_st_open(path, err, sizeof err);
  CHECK(f, "padded with tabs (JSON whitespace): %s", err);
  rt_st_close(f);
}

/* ---- hostile and corrupt files ------------------------------------------------------------------
 */

typedef struct {
  const char *json, *want;
} Bad;

static const Bad BAD[] = {
    {"hello", "must start with '{'"},
    {"", "must start with '{'"},
    {" {}", "must start with '{'"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", "expected ',' or '}'"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} x",
     "unexpected bytes after"},
    {"{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}",
     "tensor 'a': unsupported dtype \"F16\""},
    {"{\"a\":{\"dtype\":7,\"shape\":[2],\"data_offsets\":[0,8]}}", "expected a string"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "shape: negative number"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", "fraction or exponent"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2e0],\"data_offsets\":[0,8]}}", "fraction or exponent"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[02],\"data_offsets\":[0,8]}}", "leading zero"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999999],\"data_offsets\":[0,8]}}",
     "number too large"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]"
     "}}",
     "is too large"},
    {"{\"a\":{\"dtype\":\"F64\",\"shape\":[1152921504606846976],\"data_offsets\":[0,8]}}",
     "is too large"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}",
     "more than 8 values"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,800]}}",
     "run past the data, which is 8 bytes"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", "run past the data"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",
     "hold 4 bytes, shape [2] of F32 needs 8"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}",
     "hold 8 bytes, shape [1] of F32 needs 4"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", "end before they begin"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", "more than 2 values"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", "expected [begin, end]"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,9223372036854775807]}}",
     "run past"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
     "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
     "tensor 'a' appears twice"},
    {"{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", "metadata key 'k' appears twice"},
    {"{\"__metadata__\":{},\"__metadata__\":{}}", "__metadata__ given twice"},
    {"{\"__metadata__\":{\"k\":1}}", "values must be strings"},
    {"{\"__metadata__\":[]}", "expected '{'"},
    {"{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
     "\"dtype\" given twice"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", "missing field \"data_offsets\""},
    {"{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", "missing field \"dtype\""},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}",
     "unknown field \"x\""},
    {"{\"a\":[1,2]}", "expected '{'"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},}", "expected a string"},
    {"{\"a\\ud83d\":{}}", "unpaired surrogate"},
    {"{\"a\\ude00\":{}}", "unpaired surrogate"},
    {"{\"a\\ud83d\\u0041\":{}}", "unpaired surrogate"},
    {"{\"a\\u00zz\":{}}", "4 hex digits"},
    {"{\"a\\u0000b\":{}}", "\\u0000"},
    {"{\"a\\x\":{}}", "bad escape"},
    {"{\"a\nb\":{}}", "control byte 0x0A"},
    {"{\"a\xff\":{}}", "not valid UTF-8"},
    {"{\"a\xc0\x80\":{}}", "not valid UTF-8"},
    {"{\"a\xed\xa0\x80\":{}}", "not valid UTF-8"},
    {"{\"abc", "unterminated string"},
    {"{\"abcde\\", "unterminated string"}, /* 8 bytes: no padding after the backslash */
    {"{\"a\" {}}", "expected ':'"},
    {"{\"a\":", "expected '{', header ends"},
};

static void test_hostile_headers(void) {
  unsigned char data[8] = {0};
  const char *path = in_dir("bad.safetensors");
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    write_st(path, BAD[i].json, strlen(BAD[i].json), data, 8);
    char what[64];
    snprintf(what, sizeof what, "hostile header %zu", i);
    expect_open_fails(path, BAD[i].want, what);
  }
  static const char nul[] = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
  write_st_pad(path, nul, sizeof nul, '\0', data, 8); /* padding with NUL, not space */
  expect_open_fails(path, "unexpected bytes after", "NUL padding");
}

static void test_deep_nesting(void) {
  enum { DEPTH = 200000 };
  char *j = malloc(DEPTH + 64);
  const char *path = in_dir("deep.safetensors");
  static const struct {
    const char *prefix, *want;
    char open;
  } cases[] = {
      {"", "must start with '{'", '['},
      {"", "expected a string", '{'},
      {"{\"a\":", "expected '{'", '['},
      {"{\"__metadata__\":{\"k\":", "must be strings", '{'},
      {"{\"a\":{\"shape\":", "expected a non-negative integer", '['},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    size_t n = (size_t)sprintf(j, "%s", cases[k].prefix);
    memset(j + n, cases[k].open, DEPTH);
    write_st(path, j, n + DEPTH, NULL, 0);
    expect_open_fails(path, cases[k].want, "deep nesting");
  }
  free(j);
}

static void test_raw_files(void) {
  const char *path = in_dir("raw.safetensors");
  unsigned char buf[100] = {0xd2, 0x04}; /* header length 1234 */
  write_file(path, buf, 100);
  expect_open_fails(path, "truncated: header says 1234 bytes, file has 100", "short header");
  memset(buf, 0xff, 8);
  buf[7] = 0x7f;
  write_file(path, buf, 100);
  expect_open_fails(path, "is over the 100000000-byte limit", "absurd header length");
  memset(buf, 0xff, 8);
  write_file(path, buf, 100);
  expect_open_fails(path, "is over the", "header length 2^64 - 1");
  write_file(path, buf, 0);
  expect_open_fails(path, "truncated: file has 0 bytes", "empty file");
  write_file(path, buf, 7);
  expect_open_fails(path, "truncated: file has 7 bytes", "7-byte file");
  expect_open_fails(in_dir("does-not-exist"), "cannot open", "missing file");
  expect_open_fails(dir, "not a regular file", "a directory");
}

/* Every proper prefix of a valid file is refused, by open and by load alike. */
static void test_truncation(void) {
  const char *path = small_file("whole.safetensors", NULL, 0), *cut = in_dir("cut.safetensors");
  size_t n;
  unsigned char *img = read_file(path, &n);
  float a[6], b[3];
  RtTensor ts[] = {{"a", RT_F32, 2, {2, 3}, a, 0}, {"b", RT_F32, 1, {3}, b, 0}};
  for (size_t len = 0; len < n; len++) {
    write_file(cut, img, len);
    RtStFile *f = rt_st_open(cut, err, sizeof err);
    CHECK(!f && good_message(cut, ""), "prefix of %zu of %zu bytes: opened (%s)", len, n, err);
    rt_st_close(f);
    CHECK(rt_st_load(cut, ts, 2, RT_F32, NULL, NULL, err, sizeof err) != 0,
          "prefix of %zu bytes: loaded", len);
  }
  write_file(cut, img, n);
  CHECK(!rt_st_load(cut, ts, 2, RT_F32, NULL, NULL, err, sizeof err), "the whole file: %s", err);
  free(img);
}

/* Reads every byte an opened file claims, so the sanitizers see any bad range. */
static void touch_all(const RtStFile *f) {
  volatile unsigned char sink = 0;
  for (int i = 0; i < rt_st_count(f); i++) {
    const RtTensor *t = rt_st_get(f, i);
    size_t bytes = (size_t)rt_tensor_numel(t) * rt_dtype_size(t->dtype);
    for (size_t k = 0; k < bytes; k++)
      sink ^= ((const unsigned char *)t->data)[k];
    sink ^= (unsigned char)strlen(t->name);
  }
  (void)sink;
}

static void try_corrupt(const char *path, const unsigned char *img, size_t n, size_t at,
                        unsigned char v, int *opened) {
  static unsigned char copy[4096];
  float a[6], b[3];
  RtTensor ts[] = {{"a", RT_F32, 2, {2, 3}, a, 0}, {"b", RT_F32, 1, {3}, b, 0}};
  memcpy(copy, img, n);
  copy[at] = v;
  write_file(path, copy, n);
  err[0] = '\0';
  RtStFile *f = rt_st_open(path, err, sizeof err);
  if (f) {
    ++*opened;
    touch_all(f);
    rt_st_close(f);
  } else {
    CHECK(good_message(path, ""), "byte %zu = 0x%02x: bad message \"%s\"", at, v, err);
  }
  rt_st_load(path, ts, 2, RT_F32, "h1", NULL, err, sizeof err);
}

/* Each header byte (and the length) replaced by bit flips and by JSON's structural bytes. */
static void test_byte_flips(void) {
  static const RtMeta meta[] = {{"dlc.graph_hash", "h1"}, {"dlc.step", "7"}};
  static const unsigned char subst[] = {'"', '\\', '{', '}', '[', ']', ',',  ':',
                                        '0', '9',  '-', ' ', 'u', 0,   0x80, 0xff};
  const char *path = small_file("flip.safetensors", meta, 2), *bad = in_dir("flipped.safetensors");
  size_t n;
  unsigned char *img = read_file(path, &n);
  size_t hend = 8 + (size_t)img[0] + ((size_t)img[1] << 8);
  int opened = 0, tries = 0;
  CHECK(n <= 4096 && hend <= n, "test file layout");
  for (size_t at = 0; at < hend && n <= 4096; at++) {
    for (int bit = 0; bit < 8; bit++, tries++)
      try_corrupt(bad, img, n, at, img[at] ^ (unsigned char)(1u << bit), &opened);
    for (size_t k = 0; k < sizeof subst; k++, tries++)
      try_corrupt(bad, img, n, at, subst[k], &opened);
  }
  uint32_t r[4];
  for (uint64_t i = 0; i < 3000 && n <= 4096; i++, tries++) {
    static unsigned char copy[4096];
    memcpy(copy, img, n);
    rt_philox(1, 2, i, r);
    copy[8 + r[0] % (hend - 8)] = (unsigned char)r[1];
    copy[8 + r[2] % (hend - 8)] = (unsigned char)(r[1] >> 8);
    try_corrupt(bad, copy, n, 8 + r[3] % (hend - 8), (unsigned char)(r[1] >> 16), &opened);
  }
  CHECK(opened < tries, "no corruption was noticed");
  printf("test_safetensors: %d corrupted headers, %d still well-formed\n", tries, opened);
  free(img);
}

/* ---- many tensors, FIFOs and devices ------------------------------------------------------- */

/* 100000 tensors: open and load must not compare every file tensor with every model tensor
 * (that took over a minute; issue 9).  Sorted lookups make it well under a second; a quadratic
 * regression shows as this test running into CTest's timeout. */
static void test_many_tensors(void) {
  enum { N = 100000 };
  RtTensor *ts = calloc(N, sizeof *ts);
  char(*names)[16] = calloc(N, sizeof *names);
  float *v = calloc(N, sizeof *v);
  for (int i = 0; i < N; i++) {
    snprintf(names[i], sizeof names[i], "t%d", (i * 7919) % N); /* not in sorted order */
    ts[i] = (RtTensor){names[i], RT_F32, 1, {1}, &v[i], 0};
    v[i] = (float)i;
  }
  const char *path = in_dir("many.safetensors");
  CHECK(!rt_st_save(path, ts, N, NULL, 0, err, sizeof err), "save of %d tensors: %s", N, err);
  for (int i = 0; i < N; i++)
    v[i] = -1;
  RtTensor *rev = calloc(N, sizeof *rev);
  for (int i = 0; i < N; i++)
    rev[i] = ts[N - 1 - i];
  CHECK(!rt_st_load(path, rev, N, RT_F32, NULL, NULL, err, sizeof err), "load: %s", err);
  CHECK(v[0] == 0 && v[N - 1] == (float)(N - 1) && v[N / 2] == (float)(N / 2), "values");
  expect_load_fails(path, rev, N - 1, RT_F32, NULL, "t0: in the file but not in the model");
  free(rev);
  free(v);
  free(names);
  free(ts);
}

/* A FIFO without a writer blocked open(2) forever; a device or directory is not a checkpoint.
 * SIGALRM ends the test if an open blocks. */
static void test_not_regular(void) {
  const char *fifo = in_dir("fifo.safetensors");
  float a[6], b[3];
  RtTensor ts[] = {{"a", RT_F32, 2, {2, 3}, a, 0}, {"b", RT_F32, 1, {3}, b, 0}};
  alarm(60);
  if (mkfifo(fifo, 0600) == 0) {
    expect_open_fails(fifo, "not a regular file (a FIFO)", "FIFO");
    expect_load_fails(fifo, ts, 2, RT_F32, NULL, "not a regular file (a FIFO)");
    unlink(fifo);
  }
  expect_open_fails("/dev/null", "not a regular file (a character device)", "/dev/null");
  expect_load_fails(dir, ts, 2, RT_F32, NULL, "not a regular file (a directory)");
  alarm(0);
}

/* ---- fileio.c: the pieces of atomic writing ---------------------------------------------------- */

static int write_hello(FILE *fp, void *ctx) {
  return fputs((const char *)ctx, fp) < 0 ? -1 : 0;
}

static int write_then_fail(FILE *fp, void *ctx) {
  (void)ctx;
  fputs("partial", fp);
  errno = ENOSPC;
  return -1;
}

static void test_fileio(void) {
  const char *path = in_dir("atomic.txt");
  size_t n;
  CHECK(!rt_write_atomic(path, write_hello, "hello", err, sizeof err), "write: %s", err);
  unsigned char *got = read_file(path, &n);
  CHECK(n == 5 && !memcmp(got, "hello", 5), "contents");
  free(got);
  err[0] = '\0';
  CHECK(rt_write_atomic(path, write_then_fail, NULL, err, sizeof err) != 0 &&
            good_message(path, "not written: the write failed: No space left on device"),
        "a failing writer: \"%s\"", err);
  got = read_file(path, &n);
  CHECK(n == 5 && !memcmp(got, "hello", 5), "old contents kept after a failed write");
  free(got);
  CHECK(count_temp_files() == 0, "temporary file removed after a failed write");

  err[0] = '\0';
  CHECK(rt_rename_durable(in_dir("no-such-tmp"), path, err, sizeof err) == -1 &&
            good_message(path, "the rename failed: No such file or directory"),
        "rename of a missing file: \"%s\"", err);
  const char *tmp = in_dir("atomic.txt.new");
  write_file(tmp, "new", 3);
  CHECK(!rt_fsync_path(tmp) && !rt_rename_durable(tmp, path, err, sizeof err), "rename: %s", err);
  got = read_file(path, &n);
  CHECK(n == 3 && !memcmp(got, "new", 3) && access(tmp, F_OK) != 0, "renamed");
  free(got);

  int fd = rt_open_regular(path, err, sizeof err);
  CHECK(fd >= 0, "open a regular file: %s", err);
  if (fd >= 0)
    close(fd);
  err[0] = '\0';
  CHECK(rt_open_regular(dir, err, sizeof err) < 0 &&
            good_message(dir, "not a regular file (a directory)"),
        "a directory: \"%s\"", err);
  CHECK(rt_open_regular(in_dir("absent"), err, sizeof err) < 0 &&
            good_message(in_dir("absent"), "cannot open: No such file or directory"),
        "a missing file: \"%s\"", err);
  /* a FIFO (as /dev/null or /dev/stdout) is written in place, not replaced by a regular file */
  const char *fifo = in_dir("out.fifo");
  alarm(60);
  if (mkfifo(fifo, 0600) == 0) {
    int rd = open(fifo, O_RDWR | O_NONBLOCK); /* a reader, so the write does not wait */
    CHECK(rd >= 0 && !rt_write_atomic(fifo, write_hello, "hello", err, sizeof err), "write to a FIFO: %s", err);
    char back[16] = "";
    CHECK(rd >= 0 && read(rd, back, sizeof back) == 5 && !memcmp(back, "hello", 5), "the FIFO got the bytes");
    struct stat st;
    CHECK(!stat(fifo, &st) && S_ISFIFO(st.st_mode), "still a FIFO");
    if (rd >= 0)
      close(rd);
    unlink(fifo);
  }
  alarm(0);
  err[0] = '\0';
  CHECK(rt_write_atomic(dir, write_hello, "x", err, sizeof err) != 0 && good_message(dir, "not written: it is a directory"),
        "a directory: \"%s\"", err);
  CHECK(count_temp_files() == 0, "no temporary file left");
}

/* ---- saving
 * -------------------------------------------------------------------------------------- */

static void expect_save_fails(const char *path, const RtTensor *ts, int n, const RtMeta *m, int nm,
                              const char *want) {
  size_t before_n, after_n;
  unsigned char *before = read_file(path, &before_n);
  err[0] = '\0';
  CHECK(rt_st_save(path, ts, n, m, nm, err, sizeof err) != 0, "save succeeded, expected \"%s\"",
        want);
  CHECK(good_message(path, want), "message \"%s\" lacks \"%s\"", err, want);
  unsigned char *after = read_file(path, &after_n);
  CHECK(before_n == after_n && !memcmp(before, after, before_n),
        "old file changed by a failed save");
  CHECK(count_temp_files() == 0, "temporary file left after a failed save");
  free(before);
  free(after);
}

static void test_save_errors(void) {
  const char *path = small_file("keep.safetensors", NULL, 0);
  float big[16384] = {0};
  RtTensor dup[] = {{"a", RT_F32, 1, {1}, fa, 0}, {"a", RT_F32, 1, {1}, fb, 0}};
  RtTensor reserved[] = {{"__metadata__", RT_F32, 1, {1}, fa, 0}};
  RtTensor neg[] = {{"a", RT_F32, 1, {-1}, fa, 0}};
  RtTensor rank[] = {{"a", RT_F32, 9, {1}, fa, 0}};
  RtTensor nodata[] = {{"a", RT_F32, 1, {2}, NULL, 0}};
  RtTensor baddt[] = {{"a", (RtDType)17, 1, {2}, fa, 0}};
  RtTensor badname[] = {{"a\xff", RT_F32, 1, {1}, fa, 0}};
  RtTensor large[] = {{"big", RT_F32, 1, {16384}, big, 0}};
  static const RtMeta mdup[] = {{"k", "1"}, {"k", "2"}};
  static const RtMeta mnull[] = {{"k", NULL}};
  expect_save_fails(path, dup, 2, NULL, 0, "'a' given twice");
  expect_save_fails(path, reserved, 1, NULL, 0, "__metadata__ is reserved");
  expect_save_fails(path, neg, 1, NULL, 0, "bad dtype or shape");
  expect_save_fails(path, rank, 1, NULL, 0, "bad dtype or shape");
  expect_save_fails(path, nodata, 1, NULL, 0, "no data");
  expect_save_fails(path, baddt, 1, NULL, 0, "bad dtype or shape");
  expect_save_fails(path, badname, 1, NULL, 0, "not UTF-8");
  expect_save_fails(path, large, 1, mdup, 2, "'k' given twice");
  expect_save_fails(path, large, 1, mnull, 1, "metadata 0");
  expect_save_fails(path, large, -1, NULL, 0, "bad tensor or metadata count");

  /* A write that fails part-way: the file size limit stops it. */
  struct rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 4096;
  signal(SIGXFSZ, SIG_IGN);
  if (!setrlimit(RLIMIT_FSIZE, &lim)) {
    expect_save_fails(path, large, 1, NULL, 0, "not written: the write failed");
    setrlimit(RLIMIT_FSIZE, &old);
  }
  signal(SIGXFSZ, SIG_DFL);

  err[0] = '\0';
  CHECK(rt_st_save(in_dir("no/such/dir.safetensors"), large, 1, NULL, 0, err, sizeof err) != 0 &&
            strstr(err, "cannot create a temporary file"),
        "save into a missing directory: \"%s\"", err);
  const char *sub = in_dir("subdir");
  mkdir(sub, 0755);
  err[0] = '\0';
  CHECK(rt_st_save(sub, large, 1, NULL, 0, err, sizeof err) != 0 &&
            strstr(err, "not written: it is a directory"),
        "save over a directory: \"%s\"", err);
  CHECK(count_temp_files() == 0, "temporary file left after a refused save");
  rmdir(sub);
}

/* A new file gets 0666 less the umask; a replaced one keeps its mode. */
static void test_save_modes(void) {
  struct stat st;
  mode_t old = umask(022);
  const char *path = in_dir("mode.safetensors");
  small_file("mode.safetensors", NULL, 0);
  CHECK(!stat(path, &st) && (st.st_mode & 0777) == 0644, "new file mode %o",
        (unsigned)(st.st_mode & 0777));
  chmod(path, 0600);
  small_file("mode.safetensors", NULL, 0);
  CHECK(!stat(path, &st) && (st.st_mode & 0777) == 0600, "replaced file mode %o",
        (unsigned)(st.st_mode & 0777));
  umask(old);
}

static void remove_dir(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      unlink(in_dir(e->d_name));
  if (d)
    closedir(d);
  rmdir(dir);
}

int main(void) {
  strcpy(dir, "st_test_XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  fill_reference();
  test_round_trip();
  test_no_metadata();
  test_load_convert();
  test_load_errors();
  test_handwritten();
  test_coverage();
  test_header_padding();
  test_hostile_headers();
  test_deep_nesting();
  test_raw_files();
  test_truncation();
  test_byte_flips();
  test_many_tensors();
  test_not_regular();
  test_fileio();
  test_save_errors();
  test_save_modes();
  if (failures) {
    fprintf(stderr, "test_safetensors: %d check(s) failed; files kept in %s\n", failures, dir);
    return 1;
  }
  remove_dir();
  printf("test_safetensors: all checks passed\n");
  return 0;
}
