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
 * takes the other thread's half.  Prints, best of 5 rounds of 200 passes:
 *   XCORE <threads> <local us per pass> <swapped us per pass>
 * and the ratio on a second line for people. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <time.h>

enum { N = 1 << 21, PASSES = 200, ROUNDS = 5 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* one pass: x -> y elementwise, thread t taking the half (t + swap) % 2 of the buffer (the
 * halves given out by thread number, so that which core touched what last is known) */
static void pass(float *restrict y, const float *restrict x, int swap) {
#pragma omp parallel
  {
    int t = 0, nt = 1;
#ifdef _OPENMP
    t = omp_get_thread_num(), nt = omp_get_num_threads();
#endif
    int part = (t + swap) % nt;
    long lo = (long)N * part / nt, hi = (long)N * (part + 1) / nt;
    for (long i = lo; i < hi; i++) y[i] = x[i] * 0.5f + 1.0f;
  }
}

int main(void) {
  float *a = aligned_alloc(64, (size_t)N * sizeof *a), *b = aligned_alloc(64, (size_t)N * sizeof *b);
  if (!a || !b) return 1;
  for (long i = 0; i < N; i++) a[i] = (float)(i & 1023), b[i] = 0;
  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads();
#endif
  double best[2] = {1e30, 1e30};
  for (int r = 0; r < ROUNDS; r++)
    for (int swap = 0; swap < 2; swap++) {
      pass(b, a, 0), pass(a, b, 0); /* warm: each half where thread 0's split puts it */
      double t0 = now();
      for (int p = 0; p < PASSES; p++) {
        /* LOCAL: each thread its own half every pass; SWAPPED: the halves change hands at
         * every pass (the second pass of each pair shifts them by one), so that every pass
         * reads and overwrites what the other thread wrote in the pass before */
        pass(b, a, 0);
        pass(a, b, swap);
      }
      double us = (now() - t0) / (2.0 * PASSES) * 1e6;
      if (us < best[swap]) best[swap] = us;
    }
  printf("XCORE %d %.1f %.1f\n", threads, best[0], best[1]);
  printf("# %d threads, 8 MB y = f(x): %.1f us a pass on the data each thread wrote, %.1f us on the other's (%.2fx)\n",
         threads, best[0], best[1], best[1] / best[0]);
  free(a);
  free(b);
  return 0;
}
