/* linreg_test.c - linear regression (examples/linreg.lua) recovers w and b: data from
 * y = 2.5 x - 0.7 on x in [-1, 1], full-batch gradient descent, |error| < 1e-3. */
#include <math.h>
#include <stdio.h>

#include "linreg.h"

int main(void) {
  static linreg_model m;
  float x[LINREG_X_SIZE], y[LINREG_Y_SIZE];
  for (int i = 0; i < LINREG_X_SIZE; i++) {
    x[i] = -1.0f + 2.0f * (float)i / (LINREG_X_SIZE - 1);
    y[i] = 2.5f * x[i] - 0.7f;
  }
  linreg_init(&m, 7);
  float loss = 0;
  for (int step = 0; step < 2000; step++) loss = linreg_train_step(&m, x, y);
  float w = m.param[LINREG_PARAM_W], b = m.param[LINREG_PARAM_B];
  printf("w = %.6f (2.5), b = %.6f (-0.7), loss %g\n", w, b, loss);
  return fabsf(w - 2.5f) < 1e-3f && fabsf(b + 0.7f) < 1e-3f ? 0 : 1;
}
