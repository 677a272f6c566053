/* peak.c - the FP32 FMA throughput of one core: the "peak" bench/run.sh reports against.
 *
 *   clang -O2 -march=native bench/peak.c -o peak && ./peak [SECONDS]
 *
 * Prints two lines that bench/run.sh parses:
 *   PEAK 512 <GFLOP/s>     16-float vectors (AVX-512; split in two where the ISA lacks it)
 *   PEAK 256 <GFLOP/s>     8-float vectors (AVX2/FMA)
 * Each is the best of 5 runs of a loop of independent fused multiply-adds: ACC accumulators,
 * enough to cover the FMA latency times the number of FMA pipes of any current core, so the
 * loop is limited by FMA throughput alone (2 FLOPs per lane per FMA). */
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

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 1.0;
  if (seconds <= 0) seconds = 1.0;
  printf("PEAK 512 %.1f\n", best(peak512, seconds));
  printf("PEAK 256 %.1f\n", best(peak256, seconds));
  return 0;
}
