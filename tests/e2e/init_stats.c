/* init_stats.c - the initializers draw what they promise (examples in tests/e2e/init_stats.lua,
 * 1e5 draws each): every value within the bounds, mean and standard deviation within 2 %
 * (for zero-mean laws: |mean| below 2 % of the std), PyTorch's fan computations. */
#include <math.h>
#include <stdio.h>

#include "init.h"

static int failures;

static void check(const char *name, const float *v, long n, double lo, double hi, double mean, double sd) {
  double s = 0, s2 = 0, mn = INFINITY, mx = -INFINITY;
  for (long i = 0; i < n; i++) {
    s += v[i];
    mn = fmin(mn, v[i]), mx = fmax(mx, v[i]);
  }
  double m = s / n;
  for (long i = 0; i < n; i++) s2 += (v[i] - m) * (v[i] - m);
  double sdv = sqrt(s2 / n);
  int ok = mn >= lo && mx <= hi;
  ok &= mean == 0 ? fabs(m) <= 0.02 * sd : fabs(m - mean) <= 0.02 * fabs(mean);
  ok &= sd == 0 ? sdv == 0 : fabs(sdv - sd) <= 0.02 * sd;
  printf("%-15s mean %+.5f (%+.5f)  std %.5f (%.5f)  range [%.4f, %.4f] %s\n", name, m, mean, sdv, sd, mn, mx,
         ok ? "ok" : "FAIL");
  failures += !ok;
}

int main(void) {
  static init_model m;
  init_init(&m, 2024);
  const long n = 200 * 500;
  const double fi = 500, fo = 200, big = INFINITY;
  double xu = sqrt(6 / (fi + fo)), hu = sqrt(6 / fi), lu = sqrt(3 / fi), lin = 1 / sqrt(fi);
  check("xavier_uniform", m.param + INIT_PARAM_XAVIER_UNIFORM, n, -xu, xu, 0, xu / sqrt(3));
  check("xavier_normal", m.param + INIT_PARAM_XAVIER_NORMAL, n, -big, big, 0, sqrt(2 / (fi + fo)));
  check("he_uniform", m.param + INIT_PARAM_HE_UNIFORM, n, -hu, hu, 0, hu / sqrt(3));
  check("he_normal", m.param + INIT_PARAM_HE_NORMAL, n, -big, big, 0, sqrt(2 / fi));
  check("lecun_uniform", m.param + INIT_PARAM_LECUN_UNIFORM, n, -lu, lu, 0, lu / sqrt(3));
  check("lecun_normal", m.param + INIT_PARAM_LECUN_NORMAL, n, -big, big, 0, sqrt(1 / fi));
  check("uniform", m.param + INIT_PARAM_UNIFORM, n, -0.3, 0.7, 0.2, 1 / sqrt(12));
  check("normal", m.param + INIT_PARAM_NORMAL, n, -big, big, 0.5, 2);
  check("constant", m.param + INIT_PARAM_CONSTANT, n, 0.25, 0.25, 0.25, 0);
  check("linear default", m.param + INIT_PARAM_LINEAR0_WEIGHT, n, -lin, lin, 0, lin / sqrt(3));
  /* nn.Embedding(200, 500, {padding_idx = 7}): N(0, 1) but row 7, which is zeros */
  const float *emb = m.param + INIT_PARAM_EMBEDDING0_WEIGHT;
  check("embedding", emb + 8 * 500, n - 8 * 500, -big, big, 0, 1);
  check("padding row", emb + 7 * 500, 500, 0, 0, 0, 0);
  return failures != 0;
}
