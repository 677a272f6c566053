/* course_forward.c - COURSE.md's worked forward pass, through the generated net with its
 * weights loaded from a file this driver writes: z = 1.16, sigmoid 0.76133, then z = 0.045227,
 * sigmoid 0.511305, each at the course's printed precision. */
#define _POSIX_C_SOURCE 200809L
#include "course_check.h"
#include "course_forward.h"

int main(void) {
  static course_forward_model m;
  static float w1[3] = {0.01f, 0.02f, 0.03f}, b1[1] = {0.01f}, w2[1] = {0.02f}, b2[1] = {0.03f};
  const float x[3] = {95, 4, 4};
  float z1, a1, z2, a2;
  RtTensor ts[] = {{"w1", RT_F32, 2, {3, 1}, w1, 0}, {"b1", RT_F32, 1, {1}, b1, 0},
                   {"w2", RT_F32, 2, {1, 1}, w2, 0}, {"b2", RT_F32, 1, {1}, b2, 0}};
  char path[64];
  write_params(ts, 4, path, sizeof path);
  course_forward_init(&m, 1);
  int rc = course_forward_load(&m, path);
  unlink(path);
  if (rc) {
    printf("FAIL load: %s\n", m.error);
    return 1;
  }
  course_forward_forward(&m, x, &z1, &a1, &z2, &a2);
  check_printed("layer 1 z", z1, "1.16");
  check_printed("layer 1 sigmoid", a1, "0.76133");
  check_printed("layer 2 z", z2, "0.045227");
  check_printed("layer 2 sigmoid", a2, "0.511305");
  printf("%s\n", course_failures ? "FAILED" : "PASSED");
  return course_failures != 0;
}
