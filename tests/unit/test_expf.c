/* test_expf.c - unit test of dlc_expf, dlc_tanhf and dlc_erff (runtime/dlc_kernel.h), the float
 * e^x, tanh and erf that generated loops use instead of libm's (which no loop vectorizes around).  Each is
 * compared with the double result of libm's exp, tanh and erf, in units in the last place of the
 * float nearest to it, on every 211th bit pattern of the 2^32 floats (about 20 million, both
 * signs, subnormals, the overflow and underflow ranges) and on the edges: 0 and -0, +-inf, NaN,
 * the largest finite results, the subnormal results and the switch between tanh's and erf's two
 * ways.  The bounds are the measured worst over all 2^32 floats (1.013, 1.33 and 1.44 ulp, the
 * last without FMA; 1.18 with), rounded up.
 * Exits non-zero and prints each failed check. */
#include "dlc_kernel.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "../check.h"

static float from_bits(uint32_t b) {
  float f;
  memcpy(&f, &b, sizeof f);
  return f;
}

/* |y - t| in ulps of the float nearest to t (subnormals: ulps of 2^-149). */
static double ulps(float y, double t) {
  float tf = (float)t, a = fabsf(tf);
  double ulp = a < 0x1p-126f ? 0x1p-149 : (double)nextafterf(a, INFINITY) - a;
  return fabs((double)y - t) / ulp;
}

typedef struct {
  const char *name;
  float (*f)(float);
  double (*ref)(double);
  double bound;
  double worst;
  float worst_at;
  long over; /* results beyond the bound */
} Fn;

static float expf_(float x) { return dlc_expf(x); }
static float tanhf_(float x) { return dlc_tanhf(x); }
static float erff_(float x) { return dlc_erff(x); }

static void check_one(Fn *fn, float x) {
  float y = fn->f(x);
  if (isnan(x)) {
    CHECK(isnan(y), "%s(NaN) = %a, not NaN", fn->name, y);
    return;
  }
  double t = fn->ref((double)x);
  if (fabs(t) > 0x1.fffffep127) { /* beyond FLT_MAX: the float result overflows */
    CHECK(isinf(y) && (y > 0) == (t > 0), "%s(%a) = %a, not %sinf", fn->name, x, y, t > 0 ? "+" : "-");
    return;
  }
  double u = ulps(y, t);
  if (u > fn->worst) fn->worst = u, fn->worst_at = x;
  if (u > fn->bound && ++fn->over > 10) { failures++; return; } /* the first 10 printed */
  CHECK(u <= fn->bound, "%s(%a) = %a, %.3f ulp from %a", fn->name, x, y, u, t);
}

int main(void) {
  Fn fns[3] = {{"dlc_expf", expf_, exp, 1.02, 0, 0, 0}, {"dlc_tanhf", tanhf_, tanh, 1.34, 0, 0, 0},
               {"dlc_erff", erff_, erf, 1.44, 0, 0, 0}};
  const float edges[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1.0f, -1.0f, 88.72f, 88.7228f, 88.7229f, 89.0f,
                         -87.33f, -87.34f, -100.0f, -103.2f, -103.98f, -104.0f, -105.0f, 1e-8f, -1e-8f, 0x1p-149f,
                         0.624f, 0.625f, 0.626f, -0.625f, 9.0f, 9.01f, 9.5f, 20.0f, -20.0f, 1e30f, -1e30f,
                         0.99999994f, 1.00000012f, -1.0000001f, 3.91f, 3.92f, 4.0f, 4.0000005f, -4.0f};
  for (int k = 0; k < 3; k++) {
    Fn *fn = &fns[k];
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) check_one(fn, edges[i]);
    for (uint64_t b = 0; b < UINT64_C(0x100000000); b += 211) check_one(fn, from_bits((uint32_t)b));
    printf("%s: worst %.3f ulp at %a\n", fn->name, fn->worst, fn->worst_at);
  }
  /* exact where libm is: e^0 = 1, tanh(+-0) = +-0, e^-inf = +0, tanh(+-inf) = +-1 */
  CHECK(dlc_expf(0.0f) == 1.0f && dlc_expf(-0.0f) == 1.0f, "e^0 is not 1");
  CHECK(dlc_expf(-INFINITY) == 0.0f && !signbit(dlc_expf(-INFINITY)), "e^-inf is not +0");
  CHECK(dlc_expf(-200.0f) == 0.0f, "e^-200 is not 0");
  CHECK(dlc_tanhf(-0.0f) == 0.0f && signbit(dlc_tanhf(-0.0f)), "tanh(-0) is not -0");
  CHECK(dlc_tanhf(INFINITY) == 1.0f && dlc_tanhf(-INFINITY) == -1.0f, "tanh(+-inf) is not +-1");
  CHECK(dlc_tanhf(0x1p-149f) == 0x1p-149f, "tanh of the smallest subnormal is not itself");
  CHECK(dlc_erff(-0.0f) == 0.0f && signbit(dlc_erff(-0.0f)), "erf(-0) is not -0");
  CHECK(dlc_erff(INFINITY) == 1.0f && dlc_erff(-INFINITY) == -1.0f && dlc_erff(5.0f) == 1.0f, "erf(+-inf), erf(5) are not +-1");
  return failures ? 1 : 0;
}
