/* perceptron_test.c - trains examples/perceptron.lua on the course's three students and checks
 * that the perceptron's step output classifies all three right and the sigmoid agrees. */
#include <stdio.h>

#include "perceptron.h"

int main(void) {
  static perceptron_model m;
  const float x[6] = {95, 3, 110, 4, 100, 5}, t[3] = {0, 1, 1}, scale[2] = {0.01f, 0.2f};
  float p[3], step[3];
  perceptron_init(&m, 1);
  float loss = 0;
  for (int i = 0; i < 3000; i++) loss = perceptron_train_step(&m, x, t, scale);
  perceptron_forward(&m, x, t, scale, p, step);
  int ok = 1;
  for (int i = 0; i < 3; i++) {
    printf("IQ %3g, %g h -> p %.4f, step %g (passed: %g)\n", x[2 * i], x[2 * i + 1], p[i], step[i], t[i]);
    ok &= step[i] == t[i] && (p[i] > 0.5f) == (t[i] > 0.5f);
  }
  printf("final loss %g\n", loss);
  return ok ? 0 : 1;
}
