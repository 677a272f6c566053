/* rng.c - counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random
 * numbers: as easy as 1, 2, 3", SC 2011) and the distributions the initializers draw from.
 *
 * Invariants: every output is a pure function of (seed, stream, index); there is no hidden
 * state, so tensors can be filled in any order, in parallel, or element by element.
 * Mapping onto Philox: key = {seed lo32, seed hi32}, counter = {index lo32, index hi32,
 * stream lo32, stream hi32}.  Element j of a fill uses block j: a uniform takes 53 bits from
 * words 0-1; a normal is the cosine branch of Box-Muller with u1 from words 0-1 in (0, 1]
 * and u2 from words 2-3 in [0, 1). */
#define _POSIX_C_SOURCE 200809L
#include "dlc_rt.h"

#include <math.h>
#include <string.h>

#define TWO_PI 6.283185307179586476925286766559
#define TWO_POW_M53 (1.0 / 9007199254740992.0) /* 2^-53 */

/* The generator and the name hash are dlc_kernel.h's (generated kernels draw dropout masks
 * with the same code, inlined). */
void rt_philox(uint64_t seed, uint64_t stream, uint64_t counter, uint32_t out[4]) {
  rt_philox4x32(seed, stream, counter, out);
}

uint64_t rt_hash_name(const char *name) { return rt_fnv1a(RT_FNV1A_BASIS, name, strlen(name)); }

double rt_uniform01(uint64_t seed, uint64_t stream, uint64_t i) {
  uint32_t r[4];
  rt_philox(seed, stream, i, r);
  return rt_unit53(r[0], r[1]);
}

double rt_normal01(uint64_t seed, uint64_t stream, uint64_t i) {
  uint32_t r[4];
  rt_philox(seed, stream, i, r);
  double u1 = rt_unit53(r[0], r[1]) + TWO_POW_M53; /* (0, 1], exactly: log is finite */
  double u2 = rt_unit53(r[2], r[3]);               /* [0, 1) */
  return sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2);
}

/* lo + (hi - lo) * u can round up to hi; the interval is half-open, so step below it. */
static double uniform_f64(double lo, double hi, double u) {
  double x = lo + (hi - lo) * u;
  return (x >= hi && hi > lo) ? nextafter(hi, lo) : x;
}

static float uniform_f32(double lo, double hi, double u) {
  float x = (float)uniform_f64(lo, hi, u), fhi = (float)hi;
  return (x >= fhi && fhi > (float)lo) ? nextafterf(fhi, (float)lo) : x;
}

void rt_fill_uniform_f32(float *p, size_t n, double lo, double hi, uint64_t seed, uint64_t stream) {
  for (size_t j = 0; j < n; j++)
    p[j] = uniform_f32(lo, hi, rt_uniform01(seed, stream, j));
}

void rt_fill_uniform_f64(double *p, size_t n, double lo, double hi, uint64_t seed,
                         uint64_t stream) {
  for (size_t j = 0; j < n; j++)
    p[j] = uniform_f64(lo, hi, rt_uniform01(seed, stream, j));
}

void rt_fill_normal_f32(float *p, size_t n, double mean, double std, uint64_t seed,
                        uint64_t stream) {
  for (size_t j = 0; j < n; j++)
    p[j] = (float)(mean + std * rt_normal01(seed, stream, j));
}

void rt_fill_normal_f64(double *p, size_t n, double mean, double std, uint64_t seed,
                        uint64_t stream) {
  for (size_t j = 0; j < n; j++)
    p[j] = mean + std * rt_normal01(seed, stream, j);
}

void rt_fill_const_f32(float *p, size_t n, double v) {
  for (size_t j = 0; j < n; j++)
    p[j] = (float)v;
}

void rt_fill_const_f64(double *p, size_t n, double v) {
  for (size_t j = 0; j < n; j++)
    p[j] = v;
}
