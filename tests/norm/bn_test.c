/* bn_test.c - nn.BatchNorm1d/2d through the generated C against PyTorch (make_fixtures.py).
 *
 *   bn_test INIT.safetensors EXPECT.safetensors [KEEP.safetensors]
 *
 * Built once per case against the case's generated net under the prefix "bnnet" (dlc --name
 * bnnet), in f32 or f64.  The model is Linear -> batch norm -> Flatten -> readout Linear, trained
 * with KLDivLoss(sum) against the identity, so the readout weight's gradient is minus the
 * training-mode batch-norm output (make_fixtures.py explains).  Checked, in this order:
 *   1. the PyTorch state_dict INIT (no num_batches_tracked) loads over a model that has taken a
 *      step, and the step count is 0 after it;
 *   2. inference at the initial state (running statistics): _forward's output, and _eval's,
 *      bit-identical to it;
 *   3. _grad at the initial state: the loss, every parameter's gradient, the training-mode
 *      batch-norm output (minus the readout's gradient), running statistics' gradient slots
 *      exactly 0, and the running statistics after that one training pass (the gradients are
 *      read by copying m->grad over the parameters of a scratch model and saving it: the two
 *      slabs have the same layout, so the checkpoint names each gradient by its parameter);
 *      _grad leaves every parameter and the step count as they were;
 *   4. reloading INIT restores the running statistics; 3 _train_step calls (SGD): the losses,
 *      the running statistics after the first, the whole state_dict after the third (exactly
 *      PyTorch's names, shapes and values, from dlc's checkpoint), inference output after them;
 *   5. the checkpoint reloads into a fresh model bit-exactly.
 * KEEP keeps that checkpoint (for make_fixtures.py --verify); otherwise it is removed.
 *
 * Tolerance, ref being float64 PyTorch: per element |dlc - ref| <= rtol * max(|ref|, floor),
 * floor = max(S, F) / 10 with S the largest |ref| of the tensor and F the expect file's
 * "floor.<name>" when present (the sum of |terms| of a value that cancels: see make_fixtures.py).
 * The floor is the absolute tolerance of near-zero elements, which come out of sums of terms of
 * the tensor's scale (a normalized value near 0 is x - mean with both of the scale of x; a
 * gradient element near 0 is a sum over samples of both signs) and so carry that scale's f32
 * rounding (a few times 6e-8 of it): rtol * |ref| alone cannot absorb it.  A tenth of the scale
 * keeps the check 10x stricter than "relative to the tensor's largest element".
 *   f32: forward values (inference outputs, training-mode output, first loss) rtol 1e-5,
 *     gradients 1e-4, running statistics after one pass 1e-5 (SPEC §6); after 3 SGD steps
 *     (losses 2-3, parameters, running statistics, inference output) 3e-5: SPEC's 1e-5 per
 *     optimizer step, accumulated (each step's error is carried into the next).
 *   f64: 1e-12 throughout: PyTorch's float64 computation up to summation order. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bnnet.h"
#include "dlc_rt.h"
#include "../st_value.h"

#define NSTEPS 3
#define IS_F64 (sizeof(bnnet_real) == sizeof(double))

static int failures;
static const RtStFile *ex;
static const char *expect_path;

static const RtTensor *need(const char *name) {
  const RtTensor *t = rt_st_find(ex, name);
  if (!t) {
    fprintf(stderr, "%s: no tensor '%s'\n", expect_path, name);
    exit(2);
  }
  return t;
}

__attribute__((format(printf, 2, 3))) static void report(int ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s ", ok ? "ok  " : "FAIL");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  failures += !ok;
}

/* Compares got[0..n) with elements [first, first + n) of the expect tensor `name`, scale and
 * floor taken over the whole tensor; prints the worst differences and the tolerance used. */
static void compare_part(const char *what, const double *got, const char *name, int64_t first, int64_t n,
                         double rtol) {
  const RtTensor *ref = need(name);
  int64_t total = rt_tensor_numel(ref);
  if (first + n > total) {
    report(0, "%-44s %lld values, the reference %s has %lld", what, (long long)(first + n), name, (long long)total);
    return;
  }
  char key[300];
  snprintf(key, sizeof key, "floor.%s", name);
  const char *fl = rt_st_meta(ex, key);
  double scale = fl ? strtod(fl, NULL) : 0;
  for (int64_t i = 0; i < total; i++) scale = fmax(scale, fabs(st_value_at(ref, i)));
  double max_abs = 0, max_rel = 0, use = 0;
  int64_t worst = 0;
  for (int64_t i = 0; i < n; i++) {
    double r = st_value_at(ref, first + i), d = fabs(got[i] - r);
    if (!(d <= max_abs)) max_abs = d;
    if (fabs(r) > 0 && d / fabs(r) > max_rel) max_rel = d / fabs(r);
    double bound = rtol * fmax(fabs(r), scale / 10);
    double u = d == 0 ? 0 : bound > 0 ? d / bound : INFINITY;
    if (!(u <= use)) use = u, worst = i;
  }
  int ok = use <= 1;
  printf("%s %-44s max abs %.2e  max rel %.2e  tolerance used %5.1f%%%s", ok ? "ok  " : "FAIL", what, max_abs,
         max_rel, 100 * use, fl ? " (floor from the terms)" : "");
  if (!ok) printf("  [%lld]: %.9g, PyTorch %.9g", (long long)worst, got[worst], st_value_at(ref, first + worst));
  printf("\n");
  failures += !ok;
}

static void compare(const char *what, const double *got, const char *name, int64_t n, double rtol) {
  int64_t total = rt_tensor_numel(need(name));
  if (total != n) {
    report(0, "%-44s %lld values, the reference %s has %lld", what, (long long)n, name, (long long)total);
    return;
  }
  compare_part(what, got, name, 0, n, rtol);
}

static void compare_real(const char *what, const bnnet_real *got, const char *name, int64_t n, double rtol) {
  double *v = malloc((size_t)n * sizeof *v);
  for (int64_t i = 0; i < n; i++) v[i] = (double)got[i];
  compare(what, v, name, n, rtol);
  free(v);
}

static int is_buffer(const char *name) {
  size_t n = strlen(name);
  return (n >= 12 && strcmp(name + n - 12, "running_mean") == 0) || (n >= 11 && strcmp(name + n - 11, "running_var") == 0);
}

/* Saves m to path and opens it (NULL, counted as a failure, when that fails). */
static RtStFile *saved(bnnet_model *m, const char *path) {
  char err[512];
  if (bnnet_save(m, path)) {
    report(0, "save %s: %s", path, m->error);
    return NULL;
  }
  RtStFile *f = rt_st_open(path, err, sizeof err);
  if (!f) report(0, "reading back %s: %s", path, err);
  return f;
}

static double *values(const RtTensor *t) {
  int64_t n = rt_tensor_numel(t);
  double *v = malloc((size_t)n * sizeof *v);
  for (int64_t k = 0; k < n; k++) v[k] = st_value_at(t, k);
  return v;
}

/* Compares each tensor T of a checkpoint selected by `which` (buffers, parameters or both)
 * with "<prefix>.T" of the expect file.  With all_names the checkpoint must hold exactly the
 * "<prefix>." tensors of the expect file, in PyTorch's shapes and the build's dtype. */
enum { PARAMS = 1, BUFFERS = 2 };
static void check_saved(const RtStFile *ck, const char *prefix, int which, int all_names, double param_tol,
                        double buffer_tol, const char *when) {
  size_t plen = strlen(prefix);
  int nprefixed = 0;
  for (int i = 0; i < rt_st_count(ex); i++)
    nprefixed += strncmp(rt_st_get(ex, i)->name, prefix, plen) == 0 && rt_st_get(ex, i)->name[plen] == '.';
  if (all_names && rt_st_count(ck) != nprefixed)
    report(0, "the checkpoint has %d tensors, PyTorch's state_dict (without num_batches_tracked) %d",
           rt_st_count(ck), nprefixed);
  for (int i = 0; i < rt_st_count(ck); i++) {
    const RtTensor *t = rt_st_get(ck, i);
    if (!((which & BUFFERS) && is_buffer(t->name)) && !((which & PARAMS) && !is_buffer(t->name))) continue;
    char name[300], what[340];
    snprintf(name, sizeof name, "%s.%s", prefix, t->name);
    const RtTensor *r = rt_st_find(ex, name);
    if (!r) {
      if (all_names) report(0, "checkpoint tensor %s is not in PyTorch's state_dict", t->name);
      continue;
    }
    int same = t->ndim == r->ndim && t->dtype == (IS_F64 ? RT_F64 : RT_F32);
    for (int d = 0; same && d < t->ndim; d++) same = t->shape[d] == r->shape[d];
    if (!same) {
      report(0, "checkpoint tensor %s: dtype or shape differs from PyTorch's", t->name);
      continue;
    }
    double *v = values(t);
    snprintf(what, sizeof what, "%s, %s", t->name, when);
    compare(what, v, name, rt_tensor_numel(t), is_buffer(t->name) ? buffer_tol : param_tol);
    free(v);
  }
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: %s INIT.safetensors EXPECT.safetensors [KEEP.safetensors]\n", argv[0]);
    return 2;
  }
  const char *init_path = argv[1];
  expect_path = argv[2];
  char err[512];
  RtStFile *exf = rt_st_open(expect_path, err, sizeof err);
  if (!exf) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  ex = exf;
  const double fwd_tol = IS_F64 ? 1e-12 : 1e-5, grad_tol = IS_F64 ? 1e-12 : 1e-4, rs_tol = IS_F64 ? 1e-12 : 1e-5,
               step_tol = IS_F64 ? 1e-12 : 3e-5;
  const char *readout = rt_st_meta(ex, "readout");
  printf("case %s, dlc %s build (float32 PyTorch: max diff / scale %s off the float64 reference)\n",
         rt_st_meta(ex, "case") ? rt_st_meta(ex, "case") : "?", IS_F64 ? "f64" : "f32",
         rt_st_meta(ex, "torch_f32_rel") ? rt_st_meta(ex, "torch_f32_rel") : "?");
  if (!readout) {
    fprintf(stderr, "%s: no metadata 'readout'\n", expect_path);
    return 2;
  }

  const RtTensor *xt = need("x"), *tt = need("target");
  if (rt_tensor_numel(xt) != BNNET_X_SIZE || rt_tensor_numel(tt) != BNNET_TARGET_SIZE) {
    fprintf(stderr, "%s: x or target does not have the model's size (%d, %d)\n", expect_path, BNNET_X_SIZE,
            BNNET_TARGET_SIZE);
    return 2;
  }
  static bnnet_real x[BNNET_X_SIZE], target[BNNET_TARGET_SIZE], out[BNNET_OUTPUT_SIZE], out2[BNNET_OUTPUT_SIZE],
      sample_loss[BNNET_BATCH];
  for (int i = 0; i < BNNET_X_SIZE; i++) x[i] = (bnnet_real)st_value_at(xt, i);
  for (int i = 0; i < BNNET_TARGET_SIZE; i++) target[i] = (bnnet_real)st_value_at(tt, i);

  char tmp[] = "/tmp/bn_test_XXXXXX";
  int fd = mkstemp(tmp);
  if (fd < 0) {
    perror("mkstemp");
    return 2;
  }
  close(fd);
  const char *ckpt = argc == 4 ? argv[3] : tmp;

  /* 1. PyTorch's state_dict over a model that has trained a step */
  static bnnet_model m, g, back;
  bnnet_init(&m, 12345);
  bnnet_train_step(&m, x, target);
  if (bnnet_load(&m, init_path)) {
    printf("FAIL load %s: %s\n", init_path, m.error);
    return 1;
  }
  report(m.step == 0, "the init file loads; step count %lld", (long long)m.step);

  /* 2. inference at the initial state */
  bnnet_forward(&m, x, out);
  compare_real("inference output at init", out, "eval0", BNNET_OUTPUT_SIZE, fwd_tol);
  bnnet_eval(&m, x, target, out2, sample_loss);
  report(memcmp(out, out2, sizeof out) == 0, "_eval's output is _forward's, bit for bit");

  /* 3. _grad: loss, gradients, training-mode output, running statistics after one pass */
  static bnnet_real param0[sizeof m.param / sizeof m.param[0]];
  memcpy(param0, m.param, sizeof m.param);
  double loss = (double)bnnet_grad(&m, x, target);
  compare_part("loss of the training pass (_grad)", &loss, "losses", 0, 1, fwd_tol);
  memcpy(&g, &m, sizeof m);
  memcpy(g.param, m.grad, sizeof g.param);
  RtStFile *gk = saved(&g, ckpt);
  if (gk) {
    for (int i = 0; i < rt_st_count(gk); i++) {
      const RtTensor *t = rt_st_get(gk, i);
      double *v = values(t);
      int64_t n = rt_tensor_numel(t);
      char name[300], what[340];
      if (is_buffer(t->name)) {
        int zero = 1;
        for (int64_t k = 0; k < n; k++) zero &= v[k] == 0;
        report(zero, "%s gets no gradient (its slot stays 0)", t->name);
      } else {
        snprintf(name, sizeof name, "grad.%s", t->name);
        snprintf(what, sizeof what, "gradient of %s", t->name);
        compare(what, v, name, n, grad_tol);
        if (strcmp(t->name, readout) == 0) {
          for (int64_t k = 0; k < n; k++) v[k] = -v[k];
          compare("training-mode batch-norm output", v, "train_y", n, fwd_tol);
        }
      }
      free(v);
    }
    rt_st_close(gk);
  }
  RtStFile *ck = saved(&m, ckpt);
  if (ck) {
    check_saved(ck, "rs1", BUFFERS, 0, 0, rs_tol, "after _grad");
    rt_st_close(ck);
  }
  int untouched = m.step == 0;
  {
    /* the running statistics are the only tensors _grad may change: the others, compared
     * through checkpoints of m and of m with the initial slab */
    static bnnet_model a;
    memcpy(&a, &m, sizeof m);
    memcpy(a.param, param0, sizeof a.param);
    RtStFile *fa = saved(&a, ckpt);
    RtStFile *fm = saved(&m, ckpt);
    if (fa && fm)
      for (int i = 0; i < rt_st_count(fa); i++) {
        const RtTensor *ta = rt_st_get(fa, i), *tm = rt_st_find(fm, ta->name);
        if (!is_buffer(ta->name))
          untouched &= tm && memcmp(ta->data, tm->data, (size_t)rt_tensor_numel(ta) * sizeof(bnnet_real)) == 0;
      }
    rt_st_close(fa);
    rt_st_close(fm);
  }
  report(untouched, "_grad leaves the parameters (all but the running statistics) and the step count alone");

  /* 4. three training steps from the initial state */
  if (bnnet_load(&m, init_path)) {
    printf("FAIL reload %s: %s\n", init_path, m.error);
    return 1;
  }
  report(memcmp(m.param, param0, sizeof m.param) == 0, "reloading the init file restores the running statistics");
  double losses[NSTEPS];
  for (int s = 0; s < NSTEPS; s++) {
    losses[s] = (double)bnnet_train_step(&m, x, target);
    if (s == 0 && (ck = saved(&m, ckpt))) {
      check_saved(ck, "rs1", BUFFERS, 0, 0, rs_tol, "after step 1");
      rt_st_close(ck);
    }
  }
  compare_part("loss of step 1", losses, "losses", 0, 1, fwd_tol);
  compare_part("losses of steps 2..3", losses + 1, "losses", 1, NSTEPS - 1, step_tol);
  ck = saved(&m, ckpt);
  if (!ck) return 1;
  check_saved(ck, "after", PARAMS | BUFFERS, 1, step_tol, rs_tol, "after 3 steps");
  rt_st_close(ck);
  bnnet_forward(&m, x, out);
  compare_real("inference output after 3 steps", out, "eval3", BNNET_OUTPUT_SIZE, step_tol);
  bnnet_eval(&m, x, target, out2, sample_loss);
  report(memcmp(out, out2, sizeof out) == 0, "_eval's output is _forward's, bit for bit");

  /* 5. the checkpoint reloads bit-exactly */
  bnnet_init(&back, 999);
  if (bnnet_load(&back, ckpt)) {
    report(0, "reloading the checkpoint: %s", back.error);
  } else {
    bnnet_forward(&back, x, out2);
    report(back.step == NSTEPS && memcmp(out, out2, sizeof out) == 0 &&
               memcmp(back.param, m.param, sizeof m.param) == 0,
           "the checkpoint reloads: step %lld, parameters and inference output bit-identical", (long long)back.step);
  }
  rt_st_close(exf);
  if (argc == 3) unlink(tmp);
  printf("%s\n", failures ? "FAILED" : "PASSED");
  return failures != 0;
}
