/* test_fold.c - unit test of the dlc_fold helpers of runtime/dlc_kernel.h, with which the dot
 * form of the matrix products sums its accumulators: L vectors folded pairwise at W = L, L/2, .., 2
 * (as emit_matmul.c's dot_sums does) must leave in lane i exactly the bits of vector i's lanes
 * summed in the fixed pairwise order (lanes j and j + L/2, then j and j + L/4, ..), for every
 * vector type and for fewer than L vectors (the missing ones zero).  Built twice by CMake: with
 * __builtin_shufflevector and with the lane-by-lane fallback (-DDLC_NO_SHUFFLEVECTOR).  The data
 * mixes magnitudes from 1e-3 to 1e7 with both signs, so any other order of the adds changes bits.
 * Also dlc_transpose_V, with which a direct convolution's tile turns its per-pixel vectors into
 * per-channel runs: every lane of every vector moved to its transposed place, bit for bit, both
 * builds.  And dlc_pool2_back_V, max pooling's adjoint over 2 x 2 windows, against the scan of
 * each window, both builds.  Exits non-zero and prints each failed check. */
#include "dlc_kernel.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "../check.h"

static uint64_t state = 0x9e3779b97f4a7c15u;
static double next_value(void) { /* xorshift64*, scaled to a random decade, random sign */
  state ^= state >> 12, state ^= state << 25, state ^= state >> 27;
  uint64_t u = state * 0x2545f4914f6cdd1du;
  double m = (double)(u >> 11) / 9007199254740992.0, scale = 1e-3;
  for (int d = (int)(u & 7) + 1; d > 0; d--) scale *= 10;
  return (u & 8 ? -m : m) * scale;
}

/* TEST_FOLD(S, T): dlc_S vectors of T lanes; FOLDn(W) names dlc_fold<W>_<S>. */
#define TEST_FOLD(S, T)                                                                        \
  static void test_##S(void) {                                                                 \
    enum { L = sizeof(dlc_##S) / sizeof(T) };                                                  \
    for (int n = 1; n <= L; n++) /* n vectors present */                                       \
      for (int trial = 0; trial < 50; trial++) {                                               \
        dlc_##S in[L], lv[L], zero = {0};                                                      \
        const dlc_##S *x[L];                                                                   \
        T want[L];                                                                             \
        for (int i = 0; i < L; i++) {                                                          \
          T lane[L];                                                                           \
          for (int j = 0; j < L; j++) lane[j] = (T)next_value();                               \
          memcpy(&in[i], lane, sizeof lane);                                                   \
          for (int w = L / 2; w > 0; w /= 2) /* the reference: pairwise, in place */          \
            for (int j = 0; j < w; j++) lane[j] += lane[j + w];                                \
          want[i] = i < n ? lane[0] : 0;                                                       \
          x[i] = i < n ? &in[i] : NULL;                                                        \
        }                                                                                      \
        for (int W = L, m = L; W > 1; W /= 2, m /= 2) /* the tree dot_sums emits */            \
          for (int i = 0; i < m / 2; i++) {                                                    \
            const dlc_##S *a = x[2 * i] ? x[2 * i] : &zero, *b = x[2 * i + 1] ? x[2 * i + 1] : &zero; \
            switch (W) {                                                                       \
            case 2: dlc_fold2_##S(&lv[i], a, b); break;                                        \
            FOLD_CASES_##S                                                                     \
            }                                                                                  \
            x[i] = &lv[i];                                                                     \
          }                                                                                    \
        T got[L];                                                                              \
        memcpy(got, x[0], sizeof got);                                                         \
        CHECK(memcmp(got, want, sizeof got) == 0, #S ": %d vectors, trial %d: lane sums differ", n, trial); \
      }                                                                                        \
  }

#define FOLD_CASES_v4f case 4: dlc_fold4_v4f(&lv[i], a, b); break;
#define FOLD_CASES_v8f                                                                         \
  case 4: dlc_fold4_v8f(&lv[i], a, b); break;                                                  \
  case 8: dlc_fold8_v8f(&lv[i], a, b); break;
#define FOLD_CASES_v16f                                                                        \
  case 4: dlc_fold4_v16f(&lv[i], a, b); break;                                                 \
  case 8: dlc_fold8_v16f(&lv[i], a, b); break;                                                 \
  case 16: dlc_fold16_v16f(&lv[i], a, b); break;
#define FOLD_CASES_v2d
#define FOLD_CASES_v4d case 4: dlc_fold4_v4d(&lv[i], a, b); break;
#define FOLD_CASES_v8d                                                                         \
  case 4: dlc_fold4_v8d(&lv[i], a, b); break;                                                  \
  case 8: dlc_fold8_v8d(&lv[i], a, b); break;

TEST_FOLD(v4f, float)
TEST_FOLD(v8f, float)
TEST_FOLD(v16f, float)
TEST_FOLD(v2d, double)
TEST_FOLD(v4d, double)
TEST_FOLD(v8d, double)

/* TEST_TRANSPOSE(S, T): lane j of vector i of the result is lane i of vector j of the input. */
#define TEST_TRANSPOSE(S, T)                                                                   \
  static void test_transpose_##S(void) {                                                       \
    enum { L = sizeof(dlc_##S) / sizeof(T) };                                                  \
    T in[L][L], got[L][L];                                                                     \
    dlc_##S r[L];                                                                              \
    for (int i = 0; i < L; i++)                                                                \
      for (int j = 0; j < L; j++) in[i][j] = (T)next_value();                                  \
    memcpy(r, in, sizeof in);                                                                  \
    dlc_transpose_##S(r);                                                                      \
    memcpy(got, r, sizeof got);                                                                \
    for (int i = 0; i < L; i++)                                                                \
      for (int j = 0; j < L; j++)                                                              \
        CHECK(memcmp(&got[i][j], &in[j][i], sizeof(T)) == 0, #S " transposed: lane %d of vector %d", j, i); \
  }
TEST_TRANSPOSE(v4f, float)
TEST_TRANSPOSE(v8f, float)
TEST_TRANSPOSE(v16f, float)
TEST_TRANSPOSE(v2d, double)
TEST_TRANSPOSE(v4d, double)
TEST_TRANSPOSE(v8d, double)

/* TEST_POOL2(S, T): dlc_pool2_back_S against the scan of each 2 x 2 window in order (row 0's
 * two pixels, then row 1's; a pixel taken when greater than the maximum so far or NaN), for
 * every n <= L, on pixels drawn from {-1, 0, 1, NaN} (ties and NaNs everywhere) and gradients
 * of both signs, some NaN: the winner gets the gradient's bits, every other pixel +0, nothing
 * past 2n pixels written; and dlc_pool2_fwd_S, each window's maximum by the same scan. */
#define TEST_POOL2(S, T)                                                                        \
  static void test_pool2_##S(void) {                                                            \
    enum { L = sizeof(dlc_##S) / sizeof(T) };                                                   \
    for (int n = 1; n <= L; n++)                                                                \
      for (int trial = 0; trial < 200; trial++) {                                               \
        T x[2][2 * L], g[L], got[2][2 * L + 1], want[2][2 * L + 1];                             \
        for (int r = 0; r < 2; r++)                                                             \
          for (int j = 0; j < 2 * L; j++) {                                                     \
            int k = (int)((uint64_t)(fabs(next_value()) * 1e3) % 4);                           \
            x[r][j] = k == 3 ? (T)NAN : (T)(k - 1);                                             \
          }                                                                                     \
        for (int j = 0; j < L; j++) g[j] = j % 7 == 5 ? (T)NAN : (T)next_value();               \
        for (int r = 0; r < 2; r++)                                                             \
          for (int j = 0; j <= 2 * L; j++) got[r][j] = want[r][j] = (T)-7; /* untouched */      \
        for (int w = 0; w < n; w++) {                                                           \
          const T px[4] = {x[0][2 * w], x[0][2 * w + 1], x[1][2 * w], x[1][2 * w + 1]};         \
          int a = 0;                                                                            \
          for (int i = 1; i < 4; i++)                                                           \
            if (px[i] > px[a] || px[i] != px[i]) a = i;                                         \
          for (int i = 0; i < 4; i++) want[i / 2][2 * w + i % 2] = i == a ? g[w] : (T)0;        \
        }                                                                                       \
        dlc_pool2_back_##S(x[0], x[1], g, n, got[0], got[1]);                                   \
        for (int r = 0; r < 2; r++)                                                             \
          for (int j = 0; j <= 2 * L; j++)                                                      \
            CHECK(memcmp(&got[r][j], &want[r][j], sizeof(T)) == 0, #S " pool2 n=%d row %d pixel %d: %g, want %g", \
                  n, r, j, (double)got[r][j], (double)want[r][j]);                               \
        /* the forward: each window's maximum, the winner's bits; nothing past n written */    \
        T y[L + 1], ywant[L + 1];                                                               \
        for (int w = 0; w <= L; w++) y[w] = ywant[w] = (T)-7;                                   \
        for (int w = 0; w < n; w++) {                                                           \
          const T px[4] = {x[0][2 * w], x[0][2 * w + 1], x[1][2 * w], x[1][2 * w + 1]};         \
          int a = 0;                                                                            \
          for (int i = 1; i < 4; i++)                                                           \
            if (px[i] > px[a] || px[i] != px[i]) a = i;                                         \
          ywant[w] = px[a];                                                                     \
        }                                                                                       \
        dlc_pool2_fwd_##S(x[0], x[1], n, y);                                                    \
        for (int w = 0; w <= L; w++)                                                            \
          CHECK(memcmp(&y[w], &ywant[w], sizeof(T)) == 0, #S " pool2 forward n=%d window %d: %g, want %g", n, w, \
                (double)y[w], (double)ywant[w]);                                                 \
      }                                                                                         \
  }
TEST_POOL2(v4f, float)
TEST_POOL2(v8f, float)
TEST_POOL2(v16f, float)
TEST_POOL2(v2d, double)
TEST_POOL2(v4d, double)
TEST_POOL2(v8d, double)

/* TEST_ROWS2(S, T): dlc_rows2_S(&r, p, sp, d) for every split sp in [0, L + 1] and shift d in
 * [0, 6]: lanes below sp are p[lane], the others p[d + lane] (the next row's pixels), the bits
 * as loaded (NaN and -0 among the values). */
#define TEST_ROWS2(S, T)                                                                        \
  static void test_rows2_##S(void) {                                                            \
    enum { L = sizeof(dlc_##S) / sizeof(T) };                                                   \
    T p[L + 8];                                                                                 \
    for (int i = 0; i < L + 8; i++) p[i] = i % 5 == 3 ? (T)NAN : i % 5 == 4 ? (T)-0.0 : (T)next_value(); \
    for (int sp = 0; sp <= L + 1; sp++)                                                         \
      for (int d = 0; d <= 6; d++) {                                                            \
        dlc_##S r;                                                                              \
        dlc_rows2_##S(&r, p, sp, d);                                                            \
        for (int l = 0; l < L; l++) {                                                           \
          T got = r[l], want = p[l < sp ? l : d + l];                                           \
          CHECK(memcmp(&got, &want, sizeof(T)) == 0, #S " rows2 sp=%d d=%d lane %d: %g, want %g", sp, d, l, \
                (double)got, (double)want);                                                     \
        }                                                                                       \
      }                                                                                         \
  }
TEST_ROWS2(v4f, float)
TEST_ROWS2(v8f, float)
TEST_ROWS2(v16f, float)
TEST_ROWS2(v2d, double)
TEST_ROWS2(v4d, double)
TEST_ROWS2(v8d, double)

/* One fold by hand: dlc_fold4_v8f of x = 0..7 and y = 10..17 is the halves of x's two groups
 * of 4 (0+2, 1+3, 4+6, 5+7), then y's. */
static void test_layout(void) {
  dlc_v8f x = {0, 1, 2, 3, 4, 5, 6, 7}, y = {10, 11, 12, 13, 14, 15, 16, 17}, r;
  dlc_fold4_v8f(&r, &x, &y);
  const float want[8] = {2, 4, 10, 12, 22, 24, 30, 32};
  for (int j = 0; j < 8; j++) CHECK(r[j] == want[j], "fold4_v8f lane %d: %g, want %g", j, (double)r[j], (double)want[j]);
}

int main(void) {
  test_v4f();
  test_v8f();
  test_v16f();
  test_v2d();
  test_v4d();
  test_v8d();
  test_layout();
  test_transpose_v4f();
  test_transpose_v8f();
  test_transpose_v16f();
  test_transpose_v2d();
  test_transpose_v4d();
  test_transpose_v8d();
  test_pool2_v4f();
  test_pool2_v8f();
  test_pool2_v16f();
  test_pool2_v2d();
  test_pool2_v4d();
  test_pool2_v8d();
  test_rows2_v4f();
  test_rows2_v8f();
  test_rows2_v16f();
  test_rows2_v2d();
  test_rows2_v4d();
  test_rows2_v8d();
  if (!failures) printf("test_fold: all checks passed\n");
  return failures != 0;
}
