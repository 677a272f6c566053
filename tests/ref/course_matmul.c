/* course_matmul.c - COURSE.md's matrix product [3 4 2] . [[13 9 7], [8 7 4], [6 4 0]] =
 * [83 63 37], through a generated net whose parameter w is loaded from a safetensors file
 * this driver writes (no graph hash, as PyTorch would export it).  Integers: exact in f32. */
#define _POSIX_C_SOURCE 200809L
#include "course_check.h"
#include "course_matmul.h"

int main(void) {
  static course_matmul_model m;
  static float w[9] = {13, 9, 7, 8, 7, 4, 6, 4, 0};
  const float x[3] = {3, 4, 2}, want[3] = {83, 63, 37};
  float y[3];
  RtTensor t = {"w", RT_F32, 2, {3, 3}, w, 0};
  char path[64];
  write_params(&t, 1, path, sizeof path);
  course_matmul_init(&m, 1);
  int rc = course_matmul_load(&m, path);
  unlink(path);
  if (rc) {
    printf("FAIL load: %s\n", m.error);
    return 1;
  }
  course_matmul_forward(&m, x, y);
  for (int i = 0; i < 3; i++) {
    int ok = y[i] == want[i];
    printf("%s y[%d] = %g, course %g\n", ok ? "ok  " : "FAIL", i, y[i], want[i]);
    course_failures += !ok;
  }
  printf("%s\n", course_failures ? "FAILED" : "PASSED");
  return course_failures != 0;
}
