/* course_softmax.c - COURSE.md's softmax examples through the generated net:
 * [3.2, 1.3, 0.2, 0.8] -> [0.77515, 0.11594, 0.03859, 0.07032], [2.0, 1.0, 0.1] ->
 * [0.6590, 0.2424, 0.0986], [-1, 0, 3, 5] -> last 0.8737, at the printed precision. */
#define _POSIX_C_SOURCE 200809L
#include "course_check.h"
#include "course_softmax.h"

int main(void) {
  static course_softmax_model m;
  const float a[8] = {3.2f, 1.3f, 0.2f, 0.8f, -1, 0, 3, 5}, b[3] = {2.0f, 1.0f, 0.1f};
  float sa[8], sb[3];
  static const char *want_a[4] = {"0.77515", "0.11594", "0.03859", "0.07032"};
  static const char *want_b[3] = {"0.6590", "0.2424", "0.0986"};
  char what[64];
  course_softmax_init(&m, 1);
  course_softmax_forward(&m, a, b, sa, sb);
  for (int i = 0; i < 4; i++) {
    snprintf(what, sizeof what, "softmax[3.2,1.3,0.2,0.8][%d]", i);
    check_printed(what, sa[i], want_a[i]);
  }
  for (int i = 0; i < 3; i++) {
    snprintf(what, sizeof what, "softmax[2.0,1.0,0.1][%d]", i);
    check_printed(what, sb[i], want_b[i]);
  }
  check_printed("softmax[-1,0,3,5][3]", sa[7], "0.8737");
  printf("%s\n", course_failures ? "FAILED" : "PASSED");
  return course_failures != 0;
}
