/* steps_test.c - a few training steps of any classifier net (NET, NETU: its C prefix), saved:
 * built once plainly and once with --openmp, run on 2 threads, the two checkpoints must be the
 * same bytes (every split loop computes each element as one thread would).
 *
 *   steps_test CKPT     10 steps on a fixed random batch, then m_save(CKPT) */
#include <stdio.h>

#include "dlc_rt.h"
#include HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define F(s) CAT(NET, s)
#define C(s) CAT(NETU, s)

static F(_model) m;
static float x[C(_X_SIZE)];
static int32_t t[C(_BATCH)];

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: %s CKPT\n", argv[0]), 2;
  for (int i = 0; i < C(_X_SIZE); i++) x[i] = (float)rt_uniform01(3, 1, (uint64_t)i);
  int classes = C(_OUTPUT_SIZE) / C(_BATCH);
  for (int i = 0; i < C(_BATCH); i++) t[i] = (int32_t)(rt_uniform01(3, 2, (uint64_t)i) * classes);
  F(_init)(&m, 7);
  float first = F(_train_step)(&m, x, t), loss = first;
  for (int s = 1; s < 10; s++) loss = F(_train_step)(&m, x, t);
  printf("loss %.5f -> %.5f after 10 steps\n", first, loss);
  if (F(_save)(&m, argv[1])) return printf("save: %s\n", m.error), 1;
  return loss < first ? 0 : 1;
}
