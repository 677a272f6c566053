/* classify.c - an app that embeds a dlc net: it loads a checkpoint that `dlc train` wrote and
 * classifies the images of an IDX file, one at a time, with the net built for batch 1.
 *
 *   classify CKPT IMAGES [LABELS]      (IDX files, plain or gzip)
 *
 * Built by this directory's CMakeLists.txt against an installed dlc: dlc_add_model() compiles
 * examples/fashion_mlp.lua with BATCH 1 INFERENCE, so the checkpoint of the batch-64 training
 * model loads into it (the graph hash leaves the batch out; the optimizer state is skipped).
 * The images get the normalization training used, read from the checkpoint's metadata
 * (dlc.norm, dlc.norm.shift, dlc.norm.div), and the class names from dlc.classes when there.
 * Prints each of the first 10 images' class, then, with LABELS, the accuracy over all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc_data.h"
#include "dlc_rt.h"
#include "dlc_text.h"
#include "fashion.h"

static fashion_mlp_model m; /* the whole net: parameters and activations */

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: classify CKPT IMAGES [LABELS]\n");
    return 2;
  }
  char err[512];
  if (fashion_mlp_load(&m, argv[1])) {
    fprintf(stderr, "classify: %s\n", m.error);
    return 1;
  }
  /* the normalization of training, from the checkpoint's metadata */
  RtStFile *f = rt_st_open(argv[1], err, sizeof err);
  if (!f) {
    fprintf(stderr, "classify: %s\n", err);
    return 1;
  }
  int64_t dim = FASHION_MLP_X_SIZE; /* batch 1: one image */
  RtNorm norm = {0};
  const char *kind = rt_st_meta(f, RT_META_NORM);
  if (rt_norm_from_meta(&norm, kind ? kind : "none", rt_st_meta(f, RT_META_NORM_SHIFT), rt_st_meta(f, RT_META_NORM_DIV),
                        dim, err, sizeof err)) {
    fprintf(stderr, "classify: %s: %s\n", argv[1], err);
    return 1;
  }
  const char *classes = rt_st_meta(f, RT_META_CLASSES); /* one name per line, or NULL */
  RtData d = {0};
  if (rt_load_idx(argv[2], argc > 3 ? argv[3] : NULL, &d, err, sizeof err)) {
    fprintf(stderr, "classify: %s\n", err);
    return 1;
  }
  if (d.dim != dim) {
    fprintf(stderr, "classify: %s: images of %lld values, the net takes %lld\n", argv[2], (long long)d.dim, (long long)dim);
    return 1;
  }
  rt_norm_apply(&norm, d.x, d.n);
  int64_t right = 0;
  for (int64_t i = 0; i < d.n; i++) {
    float out[FASHION_MLP_OUTPUT_SIZE];
    fashion_mlp_forward(&m, d.x + i * dim, out);
    int best = 0;
    for (int c = 1; c < FASHION_MLP_OUTPUT_SIZE; c++)
      if (out[c] > out[best]) best = c;
    if (d.y) right += best == d.y[i];
    if (i < 10) { /* the class's name is the checkpoint's text: shown escaped (rt_shown) */
      const char *name = classes;
      for (int c = 0; name && c < best; c++) name = strchr(name, '\n') ? strchr(name, '\n') + 1 : NULL;
      char raw[128] = "", shown[160];
      if (name) snprintf(raw, sizeof raw, "%.*s", (int)strcspn(name, "\n"), name);
      printf("image %lld: class %d%s%s%s\n", (long long)i, best, raw[0] ? " " : "", rt_shown(shown, sizeof shown, raw),
             d.y ? (best == d.y[i] ? "  (right)" : "  (wrong)") : "");
    }
  }
  if (d.y) printf("accuracy %.4f over %lld images\n", (double)right / (double)d.n, (long long)d.n);
  rt_data_free(&d);
  rt_norm_free(&norm);
  rt_st_close(f);
  return 0;
}
