/* st_diff.c - compares two checkpoints tensor by tensor: st_diff A B TOL prints, for each of A's
 * tensors, the largest absolute difference from B's tensor of that name, scaled by 1 + the
 * largest magnitude in A's (a relative difference for large values, absolute for small), and
 * exits 0 when every one is at most TOL (0: bit-identical values), 1 when one is larger or
 * the files do not hold the same names, shapes and dtypes, 2 on a usage or file error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc_rt.h"
#include "dlc_text.h"
#include "../st_value.h"

int main(int argc, char **argv) {
  if (argc != 4) return fprintf(stderr, "usage: st_diff A.safetensors B.safetensors TOL\n"), 2;
  char err[512];
  double tol = atof(argv[3]), worst = 0;
  RtStFile *a = rt_st_open(argv[1], err, sizeof err), *b = a ? rt_st_open(argv[2], err, sizeof err) : NULL;
  if (!a || !b) return fprintf(stderr, "st_diff: %s\n", err), 2;
  int bad = rt_st_count(a) != rt_st_count(b);
  for (int k = 0; k < rt_st_count(a); k++) {
    const RtTensor *x = rt_st_get(a, k), *y = rt_st_find(b, x->name);
    char name[80]; /* a checkpoint's name, shown terminal-escaped */
    rt_shown(name, sizeof name, x->name);
    if (!y || y->dtype != x->dtype || y->ndim != x->ndim || memcmp(x->shape, y->shape, sizeof x->shape)) {
      printf("%s: not in %s with the same dtype and shape\n", name, argv[2]);
      bad = 1;
      continue;
    }
    double d = 0, mag = 0;
    for (int64_t i = 0; i < rt_tensor_numel(x); i++) {
      double u = st_value_at(x, i), v = st_value_at(y, i);
      int differ = memcmp(&u, &v, sizeof u) != 0;
      double e = isnan(u) || isnan(v) ? (differ ? INFINITY : 0) : fabs(u - v);
      d = e > d ? e : d;
      mag = fabs(u) > mag ? fabs(u) : mag;
    }
    double rel = d / (1 + mag);
    printf("%-40s max |a-b| %.3g, scaled %.3g\n", name, d, rel);
    worst = rel > worst ? rel : worst;
  }
  printf("largest scaled difference %.3g (tolerance %.3g)\n", worst, tol);
  rt_st_close(a), rt_st_close(b);
  return bad || worst > tol;
}
