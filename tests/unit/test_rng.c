/* test_rng.c - unit tests of runtime/rng.c: Philox4x32-10 against the Random123 known-answer
 * vectors, the documented mapping of blocks to uniforms and normals, FNV-1a, determinism,
 * independence of fill order, statistics of the distributions and the bounds of uniform fills.
 * Exits non-zero and prints each failed check. */
#include "dlc_rt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"

#define N_STAT 100000

/* Random123's tests/kat_vectors, "philox4x32 10" lines: counter[4] key[2] -> out[4]. */
static void test_kat(void) {
  static const uint32_t kat[3][10] = {
      {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
      {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
       0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
      {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
       0x94fdcceb, 0x5001e420, 0x24126ea1},
  };
  for (int k = 0; k < 3; k++) {
    const uint32_t *v = kat[k];
    uint64_t counter = (uint64_t)v[1] << 32 | v[0], stream = (uint64_t)v[3] << 32 | v[2];
    uint64_t seed = (uint64_t)v[5] << 32 | v[4];
    uint32_t out[4];
    rt_philox(seed, stream, counter, out);
    for (int i = 0; i < 4; i++)
      CHECK(out[i] == v[6 + i], "KAT %d word %d: got %08x, want %08x", k, i, out[i], v[6 + i]);
  }
}

/* Uniform: top 53 bits of words 0-1.  Normal: Box-Muller cosine branch, u1 in (0,1]. */
static void test_mapping(void) {
  uint64_t w01 = ((uint64_t)0x6627e8d5 << 32 | 0xe169c58d) >> 11;
  uint64_t w23 = ((uint64_t)0xbc57ac4c << 32 | 0x9b00dbd8) >> 11;
  double u = (double)w01 / 9007199254740992.0;
  double u1 = (double)(w01 + 1) / 9007199254740992.0, u2 = (double)w23 / 9007199254740992.0;
  double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925286766559 * u2);
  CHECK(rt_uniform01(0, 0, 0) == u, "uniform01(0,0,0) = %.17g, want %.17g", rt_uniform01(0, 0, 0),
        u);
  CHECK(rt_normal01(0, 0, 0) == z, "normal01(0,0,0) = %.17g, want %.17g", rt_normal01(0, 0, 0), z);
}

static void test_hash(void) {
  CHECK(rt_hash_name("") == 0xcbf29ce484222325u, "FNV-1a of \"\"");
  CHECK(rt_hash_name("a") == 0xaf63dc4c8601ec8cu, "FNV-1a of \"a\"");
  CHECK(rt_hash_name("foobar") == 0x85944171f73967e8u, "FNV-1a of \"foobar\"");
  CHECK(rt_hash_name("net.0.weight") != rt_hash_name("net.0.bias"),
        "distinct names, distinct streams");
}

static void test_determinism(void) {
  enum { N = 4096 };
  static float a[N], b[N];
  static double c[N], d[N];
  rt_fill_uniform_f32(a, N, -1, 1, 7, 3);
  rt_fill_uniform_f32(b, N, -1, 1, 7, 3);
  CHECK(!memcmp(a, b, sizeof a), "uniform f32 fill not reproducible");
  rt_fill_normal_f64(c, N, 0, 1, 7, 3);
  rt_fill_normal_f64(d, N, 0, 1, 7, 3);
  CHECK(!memcmp(c, d, sizeof c), "normal f64 fill not reproducible");
  rt_fill_normal_f64(d, N, 0, 1, 8, 3);
  int same = 0;
  for (int i = 0; i < N; i++)
    same += c[i] == d[i];
  CHECK(same == 0, "seeds 7 and 8 agree on %d of %d draws", same, N);
  rt_fill_normal_f64(d, N, 0, 1, 7, 4);
  same = 0;
  for (int i = 0; i < N; i++)
    same += c[i] == d[i];
  CHECK(same == 0, "streams 3 and 4 agree on %d of %d draws", same, N);
}

/* Element j is a function of j alone: a prefix fill, single draws in reverse order and a
 * fill of a longer tensor all agree. */
static void test_order(void) {
  enum { N = 1000 };
  static double a[N], b[10];
  uint64_t seed = 0x123456789abcdefu, stream = rt_hash_name("net.2.weight");
  rt_fill_uniform_f64(a, N, -2, 3, seed, stream);
  rt_fill_uniform_f64(b, 10, -2, 3, seed, stream);
  CHECK(!memcmp(a, b, sizeof b), "a prefix fill differs from the full fill");
  for (int j = N - 1; j >= 0; j--) {
    double want = -2 + 5 * rt_uniform01(seed, stream, (uint64_t)j);
    if (a[j] != want) {
      CHECK(a[j] == want, "element %d: fill %.17g, single draw %.17g", j, a[j], want);
      break;
    }
  }
  static float n1[N];
  rt_fill_normal_f32(n1, N, 0.5, 2, seed, stream);
  for (int j = N - 1; j >= 0; j--)
    if (n1[j] != (float)(0.5 + 2 * rt_normal01(seed, stream, (uint64_t)j))) {
      CHECK(0, "normal element %d differs from its single draw", j);
      break;
    }
}

static void mean_std(const double *v, int n, double *mean, double *std) {
  double s = 0, ss = 0;
  for (int i = 0; i < n; i++)
    s += v[i];
  *mean = s / n;
  for (int i = 0; i < n; i++)
    ss += (v[i] - *mean) * (v[i] - *mean);
  *std = sqrt(ss / (n - 1));
}

static void test_stats(void) {
  static double v[N_STAT];
  static float f[N_STAT];
  double m, s;
  rt_fill_uniform_f64(v, N_STAT, 0, 1, 42, 1);
  mean_std(v, N_STAT, &m, &s);
  CHECK(fabs(m - 0.5) < 0.02 * 0.5, "uniform mean %g", m);
  CHECK(fabs(s - sqrt(1.0 / 12)) < 0.02 * sqrt(1.0 / 12), "uniform std %g", s);
  rt_fill_normal_f64(v, N_STAT, 0, 1, 42, 2);
  mean_std(v, N_STAT, &m, &s);
  CHECK(fabs(m) < 0.02, "normal mean %g", m);
  CHECK(fabs(s - 1) < 0.02, "normal std %g", s);
  int finite = 1;
  for (int i = 0; i < N_STAT; i++)
    finite &= isfinite(v[i]) != 0;
  CHECK(finite, "a normal draw is not finite");
  rt_fill_normal_f32(f, N_STAT, 3, 2, 42, 3);
  for (int i = 0; i < N_STAT; i++)
    v[i] = f[i];
  mean_std(v, N_STAT, &m, &s);
  CHECK(fabs(m - 3) < 0.02 * 2, "normal(3, 2) mean %g", m);
  CHECK(fabs(s - 2) < 0.02 * 2, "normal(3, 2) std %g", s);
}

static void check_f32_bounds(float lo, float hi, uint64_t seed) {
  static float f[N_STAT];
  float mn = hi, mx = lo;
  rt_fill_uniform_f32(f, N_STAT, lo, hi, seed, 9);
  for (int i = 0; i < N_STAT; i++) {
    mn = f[i] < mn ? f[i] : mn;
    mx = f[i] > mx ? f[i] : mx;
  }
  CHECK(mn >= lo && mx < hi, "uniform f32 [%.9g, %.9g): drew %.9g .. %.9g", lo, hi, mn, mx);
  double near_lo = lo + ((double)hi - lo) * 0.001, near_hi = hi - ((double)hi - lo) * 0.001;
  CHECK(mn <= near_lo && (mx >= near_hi || mx == nextafterf(hi, lo)),
        "uniform f32 [%.9g, %.9g) does not cover its range: %.9g .. %.9g", lo, hi, mn, mx);
}

/* Half-open [lo, hi), also where rounding lo + (hi - lo) * u would land on hi. */
static void test_bounds(void) {
  static double v[N_STAT];
  check_f32_bounds(-1, 1, 1);
  check_f32_bounds(-0.05f, 0.05f, 2);
  check_f32_bounds(1.0f, 1.0f + 1.0f / (1 << 20), 3); /* 8 floats: rounding up is frequent */
  double lo = 1, hi = 1 + 1.0 / 1099511627776.0;      /* 2^-40 */
  rt_fill_uniform_f64(v, N_STAT, lo, hi, 4, 9);
  int ok = 1;
  for (int i = 0; i < N_STAT; i++)
    ok &= v[i] >= lo && v[i] < hi;
  CHECK(ok, "uniform f64 [1, 1+2^-40) drew a value out of range");
  float c[5];
  double d[5];
  rt_fill_const_f32(c, 5, 0.25);
  rt_fill_const_f64(d, 5, -3);
  CHECK(c[4] == 0.25f && d[0] == -3 && d[4] == -3, "constant fill");
}

int main(void) {
  test_kat();
  test_mapping();
  test_hash();
  test_determinism();
  test_order();
  test_stats();
  test_bounds();
  if (failures) {
    fprintf(stderr, "test_rng: %d check(s) failed\n", failures);
    return 1;
  }
  printf("test_rng: all checks passed\n");
  return 0;
}
