/* course_ce.c - COURSE.md's cross-entropy examples through the generated net: predicted
 * [0.2, 0.3, 0.5] with the second class true -> -ln 0.3 = 1.20397 (sparse and one-hot), and
 * softmax of [3.2, 1.3, 0.2, 0.8] with the first class true -> 0.25470 nats, 0.36745 bits. */
#define _POSIX_C_SOURCE 200809L
#include "course_check.h"
#include "course_ce.h"

int main(void) {
  static course_ce_model m;
  const float p[3] = {0.2f, 0.3f, 0.5f}, onehot[3] = {0, 1, 0}, z[4] = {3.2f, 1.3f, 0.2f, 0.8f};
  const int32_t cls[1] = {1}, first[1] = {0};
  float sparse, categorical, nats, bits;
  course_ce_init(&m, 1);
  course_ce_forward(&m, p, cls, onehot, z, first, &sparse, &categorical, &nats, &bits);
  check_printed("CE([.2,.3,.5], second class) sparse", sparse, "1.20397");
  check_printed("CE([.2,.3,.5], [0,1,0]) one-hot", categorical, "1.20397");
  check_printed("CE(softmax[3.2,...], first class)", nats, "0.25470");
  check_printed("same in bits", bits, "0.36745");
  printf("%s\n", course_failures ? "FAILED" : "PASSED");
  return course_failures != 0;
}
