/* dlc_mpi.c - dlc's MPI plugin (dlc_mpi.so): the communicator of data-parallel training
 * (RtComm, dlc_train.h) over MPI_COMM_WORLD, for `mpirun -np N dlc train MODEL.lua --mpi`.
 *
 * A plugin, not part of dlc: dlc train opens it (dlopen) only for --mpi, so neither dlc nor a
 * net links MPI, and without --mpi nothing of MPI is loaded.  Built when CMake finds MPI
 * (Debian's libopenmpi-dev); installed next to the runtime (<libdir>/dlc/dlc_mpi.so).
 *
 * The sums: MPI_Allreduce with MPI_SUM, in place (Open MPI picks a ring, a tree or recursive
 * doubling by size; with three or more ranks the order of the additions, and so the low bits,
 * can change with the algorithm).  Deterministic (--mpi-deterministic): each chunk gathered on
 * rank 0, added there in rank order (x0 + x1 + ... in the element's type), and broadcast: the
 * same bits from run to run for any number of ranks, at the cost of rank 0 adding alone.
 * Errors of MPI itself stay fatal (MPI_ERRORS_ARE_FATAL): the job ends, mpirun says why. */
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc_train.h"

/* elements per MPI call: an int count, and a bounded gather buffer on rank 0 */
#define CHUNK ((int64_t)1 << 20)

static void *gathered; /* deterministic sums: rank 0's buffer, size x CHUNK elements */

/* rank 0 of a deterministic sum: x[i] = all[0][i] + all[1][i] + ..., in rank order */
static void add_f32(float *x, const float *all, int k, int ranks) {
  for (int i = 0; i < k; i++) {
    float s = all[i];
    for (int r = 1; r < ranks; r++) s += all[(int64_t)r * k + i];
    x[i] = s;
  }
}
static void add_f64(double *x, const double *all, int k, int ranks) {
  for (int i = 0; i < k; i++) {
    double s = all[i];
    for (int r = 1; r < ranks; r++) s += all[(int64_t)r * k + i];
    x[i] = s;
  }
}

/* x[0..n) of floats (f64: doubles) summed over the ranks, in place, chunk by chunk */
static void sum(const RtComm *c, void *x, int64_t n, int f64) {
  MPI_Datatype type = f64 ? MPI_DOUBLE : MPI_FLOAT;
  size_t size = f64 ? sizeof(double) : sizeof(float);
  for (int64_t at = 0; at < n; at += CHUNK) {
    int k = (int)(n - at < CHUNK ? n - at : CHUNK);
    void *p = (char *)x + (size_t)at * size;
    if (!c->deterministic) {
      MPI_Allreduce(MPI_IN_PLACE, p, k, type, MPI_SUM, MPI_COMM_WORLD);
      continue;
    }
    MPI_Gather(p, k, type, gathered, k, type, 0, MPI_COMM_WORLD);
    if (c->rank == 0 && f64) add_f64(p, gathered, k, c->size);
    if (c->rank == 0 && !f64) add_f32(p, gathered, k, c->size);
    MPI_Bcast(p, k, type, 0, MPI_COMM_WORLD);
  }
}

static void sum_f32(const RtComm *c, float *x, int64_t n) { sum(c, x, n, 0); }
static void sum_f64(const RtComm *c, double *x, int64_t n) { sum(c, x, n, 1); }

/* MPI_Init, and the communicator in *c; 0, or 1 with a reason in err. */
int dlc_mpi_init(RtComm *c, int deterministic, char *err, size_t errlen) {
  int done = 0;
  MPI_Initialized(&done);
  if (!done && MPI_Init(NULL, NULL) != MPI_SUCCESS) {
    snprintf(err, errlen, "MPI_Init failed");
    return 1;
  }
  *c = (RtComm){0};
  MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &c->size);
  c->deterministic = deterministic;
  c->sum_f32 = sum_f32;
  c->sum_f64 = sum_f64;
  if (deterministic && c->rank == 0 && !(gathered = malloc((size_t)c->size * (size_t)CHUNK * sizeof(double)))) {
    snprintf(err, errlen, "out of memory for --mpi-deterministic's gather buffer");
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return 0;
}

/* The end of a run every rank agreed on (the same point in every rank): MPI_Finalize. */
void dlc_mpi_finalize(void) {
  free(gathered);
  gathered = NULL;
  MPI_Finalize();
}

/* A rank that cannot go on while the others may be waiting for it: end the whole job. */
void dlc_mpi_abort(int status) { MPI_Abort(MPI_COMM_WORLD, status); }
