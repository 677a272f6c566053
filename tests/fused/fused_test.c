/* fused_test.c - the training step whose weight-gradient products apply the optimizer's
 * update from their registers (emit_c.c) against the unfused path it must equal bit for bit.
 *
 *   fused_test NET.c FUSED [TRANSPOSED]
 *
 * Built per model under the prefix "fusednet" (dlc --name fusednet), in f32 or f64, for a
 * target.  Two models from one seed take 4 steps on the same batches: one by
 * fusednet_train_step, the other by fusednet_grad then fusednet_update (which stores every
 * gradient in m->grad and reads it back).  Every loss, every parameter, every optimizer state
 * element and the step counts must be identical (memcmp), and the generated C (NET.c) must hold
 * exactly FUSED fused products (a model where nothing may be fused, such as one with
 * clip_grad_norm, says 0: its step is _grad then _update), TRANSPOSED of them (default 0) the
 * (B A^T)^T form of a wide convolution's weight gradient (opt_layout.c), whose tiles update the
 * weight at transposed positions.  The generated C is compiled with prefetch_probe.h: every
 * address the training step prefetches (the next tile's parameter and optimizer state, ahead of
 * a fused update: emit_matmul.c's upd_prefetch) must be an element of the buffer it names,
 * one of the model's tensors (a parameter or its optimizer state), and a C with prefetches
 * must make some.  Exits 1 on any difference. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "dlc_rt.h"
#include "fusednet.h"

#define NSTEPS 4

static fusednet_model fused, plain; /* static: large */

/* the model whose step runs, and the prefetches it made: all, and those of an element outside
 * the buffer named (or of a buffer that is none of the model's tensors) */
static fusednet_model *stepping;
static long prefetches, strays;

void fused_prefetch_probe(const void *b, const void *p) {
  const char *c = p;
  int in;
#ifdef FUSED_TENSORS /* f32: the net's tensor table (RtNet), every parameter and state tensor */
  static RtTensor t[4096];
  int n = fusednet_net.ntensors;
  if (n > 4096) n = 0;
  fusednet_net.tensors(stepping, t);
  in = 0;
  for (int i = 0; i < n && !in; i++) {
    size_t bytes = sizeof(fusednet_real);
    for (int d = 0; d < t[i].ndim; d++) bytes *= (size_t)t[i].shape[d];
    const char *lo = t[i].data;
    in = (const char *)b == lo && c >= lo && c < lo + bytes;
  }
#else /* f64 (no RtNet): within the parameter or the state slab that holds b */
  const char *param = (const char *)stepping->param, *state = (const char *)stepping->state;
  const char *lo = (const char *)b >= state ? state : param;
  in = c >= (const char *)b && c < lo + (lo == state ? sizeof stepping->state : sizeof stepping->param);
#endif
  prefetches++;
  strays += !in;
}

static uint64_t lcg(uint64_t *s) { return *s = *s * 6364136223846793005ULL + 1442695040888963407ULL; }

static int count_lines(const char *path, const char *what) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  int n = 0;
  while (fgets(line, sizeof line, f))
    if (strstr(line, what)) n++;
  fclose(f);
  return n;
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: fused_test NET.c FUSED [TRANSPOSED]\n");
    return 2;
  }
  int want = atoi(argv[2]), have = count_lines(argv[1], "goes straight into");
  CHECK(have == want, "%s has %d fused products, expected %d", argv[1], have, want);
  int want_t = argc == 4 ? atoi(argv[3]) : 0, have_t = count_lines(argv[1], "at its transposed position");
  CHECK(have_t == want_t, "%s has %d fused transposed products, expected %d", argv[1], have_t, want_t);
  static fusednet_real x[FUSEDNET_X_SIZE];
  static int32_t target[FUSEDNET_BATCH];
  fusednet_init(&fused, 7);
  fusednet_init(&plain, 7);
  uint64_t s = 42;
  for (int step = 0; step < NSTEPS; step++) {
    for (int i = 0; i < FUSEDNET_X_SIZE; i++) x[i] = (fusednet_real)((double)(lcg(&s) >> 11) / 9007199254740992.0 * 2 - 1);
    for (int i = 0; i < FUSEDNET_BATCH; i++) target[i] = (int32_t)((lcg(&s) >> 33) % (FUSEDNET_OUTPUT_SIZE / FUSEDNET_BATCH));
    stepping = &fused;
    fusednet_real a = fusednet_train_step(&fused, x, target);
    stepping = &plain;
    fusednet_real b = fusednet_grad(&plain, x, target);
    fusednet_update(&plain);
    CHECK(memcmp(&a, &b, sizeof a) == 0, "step %d: loss %.17g (train_step) vs %.17g (grad + update)", step, (double)a, (double)b);
    for (size_t i = 0; i < sizeof fused.param / sizeof fused.param[0]; i++)
      if (memcmp(&fused.param[i], &plain.param[i], sizeof fused.param[i])) {
        CHECK(0, "step %d: param[%zu] %.17g vs %.17g", step, i, (double)fused.param[i], (double)plain.param[i]);
        break;
      }
    for (size_t i = 0; i < sizeof fused.state / sizeof fused.state[0]; i++)
      if (memcmp(&fused.state[i], &plain.state[i], sizeof fused.state[i])) {
        CHECK(0, "step %d: state[%zu] %.17g vs %.17g", step, i, (double)fused.state[i], (double)plain.state[i]);
        break;
      }
    CHECK(fused.step == plain.step && fused.step == step + 1, "step counts %lld and %lld after %d steps",
          (long long)fused.step, (long long)plain.step, step + 1);
  }
  int blocks = count_lines(argv[1], "fetched while this tile computes");
  CHECK(strays == 0, "%ld of %ld prefetched addresses outside the tensor they name", strays, prefetches);
  CHECK((blocks > 0) == (prefetches > 0), "%s has %d prefetching loops, which made %ld prefetches", argv[1], blocks, prefetches);
  printf("%s: %d fused products, %d prefetching loops (%ld prefetches), %d steps: %s\n", argv[1], have, blocks, prefetches,
         NSTEPS, failures ? "DIFFERENT" : "identical");
  return failures != 0;
}
