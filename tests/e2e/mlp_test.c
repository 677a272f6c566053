/* mlp_test.c - examples/mlp.lua learns: on one fixed batch of 64 random images with random
 * labels the loss falls below a tenth of its start within 100 steps, and the predictions then
 * match the labels; saving and loading gives bit-identical outputs; another model's
 * checkpoint (argv[2]) is refused with the tensor named and the model left untouched. */
#include <stdio.h>
#include <string.h>

#include "dlc_rt.h"
#include "mlp.h"
#ifdef _OPENMP
#include <omp.h>
#endif

static mlp_model m, m2;
#ifdef _OPENMP
static mlp_model m3;
#endif
static float x[MLP_X_SIZE], y[MLP_OUTPUT_SIZE], y2[MLP_OUTPUT_SIZE];
static int32_t t[MLP_BATCH];

int main(int argc, char **argv) {
  const char *ckpt = argc > 1 ? argv[1] : "mlp_test.safetensors";
  for (int i = 0; i < MLP_X_SIZE; i++) x[i] = (float)rt_uniform01(3, 1, (uint64_t)i);
  for (int i = 0; i < MLP_BATCH; i++) t[i] = (int32_t)(rt_uniform01(3, 2, (uint64_t)i) * 10);
  mlp_init(&m, 5);
  float first = mlp_train_step(&m, x, t), loss = first;
  for (int s = 1; s < 100; s++) loss = mlp_train_step(&m, x, t);
  printf("loss %.4f -> %.4f after 100 steps\n", first, loss);
#ifdef _OPENMP
  /* --openmp on 2 threads (OMP_NUM_THREADS=2): the backward pass (model function 1) measured
   * its first 40 calls (16 untimed, then on one thread, on all and as the mix, 8 timed calls
   * each), then decided; the
   * caller's thread count is as it was (the checkpoint's bits: e2e_mlp_openmp_same_bits) */
  printf("parallel regions: backward state %d after %d calls (timed %d/%d/%d), %d threads\n", m.par.state[1],
         m.par.calls[1], m.par.ncall[1][0], m.par.ncall[1][1], m.par.ncall[1][2], omp_get_max_threads());
  if (m.par.state[1] < 1 || m.par.state[1] > 3 || m.par.calls[1] != 40 || m.par.ncall[1][0] != 8 || m.par.ncall[1][1] != 8 ||
      m.par.ncall[1][2] != 8 || omp_get_max_threads() != 2)
    return printf("the parallel regions were not measured and decided as they should be\n"), 1;
  /* each way in a run of calls: after the 16 untimed ones, 8 on one thread, then 8 on all */
  mlp_init(&m3, 5);
  for (int s = 0; s < 24; s++) mlp_train_step(&m3, x, t);
  int one = m3.par.ncall[1][0], all = m3.par.ncall[1][1];
  for (int s = 24; s < 32; s++) mlp_train_step(&m3, x, t);
  printf("after 24 calls: %d timed on one thread, %d on all; after 32: %d and %d\n", one, all, m3.par.ncall[1][0], m3.par.ncall[1][1]);
  if (one != 8 || all != 0 || m3.par.ncall[1][0] != 8 || m3.par.ncall[1][1] != 8)
    return printf("the one-thread and all-thread calls were not timed in runs\n"), 1;
  /* the first decision is measured again 256 calls after it (a new thread may share its
   * caller's core at first), the later ones 4096 calls after */
  m3 = m; /* (a copy: the checkpoint must stay that of 100 steps) */
  int since = m3.par.since[1], decided = m3.par.decided[1];
  for (int s = 100; s < 40 + 256; s++) mlp_train_step(&m3, x, t);
  int again = m3.par.state[1] == 0 && m3.par.calls[1] == 1;
  for (int s = 1; s < 40; s++) mlp_train_step(&m3, x, t);
  printf("first decision: since %d, %d decisions; measured again at call %d: %s; then %d decisions, state %d, since %d\n",
         since, decided, 40 + 256 + 1, again ? "yes" : "NO", m3.par.decided[1], m3.par.state[1], m3.par.since[1]);
  if (decided != 1 || since != 4096 - 256 + 60 || !again || m3.par.decided[1] != 2 || m3.par.state[1] == 0 || m3.par.since[1])
    return printf("the first decision was not measured again after 256 calls\n"), 1;
  m3 = m;
  m3.par.since[1] = 4095; /* the 4096th call since deciding measures again, from the start */
  mlp_train_step(&m3, x, t);
  int counts = 0; /* (every region's: only the backward's were timed so far) */
  for (size_t k = 0; k < sizeof m3.par.count / sizeof m3.par.count[0]; k++) counts += m3.par.count[k][0] + m3.par.count[k][1];
  printf("after 4096 more calls: backward state %d, %d calls, %d timed, %d region timings\n", m3.par.state[1], m3.par.calls[1],
         m3.par.ncall[1][0] + m3.par.ncall[1][1] + m3.par.ncall[1][2], counts);
  if (m3.par.state[1] != 0 || m3.par.calls[1] != 1 || m3.par.ncall[1][0] + m3.par.ncall[1][1] + m3.par.ncall[1][2] || counts)
    return printf("the parallel regions were not measured again\n"), 1;
#endif
  mlp_forward(&m, x, y);
  int right = 0;
  for (int i = 0; i < MLP_BATCH; i++) {
    int best = 0;
    for (int k = 1; k < 10; k++)
      if (y[i * 10 + k] > y[i * 10 + best]) best = k;
    right += best == t[i];
  }
  printf("%d/%d right\n", right, MLP_BATCH);
  if (mlp_save(&m, ckpt)) return printf("save: %s\n", m.error), 1;
  mlp_init(&m2, 99);
  if (mlp_load(&m2, ckpt)) return printf("load: %s\n", m2.error), 1;
  mlp_forward(&m2, x, y2);
  int same = memcmp(y, y2, sizeof y) == 0 && m2.step == m.step;
  printf("reloaded: %s, step %lld\n", same ? "bit-identical" : "DIFFERENT", (long long)m2.step);
  int refused = 1;
  if (argc > 2) { /* another model's checkpoint must be refused, naming a tensor */
    refused = mlp_load(&m2, argv[2]) != 0 && strstr(m2.error, "net.") != NULL;
    printf("foreign checkpoint: %s\n", m2.error);
    mlp_forward(&m2, x, y2);
    refused &= memcmp(y, y2, sizeof y) == 0; /* and the model is left as it was */
  }
  return loss < first / 10 && right == MLP_BATCH && same && refused ? 0 : 1;
}
