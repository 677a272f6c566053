/* course_conv.c - COURSE.md's edge detection through the generated net: the 6x6 half-black
 * image and the vertical edge kernel give a 4x4 map whose every row is [0, -4, -4, 0]; with
 * padding 1 the map is 6x6.  The padded maps are PyTorch 1.13's
 * (F.conv2d(x, w, padding=1) and F.conv2d(F.pad(x, (1,1,1,1), mode='replicate'), w)). */
#define _POSIX_C_SOURCE 200809L
#include "course_check.h"
#include "course_conv.h"

static void check_map(const char *what, const float *got, const float *want, int n) {
  int ok = 1;
  for (int i = 0; i < n * n; i++) ok &= got[i] == want[i];
  printf("%s %s:\n", ok ? "ok  " : "FAIL", what);
  for (int r = 0; r < n; r++) {
    printf("      [");
    for (int c = 0; c < n; c++) printf("%s%g", c ? ", " : "", got[r * n + c]);
    printf("]%s\n", ok ? "" : " (see the comment in course_conv.c for the expected map)");
  }
  course_failures += !ok;
}

int main(void) {
  static course_conv_model m;
  static const float edge[9] = {1, 0, -1, 2, 0, -2, 1, 0, -1};
  static const float want_valid[16] = {0, -4, -4, 0, 0, -4, -4, 0, 0, -4, -4, 0, 0, -4, -4, 0};
  static const float want_zeros[36] = {0, 0, -3, -3, 0, 3, 0, 0, -4, -4, 0, 4, 0, 0, -4, -4, 0, 4,
                                       0, 0, -4, -4, 0, 4, 0, 0, -4, -4, 0, 4, 0, 0, -3, -3, 0, 3};
  static const float want_repl[36] = {0, 0, -4, -4, 0, 0, 0, 0, -4, -4, 0, 0, 0, 0, -4, -4, 0, 0,
                                      0, 0, -4, -4, 0, 0, 0, 0, -4, -4, 0, 0, 0, 0, -4, -4, 0, 0};
  float img[36], valid[16], zeros[36], repl[36];
  for (int i = 0; i < 36; i++) img[i] = i % 6 >= 3;
  course_conv_init(&m, 1);
  memcpy(m.param + COURSE_CONV_PARAM_CONV2D0_WEIGHT, edge, sizeof edge);
  memcpy(m.param + COURSE_CONV_PARAM_CONV2D1_WEIGHT, edge, sizeof edge);
  memcpy(m.param + COURSE_CONV_PARAM_CONV2D2_WEIGHT, edge, sizeof edge);
  course_conv_forward(&m, img, valid, zeros, repl);
  check_map("no padding: 4x4, every row [0, -4, -4, 0] (course)", valid, want_valid, 4);
  check_map("zero padding 1: 6x6 (PyTorch)", zeros, want_zeros, 6);
  check_map("replicate padding 1: 6x6 (PyTorch)", repl, want_repl, 6);
  printf("%s\n", course_failures ? "FAILED" : "PASSED");
  return course_failures != 0;
}
