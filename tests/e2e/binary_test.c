/* binary_test.c - examples/binary.lua learns two interleaved half-moons (a seeded synthetic
 * set): accuracy above 0.95 on the training batch after 300 steps; the BCE loss falls. */
#include <math.h>
#include <stdio.h>

#include "binary.h"
#include "dlc_rt.h"

int main(void) {
  static binary_model m;
  float x[BINARY_X_SIZE], t[BINARY_TARGET_SIZE], y[BINARY_OUTPUT_SIZE];
  for (int i = 0; i < BINARY_BATCH; i++) {
    int c = i % 2;
    double a = 3.14159265358979 * rt_uniform01(9, 1, (uint64_t)i), r = 1 + 0.1 * rt_normal01(9, 2, (uint64_t)i);
    x[2 * i] = (float)(c ? 1 - r * cos(a) : r * cos(a));
    x[2 * i + 1] = (float)(c ? 0.5 - r * sin(a) : r * sin(a));
    t[i] = (float)c;
  }
  binary_init(&m, 3);
  float first = binary_train_step(&m, x, t), loss = first;
  for (int s = 1; s < 300; s++) loss = binary_train_step(&m, x, t);
  binary_forward(&m, x, y);
  int right = 0;
  for (int i = 0; i < BINARY_BATCH; i++) right += (y[i] > 0.5f) == (t[i] > 0.5f);
  printf("BCE %.4f -> %.4f, accuracy %d/%d\n", first, loss, right, BINARY_BATCH);
  return loss < first / 4 && right >= 0.95 * BINARY_BATCH ? 0 : 1;
}
