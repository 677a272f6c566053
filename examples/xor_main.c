/* xor_main.c - a program that embeds the net dlc generated from examples/xor.lua:
 *
 *   dlc examples/xor.lua -o xor.c
 *   clang -O2 -Iruntime xor.c examples/xor_main.c runtime/rng.c runtime/safetensors.c runtime/text.c runtime/fileio.c -lm -o xor
 *   ./xor [steps] [checkpoint.safetensors]
 * (or, with dlc installed: cc -O2 xor.c examples/xor_main.c -I. $(pkg-config --cflags --libs dlc-rt) -o xor;
 * or dlc_add_model in CMake: README, "Use it in your app")
 *
 * It trains on the four rows of XOR's truth table, prints the learned table, optionally saves
 * a checkpoint, and exits 0 only when all four rows are classified right. */
#include <stdio.h>
#include <stdlib.h>

#include "xor.h"

int main(int argc, char **argv) {
  static xor_model m; /* the whole model: parameters, gradients, state, activations */
  const float x[XOR_X_SIZE] = {0, 0, 0, 1, 1, 0, 1, 1};
  const float target[XOR_TARGET_SIZE] = {0, 1, 1, 0};
  float y[XOR_OUTPUT_SIZE];
  int steps = argc > 1 ? atoi(argv[1]) : 1000;

  xor_init(&m, 42);
  for (int i = 1; i <= steps; i++) {
    float loss = xor_train_step(&m, x, target);
    if (i == 1 || i % (steps / 4 > 0 ? steps / 4 : 1) == 0) printf("step %4d  loss %.6f\n", i, loss);
  }
  xor_forward(&m, x, y);
  int right = 0;
  printf("\n x1 x2 | target | output\n");
  for (int i = 0; i < XOR_BATCH; i++) {
    right += (y[i] > 0.5f) == (target[i] > 0.5f);
    printf("  %g  %g |   %g    | %.4f\n", x[2 * i], x[2 * i + 1], target[i], y[i]);
  }
  printf("\naccuracy %d/4\n", right);
  if (argc > 2 && xor_save(&m, argv[2])) {
    fprintf(stderr, "xor: %s\n", m.error);
    return 1;
  }
  return right == 4 ? 0 : 1;
}
