/* gradcheck_norm.c - f64 finite-difference check of a net with batch norm in training mode.
 *
 * tests/gradcheck/gradcheck.c's method, for sequential-style nets (input x, float target)
 * generated with `--name gc --dtype f64`, with one change: after gc_init every element of the
 * parameter slab is moved by a uniform draw in [-PERTURB, PERTURB], so batch-norm weights and
 * biases are away from their initial 1 and 0 (at weight 1 a backward that forgot the weight
 * would pass) and the Linear layers are not at their usual init.  Padding elements move too;
 * they feed nothing, so their gradients must stay exactly 0 whatever their value, and so must
 * the running statistics' (buffers: not differentiated, not used by the training pass).
 *
 * The training pass is what gc_grad differentiates: batch statistics, dropout on.  gc_grad
 * does not advance the dropout masks (they are keyed by the step count, which only
 * gc_train_step advances) and its update of the running statistics does not feed the training
 * loss, so the loss is a pure function of the parameters and central differences apply.
 *
 * Every slab element i: analytic gc_grad gradient a vs n = (L(p + eps) - L(p - eps)) / (2 eps),
 * eps 1e-6, |a - n| <= rtol * max(|a|, |n|) + atol, rtol 1e-4, atol 1e-7 (the central
 * difference's own rounding error is ~ DBL_EPSILON |L| / eps <= 2e-8 for |L| <= 100).
 * Exit status 0 when every element passes. */
#include "gc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlc_rt.h"

#define EPS 1e-6
#define RTOL 1e-4
#define ATOL 1e-7
#define MAX_LOSS 100.0
#define PERTURB 0.5
#define PARAM_SEED 42
#define INPUT_SEED 7

#define NSLAB (sizeof(((gc_model *)0)->param) / sizeof(double))

static gc_model model;
static double analytic[NSLAB];
static double x[GC_X_SIZE], target[GC_TARGET_SIZE];

static double loss(void) { return gc_grad(&model, x, target); }

int main(void) {
  gc_init(&model, PARAM_SEED);
  for (size_t i = 0; i < NSLAB; i++)
    model.param[i] += PERTURB * (2 * rt_uniform01(PARAM_SEED, rt_hash_name("perturb"), i) - 1);
  for (size_t i = 0; i < GC_X_SIZE; i++) x[i] = rt_normal01(INPUT_SEED, rt_hash_name("x"), i);
  for (size_t i = 0; i < GC_TARGET_SIZE; i++) target[i] = rt_normal01(INPUT_SEED, rt_hash_name("target"), i);

  double l0 = loss();
  if (!isfinite(l0) || fabs(l0) > MAX_LOSS) {
    printf("FAIL: loss %.17g is not finite or above %g\n", l0, MAX_LOSS);
    return 1;
  }
  double l1 = loss(); /* the second call is checked: gradients overwritten, not accumulated */
  memcpy(analytic, model.grad, sizeof analytic);
  if (l1 != l0) {
    printf("FAIL: the loss changed between two gc_grad calls (%.17g, %.17g)\n", l0, l1);
    return 1;
  }

  size_t worst = 0, nonzero = 0, nfail = 0;
  double worst_ratio = -1, worst_n = 0, worst_rel = 0;
  for (size_t i = 0; i < NSLAB; i++) {
    double p = model.param[i];
    model.param[i] = p + EPS;
    double lp = loss();
    model.param[i] = p - EPS;
    double lm = loss();
    model.param[i] = p;
    double a = analytic[i], n = (lp - lm) / (2 * EPS);
    double scale = fmax(fabs(a), fabs(n)), err = fabs(a - n);
    double ratio = err / (RTOL * scale + ATOL);
    if (!isfinite(a) || !isfinite(n)) ratio = INFINITY;
    if (scale > ATOL) nonzero++;
    if (scale >= ATOL / RTOL && err / scale > worst_rel) worst_rel = err / scale;
    if (!(ratio <= 1)) {
      if (nfail < 10) printf("  param slab[%zu]: analytic %.10g, numeric %.10g\n", i, a, n);
      nfail++;
    }
    if (!(ratio <= worst_ratio)) worst_ratio = ratio, worst = i, worst_n = n;
  }
  printf("%zu slab elements (%d parameters, offsets in gc.h as GC_PARAM_<NAME>), %zu with a gradient above "
         "atol; loss %.6g\n", (size_t)NSLAB, GC_PARAM_COUNT, nonzero, l0);
  printf("worst: slab[%zu] analytic %.10g numeric %.10g, |a-n| / (rtol*max + atol) = %.3g; worst relative error "
         "(|grad| >= %g) %.3g\n", worst, analytic[worst], worst_n, worst_ratio, ATOL / RTOL, worst_rel);
  if (nonzero == 0) {
    printf("FAIL: every gradient is zero: the check would prove nothing\n");
    return 1;
  }
  if (nfail) {
    printf("FAIL: %zu of %zu elements off by more than rtol %g + atol %g\n", nfail, (size_t)NSLAB, RTOL, ATOL);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
