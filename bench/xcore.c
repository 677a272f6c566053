/* xcore.c - what a threaded training step pays when one core reads what another just wrote.
 *
 *   clang -O2 -march=native -fopenmp bench/xcore.c -o xcore && OMP_NUM_THREADS=2 ./xcore
 *
 * A fork-join step (--openmp) splits each block across the threads; the next block often
 * reads, or overwrites, memory another thread wrote last (an activation split by channels then
 * read by images; an arena slot reused by a tensor split another way).  On one socket that
 * costs little more than a local pass; between two vCPUs that the hypervisor places far apart
 * (other dies, other sockets) it has cost 3.5x a local pass here, which alone made 2 threads
 * slower than one.  bench/run.sh prints this next to its 2-thread rows, since it can change
 * from run to run on a VM.
 *
 * Two passes over an 8 MB buffer (a conv layer's im2col matrix), split in halves by thread,
 * y = f(x): LOCAL, each thread reads and writes the half it wrote last; SWAPPED, each thread
 * takes the other thread's half.  Then the same over 256 KB buffers, each thread's halves in
 * its L2 (an activation of a small layer, a block's windows): where the 8 MB pass runs from
 * memory or a shared L3 either way, this one shows what the caches charge for a line another
 * core holds (on a Zen 4 VM whose 8 MB ratio was 1.2x: 16.8x).  Prints, best of 5 rounds:
 *   XCORE <threads> <local us per pass> <swapped us per pass>       (8 MB, 200 passes)
 *   XCORE_L2 <threads> <local us per pass> <swapped us per pass>    (256 KB, 2000 passes)
 * and the ratios on comment lines for people. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <time.h>

enum { N = 1 << 21, N_L2 = 1 << 16, PASSES = 200, ROUNDS = 5 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* one pass: x -> y elementwise, thread t taking the half (t + swap) % 2 of the buffer (the
 * halves given out by thread number, so that which core touched what last is known) */
static void pass(float *restrict y, const float *restrict x, long n, int swap) {
#pragma omp parallel
  {
    int t = 0, nt = 1;
#ifdef _OPENMP
    t = omp_get_thread_num(), nt = omp_get_num_threads();
#endif
    int part = (t + swap) % nt;
    long lo = n * part / nt, hi = n * (part + 1) / nt;
    for (long i = lo; i < hi; i++) y[i] = x[i] * 0.5f + 1.0f;
  }
}

/* the best LOCAL and SWAPPED pass over n floats, us */
static void measure(float *a, float *b, long n, int passes, double best[2]) {
  for (long i = 0; i < n; i++) a[i] = (float)(i & 1023), b[i] = 0;
  best[0] = best[1] = 1e30;
  for (int r = 0; r < ROUNDS; r++)
    for (int swap = 0; swap < 2; swap++) {
      pass(b, a, n, 0), pass(a, b, n, 0); /* warm: each half where thread 0's split puts it */
      double t0 = now();
      for (int p = 0; p < passes; p++) {
        /* LOCAL: each thread its own half every pass; SWAPPED: the halves change hands at
         * every pass (the second pass of each pair shifts them by one), so that every pass
         * reads and overwrites what the other thread wrote in the pass before */
        pass(b, a, n, 0);
        pass(a, b, n, swap);
      }
      double us = (now() - t0) / (2.0 * passes) * 1e6;
      if (us < best[swap]) best[swap] = us;
    }
}

int main(void) {
  float *a = aligned_alloc(64, (size_t)N * sizeof *a), *b = aligned_alloc(64, (size_t)N * sizeof *b);
  if (!a || !b) return 1;
  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads();
#endif
  double big[2], l2[2];
  measure(a, b, N, PASSES, big);
  measure(a, b, N_L2, PASSES * 10, l2);
  printf("XCORE %d %.1f %.1f\n", threads, big[0], big[1]);
  printf("XCORE_L2 %d %.2f %.2f\n", threads, l2[0], l2[1]);
  printf("# %d threads, 8 MB y = f(x): %.1f us a pass on the data each thread wrote, %.1f us on the other's (%.2fx)\n",
         threads, big[0], big[1], big[1] / big[0]);
  printf("# 256 KB (in each core's L2): %.2f us / %.2f us (%.2fx)\n", l2[0], l2[1], l2[1] / l2[0]);
  free(a);
  free(b);
  return 0;
}
