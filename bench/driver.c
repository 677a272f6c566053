/* driver.c - times one dlc-generated net: training steps/s and forward passes/s.
 *
 * Built once per model by bench/run.sh:
 *   clang -O3 -march=native -DNET=mlp -DNETU=MLP -DHEADER='"mlp.h"' [-DCLASS_TARGET] \
 *         -Iruntime -Igen driver.c gen/mlp.c runtime/rng.c runtime/safetensors.c -lm
 *
 * Usage:  driver train|forward SECONDS REPEATS   time REPEATS runs of about SECONDS each
 *         driver train|forward --iters N         run exactly N steps (for callgrind)
 *
 * Prints one line that bench/run.sh parses, the same format as torch_bench.py:
 *   RESULT <mode> <median/s> <min/s> <max/s> <iters per repeat> <last loss>
 *
 * The same batch is used for every step (no data loading is timed, on either side).
 * Inputs are uniform in [0, 1); targets are random class indices (CLASS_TARGET: the net's
 * header says "int32 target") or random 0/1 floats. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include HEADER

#ifdef CALLGRIND
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define F(suffix) CAT(NET, suffix)   /* F(_train_step) -> mlp_train_step */
#define C(suffix) CAT(NETU, suffix)  /* C(_BATCH)      -> MLP_BATCH */

static F(_model) model;
static float x[C(_X_SIZE)];
static float out[C(_OUTPUT_SIZE)];
#ifdef CLASS_TARGET
static int32_t target[C(_TARGET_SIZE)];
#else
static float target[C(_TARGET_SIZE)];
#endif

static volatile float sink; /* keeps results alive */
static float last_loss;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t rnd(void) { /* xorshift64*: good enough for benchmark data */
  rng_state ^= rng_state >> 12, rng_state ^= rng_state << 25, rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 0x2545f4914f6cdd1du) >> 32);
}

static void run(int train, long n) {
  if (train) {
    float loss = 0;
    for (long i = 0; i < n; i++) loss = F(_train_step)(&model, x, target);
    last_loss = loss;
    sink = loss;
  } else {
    for (long i = 0; i < n; i++) {
      F(_forward)(&model, x, out);
      sink = out[0];
    }
  }
}

static int cmp(const void *a, const void *b) {
  double u = *(const double *)a, v = *(const double *)b;
  return (u > v) - (u < v);
}

int main(int argc, char **argv) {
  if (argc != 4 || (strcmp(argv[1], "train") && strcmp(argv[1], "forward"))) {
    fprintf(stderr, "usage: %s train|forward SECONDS REPEATS | train|forward --iters N\n", argv[0]);
    return 2;
  }
  int train = strcmp(argv[1], "train") == 0;

  for (int i = 0; i < C(_X_SIZE); i++) x[i] = (rnd() >> 8) * (1.0f / 16777216.0f);
#ifdef CLASS_TARGET
  int classes = C(_OUTPUT_SIZE) / C(_BATCH);
  for (int i = 0; i < C(_TARGET_SIZE); i++) target[i] = (int32_t)(rnd() % (uint32_t)classes);
#else
  for (int i = 0; i < C(_TARGET_SIZE); i++) target[i] = (float)(rnd() & 1);
#endif
  F(_init)(&model, 42);

  if (strcmp(argv[2], "--iters") == 0) { /* fixed count, for instruction counting */
    long n = atol(argv[3]);
    run(train, 3); /* warm up outside the instrumented region */
    CALLGRIND_START_INSTRUMENTATION;
    run(train, n);
    CALLGRIND_STOP_INSTRUMENTATION;
    printf("RESULT %s 0 0 0 %ld %g\n", argv[1], n, last_loss);
    return 0;
  }

  double seconds = atof(argv[2]);
  int repeats = atoi(argv[3]);
  if (seconds <= 0 || repeats < 1 || repeats > 100) {
    fprintf(stderr, "%s: bad SECONDS or REPEATS\n", argv[0]);
    return 2;
  }

  /* Warm up for ~0.5 s (caches, page faults, CPU clock), and estimate the rate from it. */
  long n = 1, done = 0;
  double t0 = now(), t = t0;
  while (t - t0 < 0.5) {
    run(train, n);
    done += n;
    n *= 2;
    t = now();
  }
  long iters = (long)(seconds * done / (t - t0));
  if (iters < 1) iters = 1;

  double rate[100];
  for (int r = 0; r < repeats; r++) {
    double start = now();
    run(train, iters);
    rate[r] = iters / (now() - start);
  }
  qsort(rate, repeats, sizeof rate[0], cmp);
  printf("RESULT %s %.6g %.6g %.6g %ld %g\n", argv[1], rate[repeats / 2], rate[0],
         rate[repeats - 1], iters, last_loss);
  return 0;
}
