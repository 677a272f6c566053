/* equiv_test.c - the backward pass's bit-keeping fusions and cache blocking against the same
 * model unfused and unblocked.
 *
 *   equiv_test NET.c EPILOGUES SUMS PRODUCTS LANES CHUNKS SCATTERS WINDOWS DIRECT GRADS POOLS PADDED
 *              PADBLOCKS ELEMPOOLS XENTSOFTMAX CUTS AXPYEPI ROWLANES KEPTLANES DIRECTGRADS
 *
 * fusednet is the model as dlc emits it; plainnet the same model with --check-numerics, where
 * every node is a block of its own (no fusion at all: plan.c), and --l2 65536, where every
 * product's operands fit in the L2 the blocking assumes (no chunks of k).  Both take 4 training steps from
 * one seed on the same batches; losses, parameters, optimizer state and a forward pass must be
 * identical (memcmp).  NET.c (fusednet's C) must hold exactly EPILOGUES blocks that compute max
 * pooling's adjoint as an elementwise node's epilogue (plan.c's decide_epilogues), SUMS sums
 * computed in an earlier block's loop, a sibling sum's or that of the elementwise block whose
 * output they sum (emit_c.c's emit_sums), and PRODUCTS elementwise blocks
 * computed by a product's tiles (emit_c.c's epilogue_user), and LANES arrays of lanes: dot-form
 * products cut into chunks of k that keep their accumulators' lanes (emit_matmul.c's dot_lanes),
 * one array each, or two when strips of tiles keep their own (dot_strips: a loop of strips and
 * the narrower last one), and CHUNKS
 * products computed with the scatter-add of their columns a block of images at a time
 * (emit_window.c's window_images), whose scatters are SCATTERS kernels (a kernel of their own,
 * emit_c.c's em_sub_kernel: blocks scattering into planes of one shape share it), and
 * WINDOWS products computed with the window gather (im2col) they read a block of images at a
 * time (emit_window.c's window_images: a convolution's forward product, in the forward and
 * eval functions, and in the training step where nothing else reads the windows), and DIRECT
 * such products computed straight from the image, no windows at all (emit_window.c's direct
 * convolution: the product's rows a whole number of vectors), and GRADS weight gradients
 * (dY X^T, or X G) that gather the windows again themselves a block of images at a time, in
 * the training step, whose forward product then reads them alone (emit_matmul.c's
 * dot_window_blocks, each also counted as an array of lanes, and axpy_window_blocks), and
 * POOLS max poolings computed by a direct convolution's kernel from the planes its tiles stored
 * through their epilogue (each such epilogue, the convolution's bias and activation, is also
 * one of the PRODUCTS), and PADDED weight gradients dY X^T that read the windows from the
 * images the forward's direct convolution padded (emit_matmul.c's dot_window_pixels, instead of
 * gathering them again: not among the GRADS, but among the arrays of LANES), and XENTSOFTMAX
 * cross-entropies whose kernel also computes their backward's softmax of the same logits
 * (emit_rows.c's emit_row), and CUTS elementwise loops cut at the bounds of the pads they read
 * (a concatenation, its adjoint: emit_loops.c's elem_cuts), and AXPYEPI microkernels of the
 * axpy form with an epilogue ("_epi" kernels: a product's elementwise user, or a (B A^T)^T
 * weight gradient's update, emit_matmul.c), and ROWLANES softmaxes and log-softmaxes computed a
 * group of rows at a time, one in each lane (emit_rows.c's row_lanes; a loop of whole groups
 * each), and KEPTLANES sums computed a group of outputs at a time, one in each lane, where the
 * output walks only the loop around a short innermost one (emit_loops.c's kept_lanes: batch
 * norm's sums over planes of 7 x 7), and DIRECTGRADS convolutions' input gradients computed
 * straight from dY, no columns and no scatter (emit_window.c's direct_grad_of: W^T dY and its
 * scatter-add, col2im, as the flipped filters over dY).  Exits 1 on any difference. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "fusednet.h"
#include "plainnet.h"

#define NSTEPS 4

static fusednet_model fused; /* static: large */
static plainnet_model plain;

static uint64_t lcg(uint64_t *s) { return *s = *s * 6364136223846793005ULL + 1442695040888963407ULL; }

/* Lines of the file holding both a and b (b may be NULL). */
static int count_lines(const char *path, const char *a, const char *b) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  int n = 0;
  while (fgets(line, sizeof line, f))
    if (strstr(line, a) && (!b || strstr(line, b))) n++;
  fclose(f);
  return n;
}

#define SAME_ARRAY(what, a, b)                                                                        \
  for (size_t i = 0; i < sizeof(a) / sizeof(a)[0]; i++)                                             \
    if (memcmp(&(a)[i], &(b)[i], sizeof(a)[i])) {                                                     \
      CHECK(0, "step %d: %s[%zu] %.17g (fused) vs %.17g (unfused)", step, what, i, (double)(a)[i], (double)(b)[i]); \
      break;                                                                                          \
    }

int main(int argc, char **argv) {
  if (argc != 21) {
    fprintf(stderr, "usage: equiv_test NET.c EPILOGUES SUMS PRODUCTS LANES CHUNKS SCATTERS WINDOWS DIRECT GRADS POOLS PADDED PADBLOCKS "
                    "ELEMPOOLS XENTSOFTMAX CUTS AXPYEPI ROWLANES KEPTLANES DIRECTGRADS\n");
    return 2;
  }
  int want_e = atoi(argv[2]), have_e = count_lines(argv[1], " *   with %", " = max_pool_backward");
  int want_s = atoi(argv[3]), have_s = count_lines(argv[1], " * then, in the same loop, %", " = sum_to");
  CHECK(have_e == want_e, "%s has %d pooling adjoints as epilogues, expected %d", argv[1], have_e, want_e);
  CHECK(have_s == want_s, "%s has %d sibling sums, expected %d", argv[1], have_s, want_s);
  int want_p = atoi(argv[4]), have_p = count_lines(argv[1], "'s tiles, from each element as it is stored", NULL);
  CHECK(have_p == want_p, "%s has %d blocks computed by a product's tiles, expected %d", argv[1], have_p, want_p);
  int want_l = atoi(argv[5]), have_l = count_lines(argv[1], " r_lanes[", NULL);
  CHECK(have_l == want_l, "%s has %d arrays of lanes kept from chunk to chunk of k, expected %d", argv[1], have_l, want_l);
  int want_c = atoi(argv[6]), have_c = count_lines(argv[1], " unwindow, ", " at a time: ");
  CHECK(have_c == want_c, "%s has %d products scattered a block of images at a time, expected %d", argv[1], have_c, want_c);
  int want_k = atoi(argv[7]), have_k = count_lines(argv[1], "static void fusednet_unwindow_", ", int i4) {");
  CHECK(have_k == want_k, "%s has %d kernels of scatters by blocks of images, expected %d", argv[1], have_k, want_k);
  int want_w = atoi(argv[8]), have_w = count_lines(argv[1], " window + %", " at a time: ");
  CHECK(have_w == want_w, "%s has %d products gathering their windows a block of images at a time, expected %d", argv[1], have_w, want_w);
  int want_d = atoi(argv[9]), have_d = count_lines(argv[1], " window + %", ", direct from the image: ");
  CHECK(have_d == want_d, "%s has %d convolutions computed straight from the image, expected %d", argv[1], have_d, want_d);
  int want_g = atoi(argv[10]), have_g = count_lines(argv[1], ", then their terms of k", NULL);
  CHECK(have_g == want_g, "%s has %d weight gradients gathering their windows by blocks of images, expected %d", argv[1], have_g, want_g);
  int want_o = atoi(argv[11]), have_o = count_lines(argv[1], "'s kernel, each image's planes as its tiles stored them", NULL);
  CHECK(have_o == want_o, "%s has %d poolings computed by a direct convolution's kernel, expected %d", argv[1], have_o, want_o);
  int want_x = atoi(argv[12]), have_x = count_lines(argv[1], " r_lanes[", "from one image to the next");
  CHECK(have_x == want_x, "%s has %d weight gradients reading their windows from the padded images, expected %d", argv[1], have_x,
        want_x);
  int want_b = atoi(argv[13]), have_b = count_lines(argv[1], "their images padded, then their terms of k", NULL);
  CHECK(have_b == want_b, "%s has %d weight gradients X G reading their windows from a block's padded images, expected %d", argv[1],
        have_b, want_b);
  int want_m = atoi(argv[14]), have_m = count_lines(argv[1], "each plane as it stored it */", NULL);
  CHECK(have_m == want_m, "%s has %d max poolings computed by the kernel of the elementwise block before them, expected %d", argv[1],
        have_m, want_m);
  int want_q = atoi(argv[15]), have_q = count_lines(argv[1], " * then, in the same loop, %", " = softmax");
  CHECK(have_q == want_q, "%s has %d cross-entropies computing their backward's softmax, expected %d", argv[1], have_q, want_q);
  int want_u = atoi(argv[16]), have_u = count_lines(argv[1], "segments, cut at the pads' bounds */", NULL);
  CHECK(have_u == want_u, "%s has %d loops cut at the bounds of the pads they read, expected %d", argv[1], have_u, want_u);
  int want_a = atoi(argv[17]), have_a = count_lines(argv[1], "static inline void fusednet_axpy_", "_epi(");
  CHECK(have_a == want_a, "%s has %d axpy-form microkernels with an epilogue, expected %d", argv[1], have_a, want_a);
  int want_r = atoi(argv[18]), have_r = count_lines(argv[1], " rows at a time, one in each lane */", NULL);
  CHECK(have_r == want_r, "%s has %d softmaxes computed a group of rows at a time, expected %d", argv[1], have_r, want_r);
  int want_t = atoi(argv[19]), have_t = count_lines(argv[1], " outputs at a time, one in each lane */", NULL);
  CHECK(have_t == want_t, "%s has %d sums computed a group of outputs at a time, expected %d", argv[1], have_t, want_t);
  int want_y = atoi(argv[20]), have_y = count_lines(argv[1], " unwindow, direct from the output gradient: ", NULL);
  CHECK(have_y == want_y, "%s has %d input gradients computed straight from dY, expected %d", argv[1], have_y, want_y);
  _Static_assert(sizeof fused.param == sizeof plain.param && sizeof fused.state == sizeof plain.state, "same model");
  static fusednet_real x[FUSEDNET_X_SIZE], yf[FUSEDNET_OUTPUT_SIZE], yp[PLAINNET_OUTPUT_SIZE];
  static int32_t target[FUSEDNET_BATCH];
  fusednet_init(&fused, 7);
  plainnet_init(&plain, 7);
  uint64_t s = 42;
  int step = 0;
  for (; step < NSTEPS; step++) {
    for (int i = 0; i < FUSEDNET_X_SIZE; i++) x[i] = (fusednet_real)((double)(lcg(&s) >> 11) / 9007199254740992.0 * 2 - 1);
    for (int i = 0; i < FUSEDNET_BATCH; i++) target[i] = (int32_t)((lcg(&s) >> 33) % (FUSEDNET_OUTPUT_SIZE / FUSEDNET_BATCH));
    fusednet_real a = fusednet_train_step(&fused, x, target);
    plainnet_real b = plainnet_train_step(&plain, x, target);
    CHECK(plain.error[0] == 0, "step %d: the unfused model: %s", step, plain.error);
    CHECK(memcmp(&a, &b, sizeof a) == 0, "step %d: loss %.17g (fused) vs %.17g (unfused)", step, (double)a, (double)b);
    SAME_ARRAY("param", fused.param, plain.param);
    SAME_ARRAY("state", fused.state, plain.state);
  }
  fusednet_forward(&fused, x, yf);
  plainnet_forward(&plain, x, yp);
  SAME_ARRAY("forward output", yf, yp);
  printf("%s: %d epilogues, %d sibling sums, %d product epilogues, %d arrays of lanes, %d scattered in blocks of "
         "images by %d kernels, %d gathering their windows so, %d direct, %d weight gradients gathering again, %d poolings "
         "in a direct convolution's kernel, %d from the padded images, %d from a block's padded images, %d poolings in "
         "an elementwise block's kernel, %d cross-entropies with their softmax, %d loops cut at pads, %d axpy kernels with "
         "an epilogue, %d softmaxes by groups of rows, %d sums by groups of outputs, %d input gradients from dY, %d steps: %s\n",
         argv[1], have_e, have_s, have_p, have_l, have_c, have_k, have_w, have_d, have_g, have_o, have_x, have_b, have_m, have_q, have_u,
         have_a, have_r, have_t, have_y, NSTEPS,
         failures ? "DIFFERENT" : "identical");
  return failures != 0;
}
