/* optim_test.c - checks 5 optimizer steps of a generated net against PyTorch's (fixtures from
 * make_fixtures.py).
 *
 *   optim_test INIT.safetensors EXPECT.safetensors
 *
 * Built once per configuration against that configuration's generated net, always under the
 * prefix "optnet" (dlc --name optnet), in f32 or f64.  It loads PyTorch's initial state_dict INIT
 * with optnet_load over a model that has already taken a step (so absent optimizer state must
 * load as fresh: zero state, step 0), takes 5 training steps on the fixture's batch checking
 * each step's loss, saves the model and checks the checkpoint against EXPECT: every tensor it
 * holds (parameters under "net.", optimizer state under "optim.<param>.<slot>", the step count
 * "optim.step") must be in EXPECT with PyTorch's shape and values, and every parameter and
 * state tensor of EXPECT must be in it (except "optim.step": PyTorch counts steps in every
 * adaptive optimizer, dlc only where the update uses the count); the change of each parameter
 * (after - init) is compared too, which pins the update itself when it is small next to the
 * parameter.  Last, the checkpoint is loaded into a fresh model and both take a 6th step:
 * same loss and same parameters, bit for bit (the optimizer state round-trips).
 * Prints the worst difference per tensor; exits 1 on any mismatch, 2 on bad usage or files.
 *
 * Tolerances, the reference being PyTorch in float64 from the same float32 initial values:
 * per element |dlc - ref| <= rtol * max(|ref|, S / 10), S the largest |ref| in the tensor (the
 * floor S / 10, as in tests/ref: an element that is small by cancellation carries the rounding
 * error of its tensor's scale).
 *   f32 build
 *     loss of step s (1..5): s * 1e-5.  Step 1's loss is the forward pass at the initial
 *       parameters, SPEC §6's 1e-5; step s's is taken at the parameters after s - 1 steps.
 *     parameters and optimizer state after 5 steps: 5e-5, SPEC §6's 1e-5 for one optimizer
 *       step, carried 5 times (each step starts from the previous step's rounded parameters
 *       and state: momentum and moment buffers feed their own error back).
 *     change of the parameters (after - init), relative to the change's own scale: 1e-3.  The
 *       stored parameter is rounded to f32 at each step (1/2 ulp of |p| is 3e-8 |p|), and with
 *       Adam's or AdamW's default lr the 5 steps move a parameter by only ~1e-2 |p| (AdamW's
 *       decoupled decay alone by 5e-5 |p|), so this is rounding of p, not of the update.
 *     make_fixtures.py chose its seed so that float32 PyTorch uses at most a fifth of each of
 *     these (no gradient that is ~0 by cancellation, whose rounding noise Adam's and
 *     RMSprop's division by sqrt(second moment) would turn into a whole step; no ReLU kink
 *     crossed differently).
 *   f64 build: 1e-10 throughout.  Same formulas as PyTorch's float64 operation for operation
 *     differ only by the rounding of reassociated sums (~1e-15); a wrong constant, a missing
 *     bias correction or an eps in the wrong place shows as 1e-8 or more. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlc_rt.h"
#include "optnet.h"
#include "../st_value.h"

#define NSTEPS 5
#define IS_F64 (sizeof(optnet_real) == sizeof(double))

static int failures;
static double worst_use, worst_scaled; /* over everything: fraction of tolerance, max|d| / S */

/* Compares got[0..n) with ref[0..n); prints the worst absolute difference, the worst
 * difference relative to the tensor's scale S and how much of the tolerance is used. */
static void compare(const char *what, const double *got, const double *ref, int64_t n, double rtol) {
  double max_abs = 0, use = 0, scale = 0;
  int64_t worst = 0;
  for (int64_t i = 0; i < n; i++)
    scale = fmax(scale, fabs(ref[i]));
  for (int64_t i = 0; i < n; i++) {
    double d = fabs(got[i] - ref[i]);
    if (!(d <= max_abs))
      max_abs = d;
    double bound = rtol * fmax(fabs(ref[i]), scale / 10);
    double u = d == 0 ? 0 : bound > 0 ? d / bound : INFINITY;
    if (!(u <= use)) {
      use = u;
      worst = i;
    }
  }
  double scaled = scale > 0 ? max_abs / scale : max_abs;
  int ok = use <= 1;
  printf("%s %-40s max abs %.2e  / scale %.2e  tolerance used %6.2f%%", ok ? "ok  " : "FAIL", what, max_abs,
         scaled, 100 * use);
  if (!ok)
    printf("  [%lld]: %.10g, PyTorch %.10g", (long long)worst, got[worst], ref[worst]);
  printf("\n");
  if (!(use <= worst_use))
    worst_use = use;
  if (!(scaled <= worst_scaled))
    worst_scaled = scaled;
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

static double *values(const RtTensor *t) {
  int64_t n = rt_tensor_numel(t);
  double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
  if (!v) {
    perror("malloc");
    exit(2);
  }
  for (int64_t i = 0; i < n; i++)
    v[i] = st_value_at(t, i);
  return v;
}

static int same_shape(const RtTensor *a, const RtTensor *b) {
  if (a->ndim != b->ndim)
    return 0;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i])
      return 0;
  return 1;
}

static int is_model_tensor(const char *name) {
  return strncmp(name, "net.", 4) == 0 || strncmp(name, "optim.", 6) == 0;
}

/* The checkpoint ck against the expect file ex (and the init file for the parameters' change). */
static void check_checkpoint(const RtStFile *ck, const RtStFile *ex, const RtStFile *in, double tol,
                             double delta_tol) {
  const char *step = rt_st_meta(ck, "dlc.step");
  if (!step || strcmp(step, "5") != 0) {
    printf("FAIL checkpoint metadata dlc.step is %s, not 5\n", step ? step : "absent");
    failures++;
  }
  for (int i = 0; i < rt_st_count(ex); i++) {
    const char *name = rt_st_get(ex, i)->name;
    if (is_model_tensor(name) && strcmp(name, "optim.step") != 0 && !rt_st_find(ck, name)) {
      printf("FAIL PyTorch's %s is not in the checkpoint\n", name);
      failures++;
    }
  }
  for (int i = 0; i < rt_st_count(ck); i++) {
    const RtTensor *t = rt_st_get(ck, i);
    const RtTensor *r = rt_st_find(ex, t->name);
    if (!r || !is_model_tensor(t->name)) {
      printf("FAIL checkpoint tensor %s is not in PyTorch's state_dict or optimizer state\n", t->name);
      failures++;
      continue;
    }
    if (!same_shape(t, r) || t->dtype != (IS_F64 ? RT_F64 : RT_F32)) {
      printf("FAIL checkpoint tensor %s: dtype or shape differs from PyTorch's\n", t->name);
      failures++;
      continue;
    }
    int64_t n = rt_tensor_numel(t);
    double *got = values(t), *ref = values(r);
    compare(t->name, got, ref, n, tol);
    const RtTensor *t0 = strncmp(t->name, "net.", 4) == 0 ? rt_st_find(in, t->name) : NULL;
    if (t0 && rt_tensor_numel(t0) == n) {
      for (int64_t k = 0; k < n; k++) {
        double p0 = st_value_at(t0, k);
        got[k] -= p0;
        ref[k] -= p0;
      }
      char what[300];
      snprintf(what, sizeof what, "%s - init", t->name);
      compare(what, got, ref, n, delta_tol);
    }
    free(got);
    free(ref);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s INIT.safetensors EXPECT.safetensors\n", argv[0]);
    return 2;
  }
  const char *init_path = argv[1], *expect_path = argv[2];
  char err[512];
  RtStFile *ex = rt_st_open(expect_path, err, sizeof err), *in = rt_st_open(init_path, err, sizeof err);
  if (!ex || !in) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  const double loss_tol = IS_F64 ? 1e-10 : 1e-5, step_tol = IS_F64 ? 1e-10 : 5e-5,
               delta_tol = IS_F64 ? 1e-10 : 1e-3;
  const char *use = rt_st_meta(ex, "torch_f32_use"), *dlc = rt_st_meta(ex, "dlc");
  printf("config %s (%s), dlc %s build; float32 PyTorch uses %s of the f32 tolerances\n",
         rt_st_meta(ex, "config") ? rt_st_meta(ex, "config") : "?", dlc ? dlc : "?", IS_F64 ? "f64" : "f32",
         use ? use : "?");

  const RtTensor *xt = need(ex, expect_path, "x"), *tt = need(ex, expect_path, "target");
  if (rt_tensor_numel(xt) != OPTNET_X_SIZE || rt_tensor_numel(tt) != OPTNET_TARGET_SIZE || tt->dtype != RT_I32) {
    fprintf(stderr, "%s: x or target (int32) does not have the model's size (%d, %d)\n", expect_path,
            OPTNET_X_SIZE, OPTNET_TARGET_SIZE);
    return 2;
  }
  static optnet_real x[OPTNET_X_SIZE];
  for (int i = 0; i < OPTNET_X_SIZE; i++)
    x[i] = (optnet_real)st_value_at(xt, i);
  const void *target = tt->data;

  /* PyTorch's initial state_dict over a model that has stepped: state and step count reset */
  static optnet_model m, back;
  optnet_init(&m, 12345);
  optnet_train_step(&m, x, target);
  optnet_train_step(&m, x, target);
  if (optnet_load(&m, init_path)) {
    printf("FAIL load %s: %s\n", init_path, m.error);
    return 1;
  }
  if (m.step != 0) {
    printf("FAIL step after loading the init file is %lld, not 0\n", (long long)m.step);
    failures++;
  }

  /* 5 steps, each loss */
  const RtTensor *lt = need(ex, expect_path, "losses");
  if (rt_tensor_numel(lt) != NSTEPS) {
    fprintf(stderr, "%s: losses has %lld values, not %d\n", expect_path, (long long)rt_tensor_numel(lt), NSTEPS);
    return 2;
  }
  for (int s = 0; s < NSTEPS; s++) {
    double got = (double)optnet_train_step(&m, x, target), ref = st_value_at(lt, s);
    char what[64];
    snprintf(what, sizeof what, "loss of step %d", s + 1);
    compare(what, &got, &ref, 1, loss_tol * (IS_F64 ? 1 : s + 1));
  }

  /* the checkpoint: PyTorch's names, shapes and values */
  char tmp[] = "/tmp/optim_test_XXXXXX";
  int fd = mkstemp(tmp);
  if (fd < 0) {
    perror("mkstemp");
    return 2;
  }
  close(fd);
  if (optnet_save(&m, tmp)) {
    printf("FAIL save %s: %s\n", tmp, m.error);
    unlink(tmp);
    return 1;
  }
  RtStFile *ck = rt_st_open(tmp, err, sizeof err);
  if (!ck) {
    printf("FAIL reading back the checkpoint: %s\n", err);
    unlink(tmp);
    return 1;
  }
  check_checkpoint(ck, ex, in, step_tol, delta_tol);
  rt_st_close(ck);

  /* it loads back, optimizer state and step count included: a 6th step agrees bit for bit */
  optnet_init(&back, 999);
  if (optnet_load(&back, tmp)) {
    printf("FAIL reloading the checkpoint: %s\n", back.error);
    failures++;
  } else {
    optnet_real l1 = optnet_train_step(&m, x, target), l2 = optnet_train_step(&back, x, target);
    int same = back.step == NSTEPS + 1 && l1 == l2 && memcmp(m.param, back.param, sizeof m.param) == 0 &&
               memcmp(m.state, back.state, sizeof m.state) == 0;
    printf("%s checkpoint reloads: a 6th step from it gives %s loss, parameters and state (step %lld)\n",
           same ? "ok  " : "FAIL", same ? "bit-identical" : "DIFFERENT", (long long)back.step);
    failures += !same;
  }
  unlink(tmp);
  rt_st_close(in);
  rt_st_close(ex);
  printf("worst: %.2f%% of a tolerance, max |difference| / tensor scale %.2e\n", 100 * worst_use, worst_scaled);
  printf("%s\n", failures ? "FAILED" : "PASSED");
  return failures != 0;
}
