/* peak.c - the FP32 FMA throughput of one core: the "peak" bench/run.sh reports against.
 *
 *   clang -O2 -march=native bench/peak.c -o peak && ./peak [SECONDS [PARAMS]]
 *
 * Prints the lines that bench/run.sh parses:
 *   PEAK 512 <GFLOP/s>     16-float vectors (AVX-512; split in two where the ISA lacks it)
 *   PEAK 256 <GFLOP/s>     8-float vectors (AVX2/FMA)
 *   FLOOR <PARAMS> <us> <GB/s> <us> <GB/s>   with PARAMS: the memory floors of a batch-1
 *                          training step and of a batch-1 forward
 * Each PEAK is the best of 5 runs of a loop of independent fused multiply-adds: ACC
 * accumulators, enough to cover the FMA latency times the number of FMA pipes of any current
 * core, so the loop is limited by FMA throughput alone (2 FLOPs per lane per FMA).
 *
 * FLOOR: at batch 1 a training step with SGD and momentum does 2 FLOPs per weight in the
 * forward and about 4 more in the backward and the update, but moves every weight and its
 * momentum: the forward reads the weights, the update reads weights and momentum and writes
 * both back (20 bytes per f32 parameter).  With PARAMS of them (the MLP's 235146: 1.9 MB of
 * weights and momentum, more than a 1 MB L2), those two passes alone, vectorized, without a
 * FLOP of the products, take the first printed microseconds (best of many): no step can be
 * faster on this core, whatever its kernels.  The forward alone reads the weights once: the
 * second figure. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { ACC = 12 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define PEAK_LOOP(NAME, LANES)                                                                  \
  typedef float NAME##_v __attribute__((vector_size(4 * LANES)));                              \
  static double NAME(long iters, float seed) {                                                  \
    NAME##_v acc[ACC], m, a;                                                                    \
    for (int l = 0; l < LANES; l++) m[l] = 1.0f - 1e-7f * l, a[l] = seed * 1e-8f;               \
    for (int i = 0; i < ACC; i++) acc[i] = m * (float)(i + 1);                                 \
    double t = now();                                                                           \
    for (long n = 0; n < iters; n++) {                                                          \
      for (int i = 0; i < ACC; i++) acc[i] = acc[i] * m + a; /* contracted to one FMA */        \
      __asm__ volatile("" : "+x"(m)); /* keeps the loop from being folded */                    \
    }                                                                                           \
    t = now() - t;                                                                              \
    float s = 0;                                                                                \
    for (int i = 0; i < ACC; i++)                                                               \
      for (int l = 0; l < LANES; l++) s += acc[i][l];                                          \
    if (s == 12345.678f) puts("");                                                              \
    return 2.0 * LANES * ACC * (double)iters / t * 1e-9;                                       \
  }
PEAK_LOOP(peak512, 16)
PEAK_LOOP(peak256, 8)

static double best(double (*f)(long, float), double seconds) {
  long iters = 1000;
  while (1) { /* calibrate: iterations for ~seconds / 5 */
    double t = now();
    f(iters, 1);
    t = now() - t;
    if (t > 0.02) {
      iters = (long)(iters * seconds / 5 / t) + 1;
      break;
    }
    iters *= 4;
  }
  double b = 0;
  for (int r = 0; r < 5; r++) {
    double g = f(iters, (float)r);
    if (g > b) b = g;
  }
  return b;
}

/* The forward's read of the weights (64 partial sums: it vectorizes, 4 chains of FMAs). */
static float read_pass(const float *restrict w, long n, float x) {
  float part[64] = {0}, s = 0;
  long i = 0;
  for (; i + 64 <= n; i += 64)
    for (int l = 0; l < 64; l++) part[l] += w[i + l] * x;
  for (; i < n; i++) s += w[i] * x;
  for (int l = 0; l < 64; l++) s += part[l];
  return s;
}

/* The momentum update over weights and momentum. */
static void update_pass(float *restrict w, float *restrict mom, long n, float x) {
  for (long i = 0; i < n; i++) {
    mom[i] = 0.9f * mom[i] + x;
    w[i] -= 0.05f * mom[i];
  }
}

static int floor_step(long n, double seconds) {
  float *w = calloc((size_t)n, sizeof *w), *mom = calloc((size_t)n, sizeof *mom);
  if (!w || !mom) return 1;
  double best_train = 1e30, best_fwd = 1e30, end = now() + seconds / 2;
  float sink = 0;
  for (int r = 0; r < 3 || now() < end; r++) { /* training steps: read, update, read, ... */
    float x = 1.0f + 1e-3f * (float)(r % 7); /* no denormals */
    double t = now();
    sink += read_pass(w, n, x);
    update_pass(w, mom, n, x);
    t = now() - t;
    if (r >= 2 && t < best_train) best_train = t; /* the first runs fault the pages in */
  }
  end = now() + seconds / 2;
  for (int r = 0; r < 3 || now() < end; r++) { /* inferences: the weights read again and again */
    double t = now();
    sink += read_pass(w, n, 1.0f);
    t = now() - t;
    if (r >= 2 && t < best_fwd) best_fwd = t;
  }
  if (sink == 12345.678f) puts("");
  printf("FLOOR %ld %.2f %.1f %.2f %.1f\n", n, best_train * 1e6, 20.0 * (double)n / best_train * 1e-9, best_fwd * 1e6,
         4.0 * (double)n / best_fwd * 1e-9);
  free(w);
  free(mom);
  return 0;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 1.0;
  if (seconds <= 0) seconds = 1.0;
  printf("PEAK 512 %.1f\n", best(peak512, seconds));
  printf("PEAK 256 %.1f\n", best(peak256, seconds));
  long params = argc > 2 ? atol(argv[2]) : 0;
  if (params > 0 && floor_step(params, seconds)) {
    fprintf(stderr, "peak: out of memory\n");
    return 1;
  }
  return 0;
}
