/* sched_test.c - a net with a learning-rate schedule (tests/sched/<config>.lua, built as
 * "schednet") against PyTorch's rates (fixtures/<config>.txt, make_fixtures.py):
 *
 *   sched_test FIXTURE WORKDIR
 *
 *   - rt_sched_lr(&schednet_sched, n, T) for every n of the fixture equals PyTorch's rate to
 *     1e-12 relative (the same double operations: exactly, in practice; the largest relative
 *     difference is printed); T is the fixture's total_steps (OneCycleLR left to the driver);
 *   - the descriptor carries the schedule and the lr entry points; _init sets the rate to the
 *     schedule's base_lr (in the net's dtype), _set_lr/_lr round-trip through it;
 *   - the update reads the rate: a training step at rate 0 leaves the parameters as they were
 *     (bit for bit), one at the schedule's rate changes them;
 *   - the rate is a checkpoint tensor optim.lr: saved, changed, loaded back, it is the saved
 *     one, and a file without it (PyTorch's export of the parameters) leaves it as it is.
 * Exits 0, or 1 after saying what differs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc_rt.h"
#include "schednet.h"

static int failures;

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "FAIL %s\n", what);
    failures++;
  }
}

/* the fixture's rates into lr[0..*n), its total_steps into *total */
static int read_fixture(const char *path, double *lr, int cap, int *n, long long *total) {
  FILE *f = fopen(path, "r");
  char line[256];
  if (!f) return perror(path), 1;
  *n = 0, *total = -1;
  while (fgets(line, sizeof line, f)) {
    long long k;
    double v;
    if (line[0] == '#') continue;
    if (sscanf(line, "total_steps %lld", total) == 1) continue;
    if (sscanf(line, "%lld %lf", &k, &v) != 2 || k != *n || *n >= cap) return fclose(f), fprintf(stderr, "%s: bad line %s", path, line), 1;
    lr[(*n)++] = v;
  }
  fclose(f);
  return *n == 0 || *total < 0;
}

static int same_params(const schednet_model *a, const schednet_model *b) {
  return memcmp(a->param, b->param, sizeof a->param) == 0;
}

int main(int argc, char **argv) {
  if (argc != 3) return fprintf(stderr, "usage: sched_test FIXTURE WORKDIR\n"), 2;
  static double want[4096];
  int n;
  long long total;
  if (read_fixture(argv[1], want, 4096, &n, &total)) return 1;
  const RtSched *s = schednet_net.sched;
  check(s == &schednet_sched && schednet_net.lr && schednet_net.set_lr, "the descriptor's schedule and lr entry points");
  double worst = 0;
  for (int i = 0; i < n; i++) {
    double got = rt_sched_lr(&schednet_sched, i, total);
    double rel = got == want[i] ? 0 : fabs(got - want[i]) / fabs(want[i]);
    if (rel > worst) worst = rel;
    if (got != want[i] && !(rel <= 1e-12)) { /* CosineAnnealingLR reaches eta_min = 0 exactly */
      fprintf(stderr, "FAIL %s n = %d: lr %.17g, PyTorch %.17g\n", rt_sched_name(s), i, got, want[i]);
      failures++;
    }
  }
  printf("%s: %d rates, largest relative difference from PyTorch %.3g\n", rt_sched_name(s), n, worst);

  static schednet_model m, m0;
  static float x[SCHEDNET_X_SIZE];
  static int32_t y[SCHEDNET_BATCH];
  for (int i = 0; i < SCHEDNET_X_SIZE; i++) x[i] = (float)((i * 7 % 11) - 5) / 4.0f;
  for (int i = 0; i < SCHEDNET_BATCH; i++) y[i] = i % 2;
  schednet_init(&m, 3);
  check(schednet_lr(&m) == (double)(float)s->base_lr, "_init sets the rate to base_lr");
  check(schednet_net.lr(&m) == schednet_lr(&m), "the descriptor's lr reads the same");
  schednet_net.set_lr(&m, 0.25);
  check(schednet_lr(&m) == 0.25, "set_lr then lr round-trips");

  schednet_set_lr(&m, 0);
  m0 = m;
  schednet_train_step(&m, x, y);
  check(same_params(&m, &m0), "a step at rate 0 leaves the parameters as they were");
  schednet_set_lr(&m, rt_sched_lr(s, 0, total));
  m0 = m;
  schednet_train_step(&m, x, y);
  check(!same_params(&m, &m0), "a step at the schedule's rate changes them");

  char path[1024], params[1024];
  snprintf(path, sizeof path, "%s/sched.safetensors", argv[2]);
  snprintf(params, sizeof params, "%s/params.safetensors", argv[2]);
  double lr = rt_sched_lr(s, n - 1, total);
  schednet_set_lr(&m, lr);
  check(schednet_save(&m, path) == 0, "save");
  schednet_set_lr(&m, 1.5);
  check(schednet_load(&m, path) == 0, "load");
  check(schednet_lr(&m) == (double)(float)lr, "the rate comes back from the checkpoint");
  char err[256];
  RtStFile *f = rt_st_open(path, err, sizeof err);
  const RtTensor *t = f ? rt_st_find(f, "optim.lr") : NULL;
  check(t && t->ndim == 0 && t->dtype == RT_F32 && *(const float *)t->data == (float)lr, "optim.lr in the file");
  rt_st_close(f);
  /* the parameters alone, as PyTorch exports them: loading keeps the rate the model has */
  RtTensor ts[2] = {{"net.0.weight", RT_F32, 2, {2, 3}, m.param + SCHEDNET_PARAM_NET_0_WEIGHT, 0},
                    {"net.0.bias", RT_F32, 1, {2}, m.param + SCHEDNET_PARAM_NET_0_BIAS, 0}};
  check(rt_st_save(params, ts, 2, NULL, 0, err, sizeof err) == 0, "save the parameters alone");
  schednet_set_lr(&m, 0.125);
  check(schednet_load(&m, params) == 0, "load the parameters alone");
  check(schednet_lr(&m) == 0.125, "a file without optim.lr leaves the rate as it was");
  return failures != 0;
}
