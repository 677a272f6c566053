/* dlc_rt.h - the dlc runtime: what generated nets and the training driver share and that is
 * not shape-specific.  Counter-based random numbers and initializer distributions, and
 * safetensors checkpoint I/O.  No kernels live here: they are emitted per model.
 *
 * Invariants: nothing here allocates on behalf of a generated kernel; every function that can
 * fail on user input (a file) returns non-zero and writes a one-line reason into err. */
#ifndef DLC_RT_H
#define DLC_RT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dlc_kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- learning-rate schedules (sched.c) ----------------------------------------------------
 * A model with spec.scheduler keeps its learning rate as a run-time value (the optimizer state
 * optim.lr) and describes its schedule with an RtSched, which net.c defines (<name>_sched).
 * rt_sched_lr gives PyTorch's learning rate after n calls of scheduler.step(): n is the epoch
 * (0-based) for the schedules PyTorch steps once an epoch, the optimizer step (0-based) for
 * OneCycleLR, which PyTorch steps after every batch.  The value is a pure function of n,
 * computed in double as torch.optim.lr_scheduler computes it (its recursive, "chainable" form,
 * replayed from n = 0), so a resumed run gets the same bits as a straight one. */
typedef enum {
  RT_SCHED_STEP,        /* StepLR{step_size, gamma = 0.1} */
  RT_SCHED_MULTISTEP,   /* MultiStepLR{milestones, gamma = 0.1} */
  RT_SCHED_EXPONENTIAL, /* ExponentialLR{gamma} */
  RT_SCHED_COSINE,      /* CosineAnnealingLR{T_max, eta_min = 0} */
  RT_SCHED_ONECYCLE     /* OneCycleLR{max_lr, total_steps | epochs [, steps_per_epoch], ...}, per batch */
} RtSchedKind;

typedef struct RtSched {
  RtSchedKind kind;
  double base_lr;              /* the lr at n = 0: the optimizer's (OneCycleLR: max_lr / div_factor) */
  double gamma;                /* StepLR, MultiStepLR, ExponentialLR */
  int64_t step_size;           /* StepLR */
  const int64_t *milestones;   /* MultiStepLR: ascending, a repeated one counts twice */
  int nmilestones;
  int64_t t_max;               /* CosineAnnealingLR */
  double eta_min;
  double max_lr, pct_start, div_factor, final_div_factor; /* OneCycleLR */
  int linear, three_phase;     /* OneCycleLR: anneal_strategy "linear", three_phase = true */
  int64_t total_steps;         /* OneCycleLR: 0 when the model leaves it to the driver */
  int64_t epochs;              /* OneCycleLR without total_steps: epochs x the run's steps per epoch */
} RtSched;

/* The learning rate after n steps of the schedule.  total_steps is OneCycleLR's when
 * s->total_steps is 0 (else ignored); n must not exceed it.  NaN or an infinity where PyTorch
 * would divide by zero (a OneCycleLR phase of length 0). */
double rt_sched_lr(const RtSched *s, int64_t n, int64_t total_steps);
int rt_sched_per_batch(const RtSched *s); /* stepped after every optimizer step (OneCycleLR) */
const char *rt_sched_name(const RtSched *s); /* "StepLR", ... */

/* ---- the net's descriptor ---------------------------------------------------------------
 * Every generated f32 net with one output and one input besides the target defines `const RtNet
 * <name>_net` in net.c: its sizes and entry points, for drivers that are not shape-specific
 * (dlc train's rt_train, an app's generic loop).  The model pointer is the net's
 * <name>_model; the target is int32 class indices when classes > 0, else target_dim floats
 * per sample; with classes and target_dim both 0 the net has no target (an autoencoder: its
 * loss compares the output with the input x) and t is not read (may be NULL).  A net with
 * several inputs has a descriptor when every input but x is the target (dlc train --input
 * chooses x: EmitOptions.feed). */
struct RtTensor; /* a tensor of a checkpoint, below */

typedef struct RtNet {
  const char *name;   /* the model's name */
  size_t model_bytes; /* sizeof the model struct */
  int batch;          /* samples per step: the model's fixed batch */
  int64_t in_dim;     /* input values per sample */
  int64_t out_dim;    /* output values per sample */
  int classes;        /* > 0: int32 class targets; 0: float targets of target_dim values */
  int64_t target_dim;
  int c, h, w;        /* the input's geometry: [batch, c, h, w], or [batch, h, w] (c = 1); else 0 */
  int in_int;         /* 1: x points to int32 values (an int input), passed as the float pointer below */
  const char *in_name; /* with in_int: the input's name (for messages); else NULL */
  void (*init)(void *m, uint64_t seed);
  void (*forward)(void *m, const float *x, float *out);
  float (*train_step)(void *m, const float *x, const void *target); /* NULL: inference only */
  void (*eval)(void *m, const float *x, const void *target, float *out, float *sample_loss); /* NULL: no loss */
  int (*save_meta)(const void *m, const char *path, const char *const *kv, int nmeta);
  int (*load)(void *m, const char *path);
  const char *(*error)(const void *m);
  int64_t (*steps)(const void *m);
  void (*set_threads)(int n); /* NULL: net.c was built without OpenMP */
  /* A model with a scheduler (else all NULL): its schedule, and its learning rate, the
   * optimizer state optim.lr, read and written as a double (stored in the net's dtype). */
  const RtSched *sched;
  double (*lr)(const void *m);
  void (*set_lr)(void *m, double lr);
  /* The tensor table m_save writes, in its order: ntensors entries, of which the first nparams
   * are the model's parameters and buffers (the rest optimizer state), their data pointing into
   * the model m (for dlc train --init). */
  int ntensors, nparams;
  void (*tensors)(void *m, struct RtTensor *t);
  /* The training step in halves, for data-parallel training (dlc train --mpi); NULL when
   * train_step is.  grad computes the loss and every gradient into the grad slab, update applies
   * them (grad then update is train_step).  slab(m, 0) is the parameter slab, slab(m, 1) the
   * gradient slab: slab_len values each, every parameter's gradient at its parameter's offset;
   * the gradient slab has 16 more after them that the net never touches (a driver's own values,
   * summed over the ranks with the gradients in one buffer).
   * The slab's ranges that hold buffers (batch-norm running statistics: updated by grad, not
   * trained) are listed as nbuffers (offset, count) pairs in buffers.  set_replica(m, rank,
   * ranks) makes the net replica `rank` of `ranks`, whose batch is that slice of the global
   * batch: dropout then draws the masks of the one-process run on the global batch
   * (dlc_draw_step, dlc_kernel.h). */
  float (*grad)(void *m, const float *x, const void *target);
  void (*update)(void *m);
  float *(*slab)(void *m, int grad);
  int64_t slab_len;
  const int64_t *buffers;
  int nbuffers;
  void (*set_replica)(void *m, int rank, int ranks);
  /* built with --check-numerics: a model function that met a NaN or an infinity stopped there,
   * error(m) saying where (train_step then returns NaN, without updating) */
  int check_numerics;
} RtNet;

/* ---- random numbers (rng.c) ------------------------------------------------------------
 * Philox4x32-10: output block i of stream s under seed k is a pure function of (k, s, i), so
 * any element of any tensor can be drawn independently and in any order. */
void rt_philox(uint64_t seed, uint64_t stream, uint64_t counter, uint32_t out[4]);
uint64_t rt_hash_name(const char *name); /* FNV-1a 64: stable stream id for a tensor name */
double rt_uniform01(uint64_t seed, uint64_t stream, uint64_t i); /* in [0, 1), 53 bits */
double rt_normal01(uint64_t seed, uint64_t stream, uint64_t i);  /* standard normal, Box-Muller */

/* Fill n elements.  Element j of the tensor depends only on (seed, stream, j). */
void rt_fill_uniform_f32(float *p, size_t n, double lo, double hi, uint64_t seed, uint64_t stream);
void rt_fill_uniform_f64(double *p, size_t n, double lo, double hi, uint64_t seed, uint64_t stream);
void rt_fill_normal_f32(float *p, size_t n, double mean, double std, uint64_t seed, uint64_t stream);
void rt_fill_normal_f64(double *p, size_t n, double mean, double std, uint64_t seed, uint64_t stream);
void rt_fill_const_f32(float *p, size_t n, double v);
void rt_fill_const_f64(double *p, size_t n, double v);

/* ---- text (text.c) ---------------------------------------------------------------------- */
/* Length of the well-formed UTF-8 sequence at s[0..n), 0 when it is not one; its code point
 * into *cp when cp is not NULL. */
size_t rt_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

/* ---- safetensors (safetensors.c) -------------------------------------------------------- */
typedef enum {
  RT_F32, /* "F32" */
  RT_F64, /* "F64" */
  RT_I32, /* "I32" */
  RT_I64  /* "I64" */
} RtDType;

#define RT_MAX_DIMS 8

typedef struct RtTensor {
  const char *name;
  RtDType dtype;
  int ndim;
  int64_t shape[RT_MAX_DIMS];
  void *data;   /* little-endian host data, nelem * size(dtype) bytes */
  int optional; /* for rt_st_load: absent in the file -> 1: zero-filled, 2: left as it is; 0: an error */
} RtTensor;

typedef struct {
  const char *key, *value;
} RtMeta;

size_t rt_dtype_size(RtDType t);
const char *rt_dtype_name(RtDType t);
int64_t rt_tensor_numel(const RtTensor *t); /* -1 when ndim or a dimension is invalid, or on overflow */

/* Write tensors (in the given order, their ranges contiguous from 0) and string metadata
 * ("__metadata__") atomically: temporary file in the same directory, fsync, rename over path,
 * fsync of the directory.  The header is padded with spaces to a multiple of 8 bytes. */
int rt_st_save(const char *path, const RtTensor *ts, int n, const RtMeta *meta, int nmeta,
               char *err, size_t errlen);

/* A parsed file, for tools and tests.  Opening checks the whole file (a regular file, not a
 * FIFO or device; a header length that is a multiple of 8; dtypes, shapes, unique names; byte
 * ranges that, sorted by offset, cover the data section exactly: no gap, no overlap, nothing
 * after the last tensor) and reads it into memory; rt_st_get keeps the file's order, each
 * tensor's data is aligned for its dtype and lives until rt_st_close. */
typedef struct RtStFile RtStFile;
RtStFile *rt_st_open(const char *path, char *err, size_t errlen); /* NULL on error */
void rt_st_close(RtStFile *f);
int rt_st_count(const RtStFile *f);
const RtTensor *rt_st_get(const RtStFile *f, int i);            /* data points into the file image */
const RtTensor *rt_st_find(const RtStFile *f, const char *name); /* NULL when absent */
const char *rt_st_meta(const RtStFile *f, const char *key);      /* NULL when absent */

/* Load a checkpoint into ts[0..n) (their data buffers, of dtype `want`, RT_F32 or RT_F64).
 * Checks: every non-optional tensor present; shapes equal; no tensor in the file that is not
 * in ts; when the file has metadata "dlc.graph_hash" it must equal graph_hash (if non-NULL).
 * F32 and F64 file tensors are converted to `want`.  Nothing in ts is modified unless the
 * whole file checks out.  On success *step receives metadata "dlc.step" (0 when absent; any
 * decimal int64, INT64_MIN to INT64_MAX).
 * The error names the tensor that differs, e.g. "net.0.weight: shape [8,4] in file, [8,5] expected".
 * Integer tensors (ts[i].dtype RT_I32 or RT_I64) are not converted: their buffers are of their own
 * dtype and the file's must match.  An F64 value outside the F32 range is refused, not rounded. */
int rt_st_load(const char *path, RtTensor *ts, int n, RtDType want, const char *graph_hash,
               int64_t *step, char *err, size_t errlen);

/* Initialize ts[0..n) from another model's file (dlc train --init): every tensor whose name is
 * in the file with the same shape and a floating dtype is loaded (F32 and F64 converted to
 * `want`); the others keep their values; no graph hash, no step, other names and the file's
 * optimizer state ("optim.*") are not used.  Then, when out is not NULL, a report is written
 * to it: what was loaded, which of the file's tensors were skipped and why, which of ts were
 * left at their initializer.  Refuses (-1, err) a file that does not open or check out
 * (rt_st_open's checks) and one from which nothing matches; ts is not modified then. */
int rt_st_init(const char *path, RtTensor *ts, int n, RtDType want, FILE *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
