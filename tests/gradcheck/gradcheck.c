/* gradcheck.c - f64 finite-difference check of the gradients of one generated net.
 *
 * Built against a net generated with `--name gc --dtype f64`.  The build passes the net's
 * inputs, in declaration order, as an X-macro list:
 *   -DGC_INPUTS=F(X)F(W)I(TARGET)    F: a float input, I: an int32 class-index input
 *   -DGC_CLASSES=K                   the class count, when there is an I input
 * (X is the input's name as it appears in the header's GC_<NAME>_SIZE macro.)
 *
 * It fills the inputs with fixed pseudo-random values (standard normals; class indices
 * uniform in [0, K)), takes the analytic gradient from gc_grad, and compares every element of
 * the parameter slab with the central difference (L(p + eps) - L(p - eps)) / (2 eps).
 * Every slab element is checked, the 64-byte alignment padding between parameters included:
 * padding feeds nothing, so its numeric gradient is exactly 0 and gc_grad must leave its
 * gradient 0 too (gc_init zeroes the slab), which also catches a gradient written at a wrong
 * offset.  Exit status 0 when every element passes, 1 otherwise; the worst element is printed. */
#include "gc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlc_rt.h"

#ifndef GC_INPUTS
#error "define GC_INPUTS, e.g. -DGC_INPUTS=F(X)I(TARGET)"
#endif

#define EPS 1e-6  /* central-difference step */
#define RTOL 1e-4 /* relative tolerance */
/* Absolute tolerance, needed where both gradients are ~0 (padding, dead relu units, the
 * non-maximal entries under max).  The central difference itself carries a rounding error of
 * about DBL_EPSILON * |L| / EPS ~ 2e-10 * |L| (truncation, EPS^2 * L''' / 6, is far smaller);
 * with |L| <= MAX_LOSS that is <= 2e-8, so 1e-7 sits above the noise yet below any gradient
 * the relative test is meant for (it only dominates for |gradient| < ATOL / RTOL = 1e-3). */
#define ATOL 1e-7
#define MAX_LOSS 100.0 /* keeps the rounding bound above below ATOL */
#define PARAM_SEED 42  /* gc_init */
#define INPUT_SEED 7   /* the inputs: stream = hash of the input's name */

#define NSLAB (sizeof(((gc_model *)0)->param) / sizeof(double))

static gc_model model; /* static: keeps the 64-byte alignment of its slabs */
static double analytic[NSLAB];

/* One array per input, named in_<NAME>. */
#define F(N) static double in_##N[GC_##N##_SIZE];
#define I(N) static int32_t in_##N[GC_##N##_SIZE];
GC_INPUTS
#undef F
#undef I

static void fill_inputs(void) {
#define F(N)                                                                                    \
  for (size_t i = 0; i < GC_##N##_SIZE; i++)                                                    \
    in_##N[i] = rt_normal01(INPUT_SEED, rt_hash_name(#N), i);
#ifdef GC_CLASSES
#define I(N)                                                                                    \
  for (size_t i = 0; i < GC_##N##_SIZE; i++)                                                    \
    in_##N[i] = (int32_t)(rt_uniform01(INPUT_SEED, rt_hash_name(#N), i) * GC_CLASSES);
#else
#define I(N) _Static_assert(0, "an int input needs -DGC_CLASSES=K");
#endif
  GC_INPUTS
#undef F
#undef I
}

/* The loss at the current parameters; fills model.grad as a side effect. */
static double loss(void) {
#define F(N) , in_##N
#define I(N) , in_##N
  return gc_grad(&model GC_INPUTS);
#undef F
#undef I
}

int main(void) {
  gc_init(&model, PARAM_SEED);
  fill_inputs();
  double l0 = loss();
  if (!isfinite(l0) || fabs(l0) > MAX_LOSS) {
    printf("FAIL: loss %.17g is not finite or above %g: scale the model's loss down\n", l0,
           MAX_LOSS);
    return 1;
  }
  /* The second call is the one checked: gradients must be overwritten, not accumulated. */
  loss();
  memcpy(analytic, model.grad, sizeof analytic);

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
    double ratio = err / (RTOL * scale + ATOL); /* <= 1 passes */
    if (!isfinite(a) || !isfinite(n)) ratio = INFINITY;
    if (scale > ATOL) nonzero++;
    if (scale >= ATOL / RTOL && err / scale > worst_rel) worst_rel = err / scale;
    if (!(ratio <= 1)) {
      if (nfail < 10) printf("  param slab[%zu]: analytic %.10g, numeric %.10g\n", i, a, n);
      nfail++;
    }
    if (!(ratio <= worst_ratio)) worst_ratio = ratio, worst = i, worst_n = n;
  }
  printf("%zu slab elements (%d parameters, offsets in gc.h as GC_PARAM_<NAME>), %zu with a "
         "gradient above atol; loss %.6g\n", (size_t)NSLAB, GC_PARAM_COUNT, nonzero, l0);
  printf("worst: slab[%zu] analytic %.10g numeric %.10g, |a-n| / (rtol*max + atol) = %.3g; "
         "worst relative error (|grad| >= %g) %.3g\n",
         worst, analytic[worst], worst_n, worst_ratio, ATOL / RTOL, worst_rel);
  if (nonzero == 0) {
    printf("FAIL: every gradient is zero: the check would prove nothing\n");
    return 1;
  }
  if (nfail) {
    printf("FAIL: %zu of %zu elements off by more than rtol %g + atol %g\n", nfail,
           (size_t)NSLAB, RTOL, ATOL);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
