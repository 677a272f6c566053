/* lib_test.c - one activation or loss of the library against PyTorch.
 *
 *   lib_test FIXTURE.safetensors
 *
 * Built against tests/ref/library.lua generated with `-D case=NAME --name lib` (f32 or f64);
 * FIXTURE is fixtures/library_NAME.safetensors from make_library_fixtures.py.  The net has one
 * input, w (activations: the weights of the outputs in the loss) or t (losses: the target,
 * floats or int32 class indices), 1 to 4 outputs, and parameters holding the function's inputs.
 * The driver loads the parameters ("param.<name>") with lib_load, runs lib_forward and
 * compares each output with "output", "output2", ...; runs lib_grad and compares the loss with
 * "loss" and each parameter's gradient (read back by saving a model whose parameters are the
 * gradients, so every gradient is found by its parameter's name) with "grad.<name>".  A buffer
 * (batch norm's running statistics: a parameter without a gradient) has "buffer.<name>" in
 * the fixture instead: its value after lib_grad, whose training pass updates it.
 *
 * Tolerances, ref being PyTorch in float64: per element |dlc - ref| <= rtol * max(|ref|, S / 10)
 * with S the largest |ref| in the tensor (the floor absorbs the rounding of elements that are
 * small through cancellation; see ref_test.c).  f32 build: rtol 1e-5 for outputs and the loss,
 * 1e-4 for gradients (SPEC §6); f64 build: 1e-12 throughout (the same formulas up to summation
 * order).  Prints the worst difference per tensor; exits 1 on a mismatch, 2 on bad files. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlc_rt.h"
#include "lib.h"
#include "../st_value.h"

#define IS_F64 (sizeof(lib_real) == sizeof(double))

#if defined(LIB_W_SIZE)
#define IN_NAME "input.w"
#define IN_SIZE LIB_W_SIZE
#elif defined(LIB_T_SIZE)
#define IN_NAME "input.t"
#define IN_SIZE LIB_T_SIZE
#else
#error "the net's input must be named w or t"
#endif

/* the outputs, as the header names their sizes */
#if defined(LIB_OUTPUT4_SIZE)
#define OUTPUTS O(OUTPUT, "output") O(OUTPUT2, "output2") O(OUTPUT3, "output3") O(OUTPUT4, "output4")
#elif defined(LIB_OUTPUT3_SIZE)
#define OUTPUTS O(OUTPUT, "output") O(OUTPUT2, "output2") O(OUTPUT3, "output3")
#elif defined(LIB_OUTPUT2_SIZE)
#define OUTPUTS O(OUTPUT, "output") O(OUTPUT2, "output2")
#else
#define OUTPUTS O(OUTPUT, "output")
#endif

static int failures;

static const RtTensor *need(const RtStFile *f, const char *name) {
  const RtTensor *t = rt_st_find(f, name);
  if (!t) {
    fprintf(stderr, "the fixture has no tensor '%s'\n", name);
    exit(2);
  }
  return t;
}

/* got[0..n) against ref; prints the worst difference and how much of the tolerance it uses */
static void compare(const char *what, const double *got, const RtTensor *ref, int64_t n, double rtol) {
  if (rt_tensor_numel(ref) != n) {
    printf("FAIL %-28s %lld values, the reference has %lld\n", what, (long long)n,
           (long long)rt_tensor_numel(ref));
    failures++;
    return;
  }
  double scale = 0, max_abs = 0, max_rel = 0, use = 0;
  int64_t worst = 0;
  for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(st_value_at(ref, i)));
  for (int64_t i = 0; i < n; i++) {
    double r = st_value_at(ref, i), d = fabs(got[i] - r);
    if (!(d <= max_abs)) max_abs = d;
    if (fabs(r) > 0 && d / fabs(r) > max_rel) max_rel = d / fabs(r);
    double bound = rtol * fmax(fabs(r), scale / 10);
    double u = d == 0 ? 0 : bound > 0 ? d / bound : INFINITY;
    if (!(u <= use)) use = u, worst = i;
  }
  int ok = use <= 1;
  printf("%s %-28s max abs %.2e  max rel %.2e  tolerance (rtol %g) used %5.1f%%", ok ? "ok  " : "FAIL", what,
         max_abs, max_rel, rtol, 100 * use);
  if (!ok) printf("  [%lld]: %.9g, PyTorch %.9g", (long long)worst, got[worst], st_value_at(ref, worst));
  printf("\n");
  failures += !ok;
}

static char tmp_params[] = "/tmp/lib_test_params_XXXXXX", tmp_grads[] = "/tmp/lib_test_grads_XXXXXX",
            tmp_after[] = "/tmp/lib_test_after_XXXXXX";

static void temp_file(char *path) {
  int fd = mkstemp(path);
  if (fd < 0) {
    perror("mkstemp");
    exit(2);
  }
  close(fd);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FIXTURE.safetensors\n", argv[0]);
    return 2;
  }
  char err[512] = "";
  RtStFile *fx = rt_st_open(argv[1], err, sizeof err);
  if (!fx) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  const double out_tol = IS_F64 ? 1e-12 : 1e-5, grad_tol = IS_F64 ? 1e-12 : 1e-4;
  const char *dev = rt_st_meta(fx, "torch_f32_rel");
  printf("case %s, dlc %s build (float32 PyTorch: max diff / max value %s off the float64 reference)\n",
         rt_st_meta(fx, "case") ? rt_st_meta(fx, "case") : "?", IS_F64 ? "f64" : "f32", dev ? dev : "?");

  /* the parameters: "param.<name>" -> <name>, written to a file for lib_load */
  static lib_model m, g;
  static RtTensor params[64];
  int np = 0;
  for (int i = 0; i < rt_st_count(fx) && np < 64; i++) {
    const RtTensor *t = rt_st_get(fx, i);
    if (strncmp(t->name, "param.", 6) != 0) continue;
    params[np] = *t;
    params[np++].name = t->name + 6;
  }
  temp_file(tmp_params);
  lib_init(&m, 1);
  if (rt_st_save(tmp_params, params, np, NULL, 0, err, sizeof err) || lib_load(&m, tmp_params)) {
    printf("FAIL loading the fixture's %d parameters: %s\n", np, err[0] ? err : m.error);
    unlink(tmp_params);
    return 1;
  }
  unlink(tmp_params);

  /* the input: floats in the build's dtype, or int32 class indices as they are */
  const RtTensor *it = need(fx, IN_NAME);
  if (rt_tensor_numel(it) != IN_SIZE) {
    fprintf(stderr, "%s has %lld values, the net's input %d\n", IN_NAME, (long long)rt_tensor_numel(it), IN_SIZE);
    return 2;
  }
  static lib_real in_real[IN_SIZE];
  const void *in = it->data;
  if (it->dtype != RT_I32) {
    for (int i = 0; i < IN_SIZE; i++) in_real[i] = (lib_real)st_value_at(it, i);
    in = in_real;
  }

  /* forward */
#define O(N, name) static lib_real out_##N[LIB_##N##_SIZE];
  OUTPUTS
#undef O
#define O(N, name) , out_##N
  lib_forward(&m, in OUTPUTS);
#undef O
  static double d[4096];
#define O(N, name)                                                                                 \
  _Static_assert(LIB_##N##_SIZE <= sizeof d / sizeof d[0], "an output larger than the buffer");    \
  for (int i = 0; i < LIB_##N##_SIZE; i++) d[i] = (double)out_##N[i];                              \
  compare(name, d, need(fx, name), LIB_##N##_SIZE, out_tol);
  OUTPUTS
#undef O

  /* the loss and the gradients; saving a model whose parameters are the gradients names them */
  d[0] = (double)lib_grad(&m, in);
  compare("loss", d, need(fx, "loss"), 1, out_tol);
  g = m;
  memcpy(g.param, m.grad, sizeof g.param);
  temp_file(tmp_grads);
  RtStFile *gf = NULL;
  if (lib_save(&g, tmp_grads) || !(gf = rt_st_open(tmp_grads, err, sizeof err))) {
    printf("FAIL writing the gradients: %s\n", g.error[0] ? g.error : err);
    unlink(tmp_grads);
    return 1;
  }
  unlink(tmp_grads);
  /* the parameters after the training pass, for the buffers it updated */
  RtStFile *af = NULL;
  temp_file(tmp_after);
  if (lib_save(&m, tmp_after) || !(af = rt_st_open(tmp_after, err, sizeof err))) {
    printf("FAIL writing the parameters: %s\n", m.error[0] ? m.error : err);
    unlink(tmp_after);
    return 1;
  }
  unlink(tmp_after);
  int ngrad = 0, nref = 0;
  for (int i = 0; i < rt_st_count(fx); i++) {
    const char *n = rt_st_get(fx, i)->name;
    nref += strncmp(n, "grad.", 5) == 0 || strncmp(n, "buffer.", 7) == 0;
  }
  for (int i = 0; i < rt_st_count(gf); i++) {
    const RtTensor *t = rt_st_get(gf, i);
    char name[300];
    snprintf(name, sizeof name, "buffer.%s", t->name);
    const RtTensor *r = rt_st_find(fx, name);
    if (r) { /* a buffer: its value after the training pass */
      const RtTensor *a = rt_st_find(af, t->name);
      int64_t n = a ? rt_tensor_numel(a) : 0;
      double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
      for (int64_t k = 0; k < n; k++) v[k] = st_value_at(a, k);
      compare(name, v, r, n, out_tol);
      free(v);
      ngrad++;
      continue;
    }
    snprintf(name, sizeof name, "grad.%s", t->name);
    r = rt_st_find(fx, name);
    if (!r) {
      printf("FAIL no reference gradient for parameter %s\n", t->name);
      failures++;
      continue;
    }
    int64_t n = rt_tensor_numel(t);
    double *v = malloc((size_t)n * sizeof *v);
    for (int64_t k = 0; k < n; k++) v[k] = st_value_at(t, k);
    compare(name, v, r, n, grad_tol);
    free(v);
    ngrad++;
  }
  if (ngrad != nref) {
    printf("FAIL the net has %d parameters, the fixture %d gradients and buffers\n", ngrad, nref);
    failures++;
  }
  rt_st_close(af);
  rt_st_close(gf);
  rt_st_close(fx);
  printf("%s\n", failures ? "FAILED" : "PASSED");
  return failures != 0;
}
