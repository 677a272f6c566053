/* course_library.c - COURSE.md's activations and losses through the generated net, on the
 * course's numbers (see course_library.lua); the expected values are the definitions
 * evaluated by hand:
 *   BCE(sigmoid(1.16), 1) = BCEWithLogits(1.16, 1) = -ln 0.76133 = 0.27268, with target 0 1.43268
 *   NLL(ln [.2,.3,.5], second) = Focal{alpha = 1, gamma = 0} = KL(one-hot || p) = -ln 0.3 = 1.20397
 *   Focal{alpha = 0.25, gamma = 2} = 0.25 * 0.7^2 * 1.20397 = 0.14749
 *   errors [0.5, 3]: Huber (0.125 + 2.5) / 2 = 1.3125, MAE 1.75, RMSE sqrt(9.25 / 2) = 2.15058
 *   [-2, -1, 1]: Leaky ReLU [-0.02, -0.01, 1], ELU [e^-2 - 1, e^-1 - 1, 1] = [-0.86466, -0.63212, 1],
 *   SiLU [-2 sigmoid(-2), -sigmoid(-1), sigmoid(1)] = [-0.23841, -0.26894, 0.73106] */
#define _POSIX_C_SOURCE 200809L
#include "course_check.h"
#include "course_library.h"

int main(void) {
  static course_library_model m;
  const float z[1] = {1.16f}, one[1] = {1}, p[3] = {0.2f, 0.3f, 0.5f}, onehot[3] = {0, 1, 0};
  const float err[2] = {0.5f, 3}, a[3] = {-2, -1, 1};
  const int32_t cls[1] = {1};
  float bce, bcel, bcel0, nll, ce_focal, focal, kl, huber, mae, rmse, leaky[3], elu[3], silu[3];
  course_library_init(&m, 1);
  course_library_forward(&m, z, one, p, cls, onehot, err, a, &bce, &bcel, &bcel0, &nll, &ce_focal, &focal, &kl,
                         &huber, &mae, &rmse, leaky, elu, silu);
  check_printed("BCE(sigmoid(1.16), 1)", bce, "0.27268");
  check_printed("BCEWithLogits(1.16, 1)", bcel, "0.27268");
  check_printed("BCEWithLogits(1.16, 0)", bcel0, "1.43268");
  check_printed("NLL(ln[.2,.3,.5], second)", nll, "1.20397");
  check_printed("Focal{alpha=1, gamma=0} = CE", ce_focal, "1.20397");
  check_printed("Focal{alpha=.25, gamma=2}", focal, "0.14749");
  check_printed("KL(one-hot || p) = CE - 0", kl, "1.20397");
  check_printed("Huber([0.5, 3])", huber, "1.31250");
  check_printed("MAE([0.5, 3])", mae, "1.75000");
  check_printed("RMSE([0.5, 3])", rmse, "2.15058");
  static const char *want[3][3] = {{"-0.02000", "-0.01000", "1.00000"},
                                   {"-0.86466", "-0.63212", "1.00000"},
                                   {"-0.23841", "-0.26894", "0.73106"}};
  const float *got[3] = {leaky, elu, silu};
  const char *fname[3] = {"LeakyReLU", "ELU", "SiLU"};
  char what[64];
  for (int f = 0; f < 3; f++)
    for (int i = 0; i < 3; i++) {
      snprintf(what, sizeof what, "%s(%g)", fname[f], (double)a[i]);
      check_printed(what, got[f][i], want[f][i]);
    }
  printf("%s\n", course_failures ? "FAILED" : "PASSED");
  return course_failures != 0;
}
