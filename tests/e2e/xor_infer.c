/* xor_infer.c - an inference-only build of examples/xor.lua (--inference: no training step,
 * no gradient or optimizer code) loads the checkpoint the training build saved and gets the
 * truth table right. */
#include <stdio.h>

#include "xor.h"

int main(int argc, char **argv) {
  static xor_model m;
  const float x[XOR_X_SIZE] = {0, 0, 0, 1, 1, 0, 1, 1}, want[4] = {0, 1, 1, 0};
  float y[XOR_OUTPUT_SIZE];
  if (argc < 2) return 2;
  xor_init(&m, 0);
  if (xor_load(&m, argv[1])) return printf("load: %s\n", m.error), 1;
  xor_forward(&m, x, y);
  int right = 0;
  for (int i = 0; i < 4; i++) right += (y[i] > 0.5f) == (want[i] > 0.5f);
  printf("inference build, step %lld: %d/4 right\n", (long long)m.step, right);
  return right == 4 ? 0 : 1;
}
