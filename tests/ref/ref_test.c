/* ref_test.c - checks a generated net against PyTorch's numbers (fixtures from make_fixtures.py).
 *
 *   ref_test INIT.safetensors EXPECT.safetensors [KEEP.safetensors]
 *
 * Built once per case against that case's generated net, always under the prefix "refnet"
 * (dlc --name refnet), in f32 or f64.  It loads the PyTorch state_dict INIT with refnet_load
 * (no graph hash, no optimizer state), checks the forward output, the momentum buffers after
 * the first step (the gradient, plus weight decay * param), the loss of 3 training steps, the
 * output after them, then saves the model and checks that the checkpoint holds exactly
 * PyTorch's names and shapes (state_dict under "net.", SGD's momentum buffers under "optim.")
 * with PyTorch's values, and that it loads back bit-exactly.  Buffers and parameters are read
 * from checkpoints the net writes with refnet_save.  KEEP keeps the final checkpoint (for
 * make_fixtures.py --verify); otherwise it goes to a removed temporary file.
 * Prints the worst difference per tensor; exits 1 on any mismatch, 2 on bad usage or files.
 *
 * Tolerances, ref being PyTorch in float64: per element |dlc - ref| <= rtol * max(|ref|, S / 10)
 * where S is the largest |ref| in the tensor.  The floor S / 10 is the absolute tolerance for
 * near-zero elements: an element that is small through cancellation (a logit near 0, a
 * gradient summed over samples of both signs) comes out of sums whose terms have the tensor's
 * scale, so it carries that scale's rounding error (f32 unit roundoff 6e-8 times a few), which
 * rtol * |ref| alone cannot absorb; a tenth of the scale keeps the check 10x stricter than
 * "relative to the tensor's largest element".
 *   f32 build, forward outputs, losses and the buffers after step 1: rtol 1e-5 (SPEC §6 asks
 *     1e-5 of outputs and 1e-4 of gradients; these small nets meet 1e-5 with room to spare).
 *   f32 build, parameters and momentum buffers after 3 steps, and the output after them: rtol
 *     3e-5: SPEC's 1e-5 for one optimizer step, accumulated over 3 steps (each step's error is
 *     carried into the next: the params through the update, the buffers through momentum * buf).
 *   f64 build: rtol 1e-12 throughout: the same computation as PyTorch's float64 up to
 *     summation order, i.e. a few ulps; this pins the formulas far below where f32 noise could
 *     hide a wrong constant. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlc_rt.h"
#include "refnet.h"
#include "../st_value.h"

#define NSTEPS 3
#define IS_F64 (sizeof(refnet_real) == sizeof(double))


static int failures;

/* Compares n values of got against ref; prints the worst absolute and relative difference
 * and how much of the tolerance it uses; counts a failure when any element is outside. */
static void compare(const char *what, const double *got, const RtTensor *ref, int64_t n, double rtol) {
  if (rt_tensor_numel(ref) != n) {
    printf("FAIL %-52s %lld values, the reference has %lld\n", what, (long long)n,
           (long long)rt_tensor_numel(ref));
    failures++;
    return;
  }
  double max_abs = 0, max_rel = 0, use = 0, scale = 0;
  int64_t worst = 0;
  for (int64_t i = 0; i < n; i++)
    scale = fmax(scale, fabs(st_value_at(ref, i)));
  for (int64_t i = 0; i < n; i++) {
    double r = st_value_at(ref, i), d = fabs(got[i] - r);
    if (!(d <= max_abs))
      max_abs = d;
    if (fabs(r) > 0 && d / fabs(r) > max_rel)
      max_rel = d / fabs(r);
    double bound = rtol * fmax(fabs(r), scale / 10);
    double u = d == 0 ? 0 : bound > 0 ? d / bound : INFINITY;
    if (!(u <= use)) {
      use = u;
      worst = i;
    }
  }
  int ok = use <= 1;
  printf("%s %-52s max abs %.2e  max rel %.2e  tolerance used %5.1f%%", ok ? "ok  " : "FAIL", what,
         max_abs, max_rel, 100 * use);
  if (!ok)
    printf("  [%lld]: %.9g, PyTorch %.9g", (long long)worst, got[worst], st_value_at(ref, worst));
  printf("\n");
  failures += !ok;
}

static const RtTensor *need(const RtStFile *f, const char *path, const char *name) {
  const RtTensor *t = rt_st_find(f, name);
  if (!t) {
    fprintf(stderr, "%s: no tensor '%s'\n", path, name);
    exit(2);
  }
  return t;
}

static void to_double(const refnet_real *src, double *dst, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    dst[i] = (double)src[i];
}

static int same_shape(const RtTensor *a, const RtTensor *b) {
  if (a->ndim != b->ndim)
    return 0;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i])
      return 0;
  return 1;
}

/* Saves m to ckpt, reads it back and compares each tensor T of it with "<prefix>.T" of the
 * expect file; with all_names, the checkpoint must hold exactly the "<prefix>." tensors, in
 * PyTorch's dtype and shape (else only the prefixed ones present are compared).  Returns the
 * opened checkpoint, NULL when it cannot be written or read. */
static RtStFile *check_checkpoint(refnet_model *m, const char *ckpt, const RtStFile *ex, const char *prefix,
                                  int all_names, double tol) {
  char err[512];
  if (refnet_save(m, ckpt)) {
    printf("FAIL save %s: %s\n", ckpt, m->error);
    failures++;
    return NULL;
  }
  RtStFile *ck = rt_st_open(ckpt, err, sizeof err);
  if (!ck) {
    printf("FAIL reading back the checkpoint: %s\n", err);
    failures++;
    return NULL;
  }
  char want_step[24];
  snprintf(want_step, sizeof want_step, "%lld", (long long)m->step);
  const char *step = rt_st_meta(ck, "dlc.step");
  if (!step || strcmp(step, want_step) != 0) {
    printf("FAIL checkpoint metadata dlc.step is %s, not %s\n", step ? step : "absent", want_step);
    failures++;
  }
  size_t plen = strlen(prefix);
  int nprefixed = 0;
  for (int i = 0; i < rt_st_count(ex); i++)
    nprefixed += strncmp(rt_st_get(ex, i)->name, prefix, plen) == 0 && rt_st_get(ex, i)->name[plen] == '.';
  if (all_names && rt_st_count(ck) != nprefixed) {
    printf("FAIL the checkpoint has %d tensors, PyTorch's state_dict and SGD state %d\n", rt_st_count(ck),
           nprefixed);
    failures++;
  }
  for (int i = 0; i < rt_st_count(ck); i++) {
    const RtTensor *t = rt_st_get(ck, i);
    char name[256];
    snprintf(name, sizeof name, "%s.%s", prefix, t->name);
    const RtTensor *r = rt_st_find(ex, name);
    if (!r) {
      if (all_names) {
        printf("FAIL checkpoint tensor %s is not in PyTorch's state_dict or SGD state\n", t->name);
        failures++;
      }
      continue;
    }
    if (!same_shape(t, r) || t->dtype != (IS_F64 ? RT_F64 : RT_F32)) {
      printf("FAIL checkpoint tensor %s: dtype or shape differs from PyTorch's\n", t->name);
      failures++;
      continue;
    }
    int64_t n = rt_tensor_numel(t);
    double *v = malloc((size_t)n * sizeof *v);
    for (int64_t k = 0; k < n; k++)
      v[k] = st_value_at(t, k);
    char what[300];
    snprintf(what, sizeof what, "%s, step %s", t->name, want_step);
    compare(what, v, r, n, tol);
    free(v);
  }
  return ck;
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: %s INIT.safetensors EXPECT.safetensors [KEEP.safetensors]\n", argv[0]);
    return 2;
  }
  const char *init_path = argv[1], *expect_path = argv[2];
  char err[512];
  RtStFile *ex = rt_st_open(expect_path, err, sizeof err);
  if (!ex) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  const double out_tol = IS_F64 ? 1e-12 : 1e-5, step_tol = IS_F64 ? 1e-12 : 3e-5;
  const char *scale = rt_st_meta(ex, "torch_f32_rel");
  printf("case %s, dlc %s build (float32 PyTorch: max diff / max value %s off the float64 reference)\n",
         rt_st_meta(ex, "case") ? rt_st_meta(ex, "case") : "?", IS_F64 ? "f64" : "f32",
         scale ? scale : "?");

  /* inputs, in the build's dtype; a class target stays int32 */
  const RtTensor *xt = need(ex, expect_path, "x"), *tt = need(ex, expect_path, "target");
  if (rt_tensor_numel(xt) != REFNET_X_SIZE || rt_tensor_numel(tt) != REFNET_TARGET_SIZE) {
    fprintf(stderr, "%s: x or target does not have the model's size (%d, %d)\n", expect_path,
            REFNET_X_SIZE, REFNET_TARGET_SIZE);
    return 2;
  }
  static refnet_real x[REFNET_X_SIZE], target_f[REFNET_TARGET_SIZE], out[REFNET_OUTPUT_SIZE];
  static double outd[REFNET_OUTPUT_SIZE];
  for (int i = 0; i < REFNET_X_SIZE; i++)
    x[i] = (refnet_real)st_value_at(xt, i);
  const void *target = target_f;
  if (tt->dtype == RT_I32)
    target = tt->data;
  else
    for (int i = 0; i < REFNET_TARGET_SIZE; i++)
      target_f[i] = (refnet_real)st_value_at(tt, i);

  /* PyTorch's initial state_dict: no graph hash, no optimizer state.  Loaded over a model
   * that has taken a step, so the step-1 buffers below also check that absent optimizer
   * state loads as fresh (zero) and the step counter as 0. */
  static refnet_model m, back;
  refnet_init(&m, 12345);
  refnet_train_step(&m, x, target);
  if (refnet_load(&m, init_path)) {
    printf("FAIL load %s: %s\n", init_path, m.error);
    return 1;
  }
  if (m.step != 0) {
    printf("FAIL step after loading the init file is %lld, not 0\n", (long long)m.step);
    failures++;
  }

  refnet_forward(&m, x, out);
  to_double(out, outd, REFNET_OUTPUT_SIZE);
  compare("forward output", outd, need(ex, expect_path, "out"), REFNET_OUTPUT_SIZE, out_tol);

  /* the checkpoint goes to KEEP or a temporary file */
  char tmp[] = "/tmp/ref_test_XXXXXX";
  const char *ckpt = argc == 4 ? argv[3] : tmp;
  if (argc == 3) {
    int fd = mkstemp(tmp);
    if (fd < 0) {
      perror("mkstemp");
      return 2;
    }
    close(fd);
  }

  /* 3 steps; after the first, the momentum buffers are the gradient (+ weight decay * param) */
  double losses[NSTEPS];
  for (int s = 0; s < NSTEPS; s++) {
    losses[s] = (double)refnet_train_step(&m, x, target);
    if (s == 0)
      rt_st_close(check_checkpoint(&m, ckpt, ex, "step1", 0, out_tol));
  }
  compare("losses of steps 1..3", losses, need(ex, expect_path, "losses"), NSTEPS, out_tol);

  refnet_forward(&m, x, out);
  to_double(out, outd, REFNET_OUTPUT_SIZE);
  compare("forward output after 3 steps", outd, need(ex, expect_path, "out_after"), REFNET_OUTPUT_SIZE,
          step_tol);

  /* the checkpoint: PyTorch's names and shapes, PyTorch's values */
  RtStFile *ck = check_checkpoint(&m, ckpt, ex, "after", 1, step_tol);
  if (!ck)
    return 1;

  /* the checkpoint loads back (graph hash and all) and reproduces the trained model */
  static refnet_real out2[REFNET_OUTPUT_SIZE];
  refnet_init(&back, 999);
  if (refnet_load(&back, ckpt)) {
    printf("FAIL reloading the checkpoint: %s\n", back.error);
    failures++;
  } else {
    refnet_forward(&back, x, out2);
    int same = back.step == NSTEPS && memcmp(out, out2, sizeof out) == 0;
    printf("%s checkpoint reloads: step %lld, forward output %s\n", same ? "ok  " : "FAIL",
           (long long)back.step, memcmp(out, out2, sizeof out) ? "differs" : "bit-identical");
    failures += !same;
  }
  rt_st_close(ck);
  rt_st_close(ex);
  if (argc == 3)
    unlink(tmp);
  printf("%s\n", failures ? "FAILED" : "PASSED");
  return failures != 0;
}
