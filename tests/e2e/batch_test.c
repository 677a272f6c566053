/* batch_test.c - dlc MODEL -o net.c --batch B: a net built for another batch size computes what
 * the model's own does, sample by sample, from the same checkpoint.
 *
 *   batch_test save CKPT OUT    (built from the model as written: batch NETU_BATCH)
 *   batch_test check CKPT OUT   (built with --batch 1 --inference)
 *
 * save: parameters from seed 5, two training steps on made-up batches (so the checkpoint is not
 * the initializer), then m_forward on a fixed batch: the checkpoint goes to CKPT, the batch's
 * inputs and outputs to OUT.  check: the batch-1 net loads CKPT (same name, same graph hash:
 * the batch is not part of it) and runs each sample of OUT alone; each output must match the
 * batch's within 1e-5 of the largest output (the products may sum in another order at another
 * batch size).  Exit 1 on a mismatch, 2 on bad usage or files. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(x) CAT(NET, x)
#define M(x) CAT(NETU, x)
typedef FN(_model) model;
typedef FN(_real) real;

static model m;

#ifndef INFERENCE_ONLY
static uint64_t lcg(uint64_t *s) { return *s = *s * 6364136223846793005ULL + 1442695040888963407ULL; }
static real uniform(uint64_t *s) { return (real)((double)(lcg(s) >> 11) / 9007199254740992.0); }
#endif

int main(int argc, char **argv) {
  if (argc != 4) return fprintf(stderr, "usage: batch_test save|check CKPT OUT\n"), 2;
  int n_in = M(_X_SIZE) / M(_BATCH), n_out = M(_OUTPUT_SIZE) / M(_BATCH);
  if (!strcmp(argv[1], "save")) {
#ifndef INFERENCE_ONLY
    static real x[M(_X_SIZE)], out[M(_OUTPUT_SIZE)];
    static int32_t t[M(_BATCH)];
    FN(_init)(&m, 5);
    uint64_t s = 1;
    for (int step = 0; step < 2; step++) {
      for (int i = 0; i < M(_X_SIZE); i++) x[i] = uniform(&s);
      for (int i = 0; i < M(_BATCH); i++) t[i] = (int32_t)(lcg(&s) >> 60) % (n_out > 1 ? n_out : 1);
      FN(_train_step)(&m, x, t);
    }
    for (int i = 0; i < M(_X_SIZE); i++) x[i] = uniform(&s);
    FN(_forward)(&m, x, out);
    if (FN(_save)(&m, argv[2])) return fprintf(stderr, "save: %s\n", m.error), 2;
    FILE *f = fopen(argv[3], "wb");
    int b = M(_BATCH);
    if (!f || fwrite(&b, sizeof b, 1, f) != 1 || fwrite(x, sizeof x, 1, f) != 1 || fwrite(out, sizeof out, 1, f) != 1)
      return fprintf(stderr, "cannot write %s\n", argv[3]), 2;
    fclose(f);
    printf("batch %d: checkpoint and %d outputs saved\n", b, M(_OUTPUT_SIZE));
    return 0;
#else
    return fprintf(stderr, "an inference build cannot train\n"), 2;
#endif
  }
  if (M(_BATCH) != 1) return fprintf(stderr, "check runs a --batch 1 build, not batch %d\n", M(_BATCH)), 2;
  if (FN(_load)(&m, argv[2])) return fprintf(stderr, "load: %s\n", m.error), 1;
  FILE *f = fopen(argv[3], "rb");
  int b = 0;
  if (!f || fread(&b, sizeof b, 1, f) != 1 || b < 2 || b > 4096) return fprintf(stderr, "cannot read %s\n", argv[3]), 2;
  real *x = malloc(sizeof(real) * (size_t)b * (size_t)n_in), *ref = malloc(sizeof(real) * (size_t)b * (size_t)n_out);
  if (!x || !ref || fread(x, sizeof(real) * (size_t)n_in, (size_t)b, f) != (size_t)b ||
      fread(ref, sizeof(real) * (size_t)n_out, (size_t)b, f) != (size_t)b)
    return fprintf(stderr, "cannot read %s\n", argv[3]), 2;
  fclose(f);
  double scale = 0, worst = 0;
  for (int i = 0; i < b * n_out; i++) scale = fmax(scale, fabs((double)ref[i]));
  for (int k = 0; k < b; k++) {
    real out[M(_OUTPUT_SIZE)];
    FN(_forward)(&m, x + (size_t)k * n_in, out);
    for (int j = 0; j < n_out; j++) worst = fmax(worst, fabs((double)out[j] - (double)ref[k * n_out + j]));
  }
  int ok = worst <= 1e-5 * scale && scale > 0;
  printf("%d samples one at a time vs batch %d: worst difference %.3g (outputs up to %.3g): %s\n", b, b, worst, scale,
         ok ? "ok" : "FAIL");
  free(x);
  free(ref);
  return !ok;
}
