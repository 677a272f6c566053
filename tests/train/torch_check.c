/* torch_check.c - dlc's forward pass on a checkpoint agrees with PyTorch's on the same one.
 *
 *   train_torch_forward CKPT TORCH_OUT
 *
 * Built against tests/train/bands.lua (dlc --inference --name bands).  Loads CKPT (a
 * checkpoint `dlc train` wrote: the parameters under "net.", the optimizer state, the graph
 * hash) with bands_load, runs bands_forward on TORCH_OUT's input "x" and compares the logits
 * with TORCH_OUT's "out", which torch_read.py computed in PyTorch after loading CKPT into
 * torch.nn.Sequential with load_state_dict(strict=True).  Tolerance, as tests/ref's:
 * |dlc - torch| <= 1e-5 * max(|torch|, S / 10) per element, S the largest |torch|; the
 * predicted classes must agree too.  Exits 0, 1 on a mismatch, 2 on bad files. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bands.h"
#include "dlc_rt.h"

#define RTOL 1e-5

int main(int argc, char **argv) {
  static bands_model m;
  static float y[BANDS_OUTPUT_SIZE];
  char err[512];
  if (argc != 3) return fprintf(stderr, "usage: train_torch_forward CKPT TORCH_OUT\n"), 2;
  bands_init(&m, 0);
  if (bands_load(&m, argv[1])) return fprintf(stderr, "%s\n", m.error), 1;
  RtStFile *f = rt_st_open(argv[2], err, sizeof err);
  if (!f) return fprintf(stderr, "%s\n", err), 2;
  const RtTensor *x = rt_st_find(f, "x"), *out = rt_st_find(f, "out");
  if (!x || !out || x->dtype != RT_F32 || out->dtype != RT_F32 || rt_tensor_numel(x) != BANDS_X_SIZE ||
      rt_tensor_numel(out) != BANDS_OUTPUT_SIZE) {
    fprintf(stderr, "%s: want F32 x [%d values] and out [%d values]\n", argv[2], BANDS_X_SIZE, BANDS_OUTPUT_SIZE);
    return rt_st_close(f), 2;
  }
  const float *ref = out->data;
  bands_forward(&m, x->data, y);
  double scale = 0, worst = 0, worst_abs = 0;
  int at = 0, wrong = 0, classes = BANDS_OUTPUT_SIZE / BANDS_BATCH;
  for (int i = 0; i < BANDS_OUTPUT_SIZE; i++) scale = fmax(scale, fabs(ref[i]));
  for (int i = 0; i < BANDS_OUTPUT_SIZE; i++) {
    double d = fabs((double)y[i] - ref[i]), u = d / (RTOL * fmax(fabs(ref[i]), scale / 10));
    if (!(u <= worst)) worst = u, worst_abs = d, at = i;
  }
  for (int b = 0; b < BANDS_BATCH; b++) {
    int p = 0, q = 0;
    for (int k = 1; k < classes; k++) {
      if (y[b * classes + k] > y[b * classes + p]) p = k;
      if (ref[b * classes + k] > ref[b * classes + q]) q = k;
    }
    wrong += p != q;
  }
  printf("%s (step %lld) vs PyTorch (%s): %d logits, worst |diff| %.3g at %d (dlc %.9g, torch %.9g), "
         "%.3f of the tolerance; %d of %d predictions differ\n",
         argv[1], (long long)m.step, rt_st_meta(f, "torch") ? rt_st_meta(f, "torch") : "?", BANDS_OUTPUT_SIZE,
         worst_abs, at, (double)y[at], (double)ref[at], worst, wrong, BANDS_BATCH);
  rt_st_close(f);
  return worst <= 1 && wrong == 0 ? 0 : 1;
}
