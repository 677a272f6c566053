/* safetensors.c - libFuzzer target: the safetensors reader (rt_st_open, rt_st_load).
 *
 * Input: the file itself, so the seeds are checkpoints as they are (fuzz/corpus/safetensors).
 * Oracles besides the sanitizers: an opened file's tensors are readable over their whole
 * byte range, aligned for their dtype, found by name, and tile a data section that the file
 * holds; a file rt_st_open refuses, rt_st_load refuses too; every message is one line that
 * starts with the path.  When the file opens, it is also loaded into a model made of its own
 * tensors (variants: see load_own), which must not touch a buffer or the step on failure. */
#define _POSIX_C_SOURCE 200809L
#include "dlc_rt.h"
#include "fuzz_util.h"

static char err[512];

static void check_message(const char *path) {
  FZ_ASSERT(fz_names(err, path) && !strchr(err, '\n'));
}

/* Every byte of every tensor, its alignment and its lookup by name. */
static void check_open(const RtStFile *f, size_t size) {
  int64_t total = 0;
  volatile unsigned char sink = 0;
  for (int i = 0; i < rt_st_count(f); i++) {
    const RtTensor *t = rt_st_get(f, i);
    int64_t n = rt_tensor_numel(t);
    size_t es = rt_dtype_size(t->dtype);
    FZ_ASSERT(n >= 0 && es > 0 && (uintptr_t)t->data % es == 0);
    FZ_ASSERT(rt_st_find(f, t->name) == t);
    for (int64_t k = 0; k < n * (int64_t)es; k++)
      sink ^= ((const unsigned char *)t->data)[k];
    total += n * (int64_t)es;
  }
  (void)sink;
  FZ_ASSERT(total + 8 <= (int64_t)size);
  FZ_ASSERT(!rt_st_get(f, -1) && !rt_st_get(f, rt_st_count(f)));
  const char *s = rt_st_meta(f, "dlc.step");
  FZ_ASSERT(!s || strlen(s) < size);
}

/* The file's tensors as a model, loaded.  The input's last byte v (usually tensor data, so
 * its mutations leave the header alone) picks a variant: bit 0 want F64 (else F32), bits 1-2
 * the graph hash given (none, "h1", the file's own, "other"), bit 3 the first tensor left out,
 * bit 4 an extra tensor that is not optional, bits 5-6 the last tensor's shape (1) or dtype
 * (2) changed. */
static void load_own(const RtStFile *f, const char *path, unsigned v) {
  int n = rt_st_count(f), m = 0;
  RtTensor *ts = calloc((size_t)n + 1, sizeof *ts);
  FZ_ASSERT(ts);
  for (int i = v & 8 ? 1 : 0; i < n; i++) {
    ts[m] = *rt_st_get(f, i);
    ts[m].optional = 0;
    m++;
  }
  if (m && (v >> 5 & 3) == 1 && ts[m - 1].ndim > 0 && ts[m - 1].shape[0] < 1000)
    ts[m - 1].shape[0]++;
  if (m && (v >> 5 & 3) == 2)
    ts[m - 1].dtype = ts[m - 1].dtype == RT_F32 ? RT_I32 : ts[m - 1].dtype == RT_I64 ? RT_F64 : RT_F32;
  for (int i = 0; i < m; i++) {
    int64_t bytes = rt_tensor_numel(&ts[i]) * 8; /* room for F64 or I64 */
    ts[i].data = malloc(bytes ? (size_t)bytes : 1);
    FZ_ASSERT(ts[i].data);
    memset(ts[i].data, 0xA5, bytes ? (size_t)bytes : 1);
  }
  static double extra[3] = {9, 9, 9}; /* a float tensor's buffer holds `want`: room for F64 */
  ts[m++] = (RtTensor){"extra.tensor", RT_F32, 1, {3}, extra, !(v & 16)};
  const char *own = rt_st_meta(f, "dlc.graph_hash"), *hashes[4] = {NULL, "h1", own, "other"};
  RtDType want = v & 1 ? RT_F64 : RT_F32;
  int64_t step = -7;
  err[0] = '\0';
  int rc = rt_st_load(path, ts, m, want, hashes[v >> 1 & 3], &step, err, sizeof err);
  if (rc) {
    check_message(path);
    FZ_ASSERT(step == -7 && extra[0] == 9);
    for (int i = 0; i < m - 1; i++) {
      int64_t bytes = rt_tensor_numel(&ts[i]) * 4;
      for (int64_t k = 0; k < bytes && k < 64; k++)
        FZ_ASSERT(((unsigned char *)ts[i].data)[k] == 0xA5);
    }
  } else {
    FZ_ASSERT(extra[0] == 0 || rt_st_find(f, "extra.tensor"));
  }
  extra[0] = extra[1] = extra[2] = 9;
  for (int i = 0; i < m - 1; i++)
    free(ts[i].data);
  free(ts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fz_file(0, data, size);
  RtDType want = size & 1 ? RT_F64 : RT_F32;
  unsigned v = size ? data[size - 1] : 0;
  err[0] = '\0';
  RtStFile *f = rt_st_open(path, err, sizeof err);
  if (!f) {
    check_message(path);
    float a[6], b[3];
    RtTensor ts[] = {{"a", RT_F32, 2, {2, 3}, a, 0}, {"b", RT_F32, 1, {3}, b, 1}};
    FZ_ASSERT(rt_st_load(path, ts, 2, want, NULL, NULL, err, sizeof err) != 0);
    check_message(path);
    return 0;
  }
  check_open(f, size);
  load_own(f, path, v);
  rt_st_close(f);
  return 0;
}
