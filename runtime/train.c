/* train.c - the training driver behind `dlc train` (see dlc_train.h).
 *
 * load data -> split off validation rows (seeded) -> fit normalization on the training rows
 * only (or take it from the checkpoint being resumed) -> per epoch: a seeded permutation of
 * the training rows, full batches only (the model's batch is fixed; the remainder is skipped
 * and said once), then evaluation of the training and validation rows -> test evaluation
 * and confusion matrix -> curves.
 *
 * A net without a target (RtNet: classes and target_dim 0, an autoencoder) is fed the
 * features alone: labels are optional and ignored, the loss is the reconstruction loss.  An
 * int32 input (RtNet.in_int) takes the data's values as they are (no normalization), each
 * checked to be an integer in int32's range.  A binary classifier (RtTrainOptions.binary) is
 * scored by thresholding its one output.
 *
 * Evaluation pads the last partial batch with zeros and counts only its real rows, so every
 * sample counts exactly once.  Checkpoints carry the epoch count, seed, split and
 * normalization in their metadata, so --load resumes exactly where --save left off.
 *
 * A net with a schedule (RtNet.sched) gets its learning rate set before the run's first step
 * and after every epoch (after every step for OneCycleLR) to rt_sched_lr of the next epoch
 * (step), a pure function of the epoch and step counts, so a checkpoint holds the rate its
 * next step uses and a resumed run the same rates as a straight one.  --early-stop N keeps a
 * copy of the whole model (parameters, optimizer state, step count, learning rate) as it was
 * after the epoch with the lowest validation loss, stops after N epochs without a lower one,
 * and restores that copy at the end: the last checkpoint is then the one that epoch wrote. */
#define _POSIX_C_SOURCE 200809L
#include "dlc_train.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlc_rt.h"
#include "dlc_text.h"
#include "fileio.h"
#include "report.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig) {
  (void)sig;
  interrupted = 1;
}

typedef struct {
  const RtNet *net;
  const RtTrainOptions *o;
  void *m;
  RtData train, test;
  int have_test;
  int64_t *tr, ntr, *va, nva; /* training and validation rows of `train` */
  RtNorm norm;
  uint64_t seed;
  double val_split;
  RtAugment aug; /* as given, or as the resumed checkpoint had it */
  int shuffle;   /* likewise */
  int64_t epoch0; /* epochs already done (resumed) */
  int64_t spe;            /* optimizer steps per epoch */
  int64_t total_steps;    /* OneCycleLR's total_steps for this run; 0 for the other schedules */
  int64_t saved_total;    /* the resumed checkpoint's dlc.total_steps, 0 when absent */
  float *scratch;         /* augmentation: one image plane */
  float *bx, *byf, *out, *sloss;
  int32_t *by, *bxi; /* bxi: the batch of an int32 input */
  const char *const *names;
  int tty;
  int binary;        /* o->binary, when the net has one output and one float target per sample */
  double loss_seen;  /* the first epoch's training loss, for the hint that it does not move */
  int loss_same;     /* epochs whose training loss equalled it */
  /* --mpi: this rank of `ranks` (0 of 1 alone), and the time spent summing this epoch */
  const RtComm *comm;
  int rank, ranks;
  double sum_time;
  int halt; /* --mpi: some rank was interrupted, as the last step's sum said (every rank stops there) */
} Run;

typedef struct {
  double loss, acc; /* NaN when there is nothing to measure */
  int64_t n;
  int64_t *confusion; /* classes x classes, or NULL */
} Score;

static const char *command = "dlc train"; /* or "dlc predict": messages start with it */

static int fail(const char *msg) {
  fprintf(stderr, "%s: %s\n", command, msg);
  return 1;
}

/* An autoencoder: the loss reads the input alone. */
static int no_target(const RtNet *net) { return net->classes == 0 && net->target_dim == 0; }

/* ---- data --------------------------------------------------------------------------------- */

static int file_exists(const char *p) { return access(p, R_OK) == 0; }

/* An int32 input's values: integers within int32's range (and float's exact integers, in
 * which the loaders hold them), else the file and the sample are named. */
static int check_int_values(const RtData *d, const char *path, const char *name, char *err, size_t errlen) {
  for (int64_t i = 0; i < d->n * d->dim; i++) {
    float v = d->x[i];
    const char *why = v != floorf(v) ? "is not an integer"
                      : fabsf(v) > 16777216.0f ? "is outside the range of exact integers (+-2^24) an int32 input can be fed from"
                                               : NULL;
    if (why) {
      snprintf(err, errlen, "%s: sample %lld (from 0), value %lld: %.9g %s; the model's input '%s' takes int32 values",
               path, (long long)(i / d->dim), (long long)(i % d->dim) + 1, (double)v, why, name ? name : "x");
      return 1;
    }
  }
  return 0;
}

static int load_set(Run *r, RtData *d, const char *a, const char *b, const char *what) {
  const RtNet *net = r->net;
  char err[512];
  /* without a target, labels are not needed: a CSV label column is dropped (read as classes) */
  int rc = r->o->source == RT_SRC_CSV ? rt_load_csv(a, r->o->label, net->classes == 0 && !no_target(net), d, err, sizeof err)
                                      : rt_load_idx(a, b, d, err, sizeof err);
  /* a test set labelled by name is numbered like the training set (or the checkpoint) */
  if (!rc && d != &r->train && r->train.class_names)
    rc = rt_data_match_classes(d, a, (const char *const *)r->train.class_names, r->train.classes, err, sizeof err);
  /* sizes against the images (or CSV) file, labels against the labels file */
  if (!rc) rc = rt_data_check(d, a, net->in_dim, 0, err, sizeof err);
  if (!rc && net->classes) rc = rt_data_check(d, b ? b : a, net->in_dim, net->classes, err, sizeof err);
  if (!rc && net->in_int) rc = check_int_values(d, a, net->in_name, err, sizeof err);
  if (!rc && !no_target(net) && net->classes == 0 && (!d->yf || d->ydim != net->target_dim)) {
    snprintf(err, sizeof err, "%s: the model wants %lld float targets per sample", a, (long long)net->target_dim);
    rc = 1;
  }
  if (rc) return fail(err);
  printf("%s: %lld samples of %lld values from %s\n", what, (long long)d->n, (long long)d->dim, a);
  return 0;
}

static int load_data(Run *r) {
  const RtTrainOptions *o = r->o;
  const char *a = o->train_a, *b = o->train_b, *ta = o->test_a, *tb = o->test_b;
  char p[4][1024];
  if (o->source == RT_SRC_FASHION) {
    const char *dir = o->data_dir ? o->data_dir : RT_FASHION_MNIST_DIR;
    const char *f[4] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    for (int i = 0; i < 4; i++) snprintf(p[i], sizeof p[i], "%s/%s", dir, f[i]);
    if (!file_exists(p[0])) {
      fprintf(stderr, "dlc train: Fashion-MNIST is not in %s: install Debian's dataset-fashion-mnist\n"
                      "(apt-get install dataset-fashion-mnist), or give --idx or --csv\n", dir);
      return 1;
    }
    a = p[0], b = p[1], ta = p[2], tb = p[3];
    r->names = rt_fashion_mnist_classes();
  }
  if (load_set(r, &r->train, a, b, "train")) return 1;
  if (ta) {
    if (load_set(r, &r->test, ta, tb, "test")) return 1;
    r->have_test = 1;
  }
  if (!r->names && r->train.class_names) r->names = (const char *const *)r->train.class_names;
  return 0;
}

/* ---- checkpoint metadata -------------------------------------------------------------------- */

/* The resumed checkpoint's epoch count, seed, split and normalization. */
static int read_resume_meta(Run *r) {
  char err[512];
  RtStFile *f = rt_st_open(r->o->load, err, sizeof err);
  if (!f) return fail(err);
  const char *ep = rt_st_meta(f, "dlc.epoch"), *sd = rt_st_meta(f, "dlc.seed");
  const char *vs = rt_st_meta(f, "dlc.val_split"), *nk = rt_st_meta(f, RT_META_NORM);
  r->epoch0 = ep ? strtoll(ep, NULL, 10) : 0;
  if (sd && !r->o->seed_given) r->seed = strtoull(sd, NULL, 10);
  if (vs && !r->o->val_given) r->val_split = strtod(vs, NULL);
  const char *au = rt_st_meta(f, "dlc.augment"), *sh = rt_st_meta(f, "dlc.shuffle");
  const char *ts = rt_st_meta(f, "dlc.total_steps");
  r->saved_total = ts ? strtoll(ts, NULL, 10) : 0;
  int rc = 0;
  if (au && !r->o->augment_given && rt_augment_parse(au, &r->aug)) {
    fprintf(stderr, "dlc train: %s: metadata dlc.augment is not a list of hflip, crop:P, shift\n", r->o->load);
    rc = 1;
  }
  if (sh && !r->o->shuffle_given) r->shuffle = strcmp(sh, "1") == 0;
  if (!rc && nk && rt_norm_from_meta(&r->norm, nk, rt_st_meta(f, RT_META_NORM_SHIFT), rt_st_meta(f, RT_META_NORM_DIV),
                              r->net->in_dim, err, sizeof err)) {
    fprintf(stderr, "dlc train: %s: %s\n", r->o->load, err);
    rc = 1;
  }
  rt_st_close(f);
  return rc;
}

static int save(Run *r, const char *path, int64_t epochs_done) {
  if (r->rank != 0) return 0; /* --mpi: the replicas are identical; rank 0 writes */
  char ep[32], sd[32], vs[32], au[64], ts[32];
  char *nk = NULL, *shift = NULL, *div = NULL;
  snprintf(ep, sizeof ep, "%lld", (long long)epochs_done);
  snprintf(sd, sizeof sd, "%llu", (unsigned long long)r->seed);
  snprintf(vs, sizeof vs, "%.17g", r->val_split);
  snprintf(ts, sizeof ts, "%lld", (long long)r->total_steps);
  rt_augment_str(&r->aug, au, sizeof au);
  if (rt_norm_to_meta(&r->norm, &nk, &shift, &div)) return fail("out of memory");
  char *classes = r->train.class_names ? rt_classes_to_meta((const char *const *)r->train.class_names, r->train.classes) : NULL;
  const char *kv[20] = {"dlc.epoch", ep, "dlc.seed", sd, "dlc.val_split", vs,
                        "dlc.augment", au, "dlc.shuffle", r->shuffle ? "1" : "0",
                        RT_META_NORM, nk, RT_META_NORM_SHIFT, shift, RT_META_NORM_DIV, div};
  int n = 8;
  if (classes) kv[2 * n] = RT_META_CLASSES, kv[2 * n + 1] = classes, n++;
  if (r->total_steps) kv[2 * n] = "dlc.total_steps", kv[2 * n + 1] = ts, n++;
  int rc = r->net->save_meta(r->m, path, kv, n);
  free(nk), free(shift), free(div), free(classes);
  if (rc) return fail(r->net->error(r->m));
  return 0;
}

/* ---- batches -------------------------------------------------------------------------------- */

/* Rows rows[0..n) (n <= batch) into the batch buffers; the rest is zero padding. */
static void gather(Run *r, const int64_t *rows, int64_t n, int64_t epoch, int augment) {
  const RtNet *net = r->net;
  int64_t dim = net->in_dim, B = net->batch;
  for (int64_t i = 0; i < B; i++) {
    float *x = r->bx + i * dim;
    if (i >= n) {
      memset(x, 0, (size_t)dim * sizeof *x);
      if (net->classes) r->by[i] = 0;
      else memset(r->byf + i * net->target_dim, 0, (size_t)net->target_dim * sizeof(float));
      continue;
    }
    memcpy(x, r->train.x + rows[i] * dim, (size_t)dim * sizeof *x);
    if (augment) rt_augment(x, net->c, net->h, net->w, &r->aug, r->seed, (uint64_t)epoch, rows[i], r->scratch);
    if (net->classes && r->train.y) r->by[i] = r->train.y[rows[i]]; /* dlc predict: no labels */
    else if (!net->classes && r->train.yf)
      memcpy(r->byf + i * net->target_dim, r->train.yf + rows[i] * net->target_dim, (size_t)net->target_dim * sizeof(float));
  }
  if (net->in_int) /* integers checked by check_int_values */
    for (int64_t i = 0; i < B * dim; i++) r->bxi[i] = (int32_t)r->bx[i];
}

/* The input batch as the net takes it. */
static const float *batch_x(const Run *r) { return r->net->in_int ? (const float *)(const void *)r->bxi : r->bx; }

static const void *batch_target(const Run *r) { return r->net->classes ? (const void *)r->by : (const void *)r->byf; }

static int argmax(const float *v, int64_t n) {
  int64_t best = 0;
  for (int64_t k = 1; k < n; k++)
    if (v[k] > v[best]) best = k;
  return (int)best;
}

/* --mpi: the sums of the ranks' v[0..n), in v on every rank. */
static void sum_ranks(const Run *r, double *v, int64_t n) {
  if (r->comm) r->comm->sum_f64(r->comm, v, n);
}

/* --mpi: every rank's value of `mine`, v[rank], on every rank (free it).  A collective: every
 * rank calls it at the same point. */
static double *per_rank(const Run *r, double mine) {
  double *v = calloc((size_t)r->ranks, sizeof *v);
  if (!v) abort(); /* cannot take part: the job must end (mpirun then ends every rank) */
  v[r->rank] = mine;
  sum_ranks(r, v, r->ranks);
  return v;
}

/* --mpi: every rank's status; non-zero on every rank when any rank's is, rank 0 naming the
 * others that failed (each said why).  Called by every rank at the same points. */
static int agree(Run *r, int rc) {
  if (!r->comm) return rc;
  double *v = per_rank(r, rc);
  int any = rc;
  for (int k = 0; k < r->ranks; k++)
    if (v[k] != 0) {
      if (!any && r->rank == 0) fprintf(stderr, "%s: rank %d of %d failed (its message above)\n", command, k, r->ranks);
      any = any ? any : (int)v[k];
    }
  free(v);
  return any;
}

/* Evaluate rows of d in inference mode, every row exactly once (pad and mask).  --mpi: each
 * rank scores its slice of the rows, the sums reduced. */
static Score evaluate(Run *r, RtData *d, const int64_t *rows, int64_t n, int64_t *confusion) {
  const RtNet *net = r->net;
  Score s = {NAN, NAN, 0, confusion};
  if (n == 0) return s;
  RtData saved = r->train;
  r->train = *d; /* gather reads r->train */
  double loss = 0;
  int64_t right = 0;
  int64_t *idx = malloc((size_t)net->batch * sizeof *idx);
  int64_t lo = n * r->rank / r->ranks, hi = n * (r->rank + 1) / r->ranks;
  for (int64_t at = lo; at < hi; at += net->batch) {
    int64_t k = hi - at < net->batch ? hi - at : net->batch;
    for (int64_t i = 0; i < k; i++) idx[i] = rows ? rows[at + i] : at + i;
    gather(r, idx, k, 0, 0);
    net->eval(r->m, batch_x(r), batch_target(r), r->out, r->sloss);
    for (int64_t i = 0; i < k; i++) {
      s.n++;
      loss += r->sloss[i];
      if (!net->classes && !r->binary) continue;
      int p, t;
      if (r->binary) p = r->out[i] > (r->binary == 1 ? 0.5f : 0.0f), t = d->yf[idx[i]] >= 0.5f;
      else p = argmax(r->out + i * net->out_dim, net->out_dim), t = d->y[idx[i]];
      right += p == t;
      if (confusion) confusion[(int64_t)t * (r->binary ? 2 : net->classes) + p]++;
    }
  }
  free(idx);
  r->train = saved;
  if (r->comm) {
    int k = confusion ? (r->binary ? 2 : net->classes) : 0;
    double *v = calloc((size_t)(3 + k * k), sizeof *v);
    if (!v) abort();
    v[0] = loss, v[1] = (double)right, v[2] = (double)s.n;
    for (int64_t i = 0; i < (int64_t)k * k; i++) v[3 + i] = (double)confusion[i];
    sum_ranks(r, v, 3 + (int64_t)k * k);
    loss = v[0], right = (int64_t)v[1], s.n = (int64_t)v[2];
    for (int64_t i = 0; i < (int64_t)k * k; i++) confusion[i] = (int64_t)v[3 + i];
    free(v);
  }
  s.loss = loss / (double)s.n;
  if (net->classes || r->binary) s.acc = (double)right / (double)s.n;
  return s;
}

/* ---- the learning-rate schedule ------------------------------------------------------------- */

/* Set the rate of schedule position n (an epoch, or for OneCycleLR an optimizer step). */
static void set_lr(Run *r, int64_t n) {
  if (r->net->sched) r->net->set_lr(r->m, rt_sched_lr(r->net->sched, n, r->total_steps));
}

/* OneCycleLR's total_steps for this run, and a check that every rate the run will use (and the
 * one it leaves for the next step, as PyTorch's last scheduler.step() computes it) is finite. */
static int setup_schedule(Run *r) {
  const RtSched *s = r->net->sched;
  if (!s) return 0;
  if (!r->net->set_lr) return fail("the net has a schedule but no set_lr entry point (a bug in dlc)");
  int per_batch = rt_sched_per_batch(s);
  int64_t end = r->epoch0 + r->o->epochs, first = per_batch ? r->epoch0 * r->spe : r->epoch0;
  int64_t last = per_batch ? end * r->spe : end;
  if (per_batch) {
    const char *from = "the model's total_steps";
    if (s->total_steps) r->total_steps = s->total_steps;
    else if (s->epochs) r->total_steps = s->epochs * r->spe, from = "the model's epochs x the steps per epoch";
    else if (r->saved_total) r->total_steps = r->saved_total, from = "the run that wrote the checkpoint";
    else r->total_steps = end * r->spe, from = "--epochs x the steps per epoch";
    if (last > r->total_steps) {
      fprintf(stderr, "dlc train: %s: this run ends after %lld optimizer steps (%lld epochs of %lld), past the "
                      "schedule's total_steps %lld (from %s)\n", rt_sched_name(s), (long long)last, (long long)end,
              (long long)r->spe, (long long)r->total_steps, from);
      return 1;
    }
  }
  for (int64_t n = first; n <= last; n++) {
    double lr = rt_sched_lr(s, n, r->total_steps);
    if (!isfinite(lr)) {
      fprintf(stderr, "dlc train: %s: the learning rate is %g at %s %lld (a phase of length 0: change pct_start)\n",
              rt_sched_name(s), lr, per_batch ? "step" : "epoch", (long long)n);
      return 1;
    }
  }
  printf("schedule: %s, stepped every %s%s", rt_sched_name(s), per_batch ? "batch" : "epoch",
         per_batch ? "" : "\n");
  if (per_batch) printf(", total_steps %lld\n", (long long)r->total_steps);
  set_lr(r, first);
  return 0;
}

/* ---- training ------------------------------------------------------------------------------- */

/* --mpi: one training step of the replicas.  net->grad, then one sum over the ranks of one
 * buffer, the gradient slab itself: the gradients, the buffers (batch-norm running statistics)
 * copied into their places (the slab holds no gradient there), and in the room after them the
 * loss and two flags (a NaN stopped a --check-numerics net; Ctrl-C); divided by the number of
 * ranks: averages.  Then, unless a rank stopped, net->update with the averaged gradients, the
 * buffers set to their averages.  Returns the global batch's loss; *stop: 1 after a NaN on
 * some rank, 2 after an interrupt.  One rank (mpirun -np 1) sums nothing: the run without --mpi. */
static float replica_step(Run *r, int *stop) {
  const RtNet *net = r->net;
  int64_t n = net->slab_len;
  float loss = net->grad(r->m, batch_x(r), batch_target(r)), *g = net->slab(r->m, 1), *p = net->slab(r->m, 0);
  int nan_here = net->check_numerics && net->error(r->m)[0];
  g[n] = loss, g[n + 1] = (float)nan_here, g[n + 2] = (float)(interrupted != 0);
  if (r->ranks > 1) {
    for (int b = 0; b < net->nbuffers; b++)
      memcpy(g + net->buffers[2 * b], p + net->buffers[2 * b], (size_t)net->buffers[2 * b + 1] * sizeof *g);
    double t0 = rt_now();
    r->comm->sum_f32(r->comm, g, n + 3);
    r->sum_time += rt_now() - t0;
    float ranks = (float)r->ranks;
    for (int64_t i = 0; i < n + 1; i++) g[i] /= ranks;
    for (int b = 0; b < net->nbuffers; b++)
      memcpy(p + net->buffers[2 * b], g + net->buffers[2 * b], (size_t)net->buffers[2 * b + 1] * sizeof *g);
  }
  *stop = g[n + 1] > 0 ? 1 : g[n + 2] > 0 ? 2 : 0;
  if (*stop == 1) {
    if (!nan_here && r->rank == 0) fprintf(stderr, "%s: another rank met a NaN or an infinity (its message above)\n", command);
    return NAN;
  }
  if (*stop == 2) r->halt = 1;
  loss = g[n];
  net->update(r->m);
  return loss;
}

/* Ctrl-C: stop after this step.  --mpi: when the ranks agreed to (the signal reaches one rank,
 * whose flag every rank sees in the step's sum), so that all stop at the same step. */
static int stopping(const Run *r) { return r->comm ? r->halt : interrupted; }

static int train_epoch(Run *r, int64_t epoch, int64_t epochs_total, int64_t *perm) {
  const RtNet *net = r->net;
  int64_t B = net->batch, G = B * r->ranks, steps = r->ntr / G;
  int64_t *rows = malloc((size_t)B * sizeof *rows);
  if (r->shuffle) rt_permutation(perm, r->ntr, r->seed, (uint64_t)epoch);
  else for (int64_t i = 0; i < r->ntr; i++) perm[i] = i;
  RtProgress pg;
  rt_progress_start(&pg, stderr, r->tty, (int)epoch + 1, (int)epochs_total, steps);
  double sum = 0;
  r->sum_time = 0;
  for (int64_t s = 0; s < steps && !stopping(r); s++) {
    /* this rank's slice of the global batch */
    for (int64_t i = 0; i < B; i++) rows[i] = r->tr[perm[s * G + r->rank * B + i]];
    gather(r, rows, B, epoch, rt_augment_any(&r->aug));
    int stop = 0;
    float loss = r->comm ? replica_step(r, &stop) : net->train_step(r->m, batch_x(r), batch_target(r));
    if (stop == 1 && !net->error(r->m)[0]) { /* another rank's NaN: it says where */
      rt_progress_end(&pg);
      free(rows);
      return 1;
    }
    if (net->check_numerics && net->error(r->m)[0]) {
      rt_progress_end(&pg);
      char shown[600]; /* the message names the model's file and modules: shown escaped */
      fprintf(stderr, "%s: epoch %lld, step %lld: %s\n", command, (long long)epoch + 1, (long long)s + 1,
              rt_shown(shown, sizeof shown, net->error(r->m)));
      free(rows);
      return 1;
    }
    if (net->sched && rt_sched_per_batch(net->sched)) set_lr(r, epoch * steps + s + 1);
    if (!isfinite(loss)) {
      rt_progress_end(&pg);
      if (r->rank == 0) /* --mpi: every rank has the same averaged loss */
        fprintf(stderr, "dlc train: the loss became %g at epoch %lld, step %lld: lower the learning rate?\n",
              (double)loss, (long long)epoch + 1, (long long)s + 1);
      free(rows);
      return 1;
    }
    sum += loss;
    rt_progress_step(&pg, s + 1, sum / (double)(s + 1), (s + 1) * G);
  }
  rt_progress_end(&pg);
  free(rows);
  return 0;
}

static void print_score(const char *what, const Score *s) {
  if (isnan(s->acc)) printf("%s: loss %.4f over %lld samples\n", what, s->loss, (long long)s->n);
  else printf("%s: accuracy %.4f, loss %.4f over %lld samples\n", what, s->acc, s->loss, (long long)s->n);
}

/* --early-stop: the best epoch so far and a copy of the model as it was after it. */
typedef struct {
  void *m;
  double loss;
  int64_t epoch; /* 0-based; -1 before the first */
  int since;     /* epochs since the best */
} Best;

/* After epoch e: 1 when it is time to stop. */
static int early_stop_check(Run *r, Best *b, double val_loss, int64_t e) {
  if (b->epoch < 0 || val_loss < b->loss) {
    b->loss = val_loss, b->epoch = e, b->since = 0;
    memcpy(b->m, r->m, r->net->model_bytes);
    return 0;
  }
  return ++b->since >= r->o->early_stop;
}

/* The end of an --early-stop run: the best epoch's model back, and saved as that epoch saved it. */
static int early_stop_restore(Run *r, Best *b, int64_t last, int stopped) {
  if (b->epoch < 0) return 0;
  if (stopped) printf("early stop at epoch %lld: ", (long long)last + 1);
  if (b->epoch == last) {
    printf("best validation loss %.4f at epoch %lld, the last\n", b->loss, (long long)b->epoch + 1);
    return 0;
  }
  printf("best validation loss %.4f at epoch %lld, parameters restored\n", b->loss, (long long)b->epoch + 1);
  memcpy(r->m, b->m, r->net->model_bytes);
  return r->o->save && save(r, r->o->save, b->epoch + 1);
}

/* A hint, once, when the training loss stays exactly where the first epoch left it (after the
 * third epoch of this run): nothing is learning. */
static void still_hint(Run *r, double loss, int i) {
  if (i == 0) r->loss_seen = loss, r->loss_same = 0;
  else if (loss == r->loss_seen || fabs(loss - r->loss_seen) <= 1e-7 * fabs(r->loss_seen)) r->loss_same++;
  else r->loss_same = -1000000;
  if (i == 2 && r->loss_same == 2)
    printf("hint: the training loss has not changed in 3 epochs (%.4f): nothing is learning. Features on very "
           "different scales (try --normalize zscore), a learning rate far too small or too large, or saturated "
           "units (sigmoid, step) stop the gradients\n", loss);
}

static int run_epochs(Run *r, RtCurves *cv) {
  const RtTrainOptions *o = r->o;
  const RtSched *sc = r->net->sched;
  int64_t *perm = malloc((size_t)(r->ntr + 1) * sizeof *perm);
  int64_t total = r->epoch0 + o->epochs, e;
  Best best = {NULL, NAN, -1, 0};
  int rc = 0, stop = 0;
  if (o->early_stop && !(best.m = aligned_alloc(64, (r->net->model_bytes + 63) / 64 * 64))) rc = fail("out of memory");
  rc = agree(r, rc);
  for (e = r->epoch0; e < total && !rc && !stop; e++) {
    double t0 = rt_now(), lr0 = sc ? r->net->lr(r->m) : NAN;
    rc = train_epoch(r, e, total, perm);
    if (rc) break;
    double t_train = rt_now() - t0;
    if (stopping(r)) {
      const char *path = o->save ? o->save : "interrupted.safetensors";
      if (r->rank == 0) fprintf(stderr, "\ndlc train: interrupted; saving %s\n", path);
      rc = save(r, path, e) ? 1 : 130;
      break;
    }
    if (sc && !rt_sched_per_batch(sc)) set_lr(r, e + 1);
    Score tr = evaluate(r, &r->train, r->tr, r->ntr, NULL), va = evaluate(r, &r->train, r->va, r->nva, NULL);
    int i = (int)(e - r->epoch0);
    ((double *)cv->train_loss)[i] = tr.loss, ((double *)cv->train_acc)[i] = tr.acc;
    ((double *)cv->val_loss)[i] = va.loss, ((double *)cv->val_acc)[i] = va.acc;
    cv->n = i + 1;
    rt_print_epoch(stdout, (int)e + 1, (int)total, tr.loss, tr.acc, va.loss, va.acc, rt_now() - t0);
    still_hint(r, tr.loss, i);
    if (sc && rt_sched_per_batch(sc)) printf("  lr %.6g to %.6g\n", lr0, rt_sched_lr(sc, (e + 1) * r->spe - 1, r->total_steps));
    else if (sc) printf("  lr %.6g\n", lr0);
    if (r->comm && r->spe > 0)
      printf("  mpi: %d rank%s x batch %d; %.0f samples/s; summing the gradients %.3f ms a step, %.1f %% of training\n",
             r->ranks, r->ranks == 1 ? "" : "s", r->net->batch, (double)(r->spe * r->net->batch * r->ranks) / t_train,
             1e3 * r->sum_time / (double)r->spe, 100 * r->sum_time / t_train);
    fflush(stdout);
    if (o->save && save(r, o->save, e + 1)) rc = 1;
    rc = agree(r, rc);
    if (!rc && o->early_stop) stop = early_stop_check(r, &best, va.loss, e);
  }
  if (!rc && o->early_stop) rc = agree(r, early_stop_restore(r, &best, e - 1, stop));
  free(best.m);
  free(perm);
  return rc;
}

static int final_report(Run *r, const RtCurves *cv) {
  const RtNet *net = r->net;
  if (r->have_test) {
    int k = r->binary ? 2 : net->classes;
    int64_t *cm = k ? calloc((size_t)k * (size_t)k, sizeof *cm) : NULL;
    Score ts = evaluate(r, &r->test, NULL, r->test.n, cm);
    print_score("test", &ts);
    if (cm) rt_print_confusion(stdout, cm, k, r->binary ? NULL : r->names);
    free(cm);
  }
  if (r->o->plot && cv->n > 0 && r->rank == 0) {
    char err[512];
    if (rt_plot_svg(r->o->plot, cv, net->name, err, sizeof err)) return fail(err);
    printf("curves: %s\n", r->o->plot);
  }
  return 0;
}

/* ---- setup ------------------------------------------------------------------------------------ */

/* With no normalization: a one-line hint when the features' ranges over the training rows
 * differ by more than 100x (constant features aside), naming the narrowest and the widest. */
static void scale_hint(const RtData *d, const int64_t *rows, int64_t n) {
  int64_t lo = -1, hi = -1;
  double rlo = 0, rhi = 0;
  for (int64_t j = 0; j < d->dim && n > 0; j++) {
    double mn = INFINITY, mx = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
      double v = d->x[rows[i] * d->dim + j];
      mn = v < mn ? v : mn, mx = v > mx ? v : mx;
    }
    double range = mx - mn;
    if (!(range > 0)) continue;
    if (lo < 0 || range < rlo) lo = j, rlo = range;
    if (hi < 0 || range > rhi) hi = j, rhi = range;
  }
  if (lo < 0 || rhi <= 100 * rlo) return;
  char a[68], b[68]; /* a CSV header's names, as quoted in a message (escaped, cut) */
  if (d->feature_names) rt_shown(a, sizeof a, d->feature_names[lo]), rt_shown(b, sizeof b, d->feature_names[hi]);
  else snprintf(a, sizeof a, "feature %lld", (long long)lo + 1), snprintf(b, sizeof b, "feature %lld", (long long)hi + 1);
  printf("hint: the features' scales differ %.0fx: %s spans %.4g, %s spans %.4g; without normalization the "
         "wide one dominates: try --normalize zscore\n", rhi / rlo, a, rlo, b, rhi);
}

static int prepare(Run *r) {
  const RtTrainOptions *o = r->o;
  const RtNet *net = r->net;
  char err[512];
  if (load_data(r)) return 1;
  if (rt_split(r->train.n, r->val_split, r->seed, &r->tr, &r->ntr, &r->va, &r->nva, err, sizeof err))
    return fail(err);
  int64_t G = (int64_t)net->batch * r->ranks; /* the global batch */
  if (r->comm)
    printf("mpi: %d rank%s, each a batch of %d: a global batch of %lld; %lld values (%.3g MB) summed a step%s\n", r->ranks,
           r->ranks == 1 ? "" : "s", net->batch, (long long)G, (long long)net->slab_len + 3,
           (double)(net->slab_len + 3) * sizeof(float) / 1e6, r->comm->deterministic ? ", in rank order (deterministic)" : "");
  if (r->ntr < G) {
    fprintf(stderr, "dlc train: %lld training samples, fewer than one batch of %lld\n", (long long)r->ntr, (long long)G);
    return 1;
  }
  if (r->ntr % G)
    printf("note: %lld training samples in batches of %lld: the %lld left over are skipped each epoch "
           "(a different %lld each time)\n", (long long)r->ntr, (long long)G,
           (long long)(r->ntr % G), (long long)(r->ntr % G));
  if (net->in_int && ((o->norm_given && o->norm != RT_NORM_NONE) || r->norm.kind != RT_NORM_NONE)) {
    fprintf(stderr, "dlc train: the model's input '%s' is int32: its values are fed as they are, give --normalize none\n",
            net->in_name ? net->in_name : "x");
    return 1;
  }
  if (r->norm.kind == RT_NORM_NONE && !r->norm.dim) {
    RtNormKind k = o->norm_given ? o->norm : o->source == RT_SRC_CSV || net->in_int ? RT_NORM_NONE : RT_NORM_SCALE;
    if (rt_norm_fit(&r->norm, k, &r->train, r->tr, r->ntr, err, sizeof err)) return fail(err);
    if (k == RT_NORM_NONE && !net->in_int) scale_hint(&r->train, r->tr, r->ntr);
  }
  rt_norm_apply(&r->norm, r->train.x, r->train.n);
  if (r->have_test) rt_norm_apply(&r->norm, r->test.x, r->test.n);
  printf("split: %lld training, %lld validation samples; normalize: %s\n", (long long)r->ntr,
         (long long)r->nva, rt_norm_name(r->norm.kind));
  r->spe = r->ntr / G;
  char au[64];
  rt_augment_str(&r->aug, au, sizeof au);
  if (rt_augment_any(&r->aug) && (!(net->h > 0 && net->w > 0) || net->in_int)) {
    fprintf(stderr, "dlc train: --augment %s needs an image input [batch, c, h, w]\n", au);
    return 1;
  }
  if (r->aug.crop && (r->aug.crop >= net->h || r->aug.crop >= net->w)) {
    fprintf(stderr, "dlc train: --augment crop:%d: the padding must be smaller than the %dx%d image\n", r->aug.crop,
            net->h, net->w);
    return 1;
  }
  if (rt_augment_any(&r->aug)) printf("augment: %s\n", au);
  if (o->early_stop && r->nva == 0)
    return fail("--early-stop needs validation rows to watch: give --val-split above 0");
  r->binary = o->binary && !net->classes && net->out_dim == 1 && net->target_dim == 1 ? o->binary : 0;
  if (r->binary) printf("binary classifier: accuracy of %s > %s against targets >= 0.5\n",
                        r->binary == 1 ? "the probability" : "the logit", r->binary == 1 ? "0.5" : "0");
  if (no_target(net)) printf("target: the input itself (an autoencoder); the loss is the reconstruction loss\n");
  return 0;
}

/* --init: the parameters and buffers whose name and shape are in the file, reported on stdout;
 * the optimizer state stays fresh. */
static int init_from(Run *r) {
  const RtNet *net = r->net;
  char err[512];
  if (!net->tensors) return fail("--init: this net has no tensor table");
  RtTensor *t = calloc((size_t)net->ntensors + 1, sizeof *t);
  if (!t) return fail("out of memory");
  net->tensors(r->m, t);
  int rc = rt_st_init(r->o->init, t, net->nparams, net->nparams ? t[0].dtype : RT_F32, stdout, err, sizeof err);
  free(t);
  return rc ? fail(err) : 0;
}

/* The model and the batch buffers, the model zeroed and initialized with r->seed. */
static int alloc_buffers(Run *r) {
  const RtNet *net = r->net;
  size_t bytes = (net->model_bytes + 63) / 64 * 64;
  r->m = aligned_alloc(64, bytes);
  r->bx = malloc((size_t)(net->batch * net->in_dim) * sizeof(float));
  r->out = malloc((size_t)(net->batch * net->out_dim) * sizeof(float));
  r->sloss = malloc((size_t)net->batch * sizeof(float));
  r->by = malloc((size_t)net->batch * sizeof(int32_t));
  r->bxi = malloc((size_t)(net->batch * net->in_dim) * sizeof(int32_t));
  r->byf = malloc((size_t)(net->batch * (net->target_dim ? net->target_dim : 1)) * sizeof(float));
  r->scratch = malloc((size_t)(net->h > 0 ? net->h : 1) * (size_t)(net->w > 0 ? net->w : 1) * sizeof(float));
  if (!r->m || !r->bx || !r->out || !r->sloss || !r->by || !r->bxi || !r->byf || !r->scratch) return fail("out of memory");
  memset(r->m, 0, bytes);
  net->init(r->m, r->seed);
  return 0;
}

static int alloc_model(Run *r) {
  const RtNet *net = r->net;
  if (alloc_buffers(r)) return 1;
  if (r->o->init && init_from(r)) return 1;
  if (r->o->load && net->load(r->m, r->o->load)) return fail(net->error(r->m));
  if (r->o->load)
    printf("resumed %s: %lld epochs, %lld steps done\n", r->o->load, (long long)r->epoch0,
           (long long)net->steps(r->m));
  return 0;
}

/* --mpi: this rank made a replica (its slice of each global batch keys dropout's masks). */
static int setup_replica(Run *r) {
  const RtNet *net = r->net;
  if (!r->comm) return 0;
  if (!net->grad || !net->update || !net->slab || !net->set_replica)
    return fail("--mpi: this net has no separate gradient and update (built by an older dlc?)");
  net->set_replica(r->m, r->rank, r->ranks);
  return 0;
}

/* --mpi: every rank starts from the same model, optimizer state, step count and data split (a
 * rank that read another checkpoint or data set would train a different model), and ends with
 * the same (at_end: the averaged gradients and buffers kept the replicas identical); 1 on every
 * rank after a message, else 0.  Compared: a hash of each rank's tensors and counts. */
static int check_replicas(Run *r, int at_end) {
  const RtNet *net = r->net;
  RtTensor *t = calloc((size_t)net->ntensors + 1, sizeof *t);
  if (!t) abort(); /* cannot take part: the job ends */
  net->tensors(r->m, t);
  uint64_t h = RT_FNV1A_BASIS;
  for (int i = 0; i < net->ntensors; i++) {
    int64_t n = rt_tensor_numel(&t[i]);
    h = rt_fnv1a(h, t[i].data, (size_t)(n > 0 ? n : 0) * rt_dtype_size(t[i].dtype));
  }
  int64_t counts[4] = {net->steps(r->m), r->ntr, r->nva, r->train.dim};
  h = rt_fnv1a(h, counts, sizeof counts);
  double *v = per_rank(r, (double)(h >> 12)); /* 52 bits: exact in a double */
  int rc = 0;
  for (int k = 1; k < r->ranks; k++)
    if (v[k] != v[0]) rc = 1;
  if (rc && r->rank == 0 && !at_end)
    fprintf(stderr, "%s: --mpi: the ranks did not start from the same model and data: every rank must read the "
                    "same data and checkpoint files (the same paths on every machine)\n", command);
  if (rc && r->rank == 0 && at_end) fprintf(stderr, "%s: --mpi: the replicas' models differ at the end (a bug in dlc)\n", command);
  free(t), free(v);
  return rc;
}

static void cleanup(Run *r) {
  rt_data_free(&r->train);
  rt_data_free(&r->test);
  rt_norm_free(&r->norm);
  free(r->tr), free(r->va), free(r->m), free(r->bx), free(r->out), free(r->sloss), free(r->by), free(r->bxi), free(r->byf);
  free(r->scratch);
}

int rt_train(const RtNet *net, const RtTrainOptions *o) {
  Run r = {0};
  r.net = net;
  r.o = o;
  r.seed = o->seed;
  r.val_split = o->val_split;
  r.aug = (RtAugment){o->hflip, o->crop, o->shift};
  r.shuffle = o->shuffle;
  r.comm = o->comm;
  r.rank = o->comm ? o->comm->rank : 0;
  r.ranks = o->comm ? o->comm->size : 1;
  static char ranked[48]; /* --mpi: the other ranks' messages say which they are */
  snprintf(ranked, sizeof ranked, "dlc train (rank %d)", r.rank);
  if (r.rank != 0) command = ranked;
  r.tty = isatty(fileno(stderr)) && r.rank == 0;
  if (net->set_threads) net->set_threads(o->threads);
  if (o->val_split < 0 || o->val_split >= 1) return fail("--val-split must be in [0, 1)");
  if (o->init && o->load) return fail("--init and --load do not go together: --load resumes a run, --init starts one");
  int rc = o->load ? read_resume_meta(&r) : 0;
  if (!rc) rc = prepare(&r);
  if (!rc) rc = alloc_model(&r);
  if (!rc) rc = setup_schedule(&r);
  if (!rc) rc = setup_replica(&r);
  rc = agree(&r, rc);
  if (!rc && r.comm) rc = check_replicas(&r, 0);
  int64_t cap = o->epochs > 0 ? o->epochs : 1;
  double *curves = calloc((size_t)(4 * cap), sizeof *curves);
  RtCurves cv = {0, curves, curves + cap, curves + 2 * cap, curves + 3 * cap};
  struct sigaction sa = {0}, old;
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, &old);
  if (!rc) rc = run_epochs(&r, &cv);
  sigaction(SIGINT, &old, NULL);
  if (!rc && r.comm) rc = check_replicas(&r, 1);
  if (!rc) rc = final_report(&r, &cv);
  free(curves);
  cleanup(&r);
  return rc;
}

/* ---- dlc predict ---------------------------------------------------------------------------- */

/* The checkpoint's normalization and class names (either may be absent). */
static int predict_meta(Run *r, char ***names, int *nnames) {
  char err[512];
  RtStFile *f = rt_st_open(r->o->load, err, sizeof err);
  if (!f) return fail(err);
  const char *nk = rt_st_meta(f, RT_META_NORM), *cl = rt_st_meta(f, RT_META_CLASSES);
  int rc = 0;
  if (nk && rt_norm_from_meta(&r->norm, nk, rt_st_meta(f, RT_META_NORM_SHIFT), rt_st_meta(f, RT_META_NORM_DIV),
                              r->net->in_dim, err, sizeof err))
    rc = 1;
  if (!rc && cl && rt_classes_from_meta(cl, names, nnames, err, sizeof err)) rc = 1;
  if (rc) fprintf(stderr, "dlc predict: %s: %s\n", r->o->load, err);
  rt_st_close(f);
  return rc;
}

/* The features to predict from, normalized. */
static int predict_data(Run *r, const char **from) {
  const RtTrainOptions *o = r->o;
  const RtNet *net = r->net;
  char err[512], p[1024];
  const char *a = o->train_a;
  if (o->source == RT_SRC_FASHION) {
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte.gz", o->data_dir ? o->data_dir : RT_FASHION_MNIST_DIR);
    a = p;
  }
  int rc = o->source == RT_SRC_CSV ? rt_load_csv(a, o->label, net->classes == 0 && !no_target(net), &r->test, err, sizeof err)
                                   : rt_load_idx(a, NULL, &r->test, err, sizeof err);
  if (!rc) rc = rt_data_check(&r->test, a, net->in_dim, 0, err, sizeof err);
  if (!rc && net->in_int) rc = check_int_values(&r->test, a, net->in_name, err, sizeof err);
  if (rc) return fail(err);
  if (!r->norm.dim) {
    RtNormKind k = o->source == RT_SRC_CSV || net->in_int ? RT_NORM_NONE : RT_NORM_SCALE;
    fprintf(stderr, "note: %s holds no normalization; normalize: %s\n", o->load, rt_norm_name(k));
    if (rt_norm_fit(&r->norm, k, &r->test, NULL, r->test.n, err, sizeof err)) return fail(err);
  }
  rt_norm_apply(&r->norm, r->test.x, r->test.n);
  *from = a == p ? "the Fashion-MNIST test images" : o->train_a;
  return 0;
}

/* A CSV field from a file's text (a class name from the checkpoint or the data): escaped as
 * for one line (control characters, newlines included, as \xNN), in double quotes, a quote
 * doubled. */
static void csv_text(FILE *f, const char *text) {
  char *e = rt_escape(text, RT_ESC_LINE);
  fputc('"', f);
  for (const char *s = e ? e : "?"; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
  free(e);
}

static void predict_header(const Run *r, FILE *f, int named) {
  const RtNet *net = r->net;
  fputs("sample", f);
  if (net->classes) {
    fputs(named ? ",class,name" : ",class", f);
    for (int64_t k = 0; r->o->scores && k < net->out_dim; k++) fprintf(f, ",score_%lld", (long long)k);
  } else if (r->binary) {
    fputs(r->binary == 1 ? ",class,probability" : ",class,logit", f);
  } else {
    for (int64_t k = 0; k < net->out_dim; k++) fprintf(f, ",output_%lld", (long long)k + 1);
  }
  fputc('\n', f);
}

static void predict_row(const Run *r, FILE *f, int64_t sample, const float *y, const char *const *names, int nnames) {
  const RtNet *net = r->net;
  fprintf(f, "%lld", (long long)sample);
  if (net->classes) {
    int c = argmax(y, net->out_dim);
    fprintf(f, ",%d", c);
    if (names) fputc(',', f), csv_text(f, c < nnames ? names[c] : "");
    for (int64_t k = 0; r->o->scores && k < net->out_dim; k++) fprintf(f, ",%.9g", (double)y[k]);
  } else if (r->binary) {
    fprintf(f, ",%d,%.9g", y[0] > (r->binary == 1 ? 0.5f : 0.0f), (double)y[0]);
  } else {
    for (int64_t k = 0; k < net->out_dim; k++) fprintf(f, ",%.9g", (double)y[k]);
  }
  fputc('\n', f);
}

typedef struct {
  Run *r;
  const char *const *names;
  int nnames;
} Predict;

/* The predictions as CSV into f (stdout, or rt_write_atomic's temporary file). */
static int predict_run(FILE *f, void *ctx) {
  const Predict *pc = ctx;
  Run *r = pc->r;
  const char *const *names = pc->names;
  int nnames = pc->nnames;
  const RtNet *net = r->net;
  int64_t *idx = malloc((size_t)net->batch * sizeof *idx);
  if (!idx) return fail("out of memory");
  r->train = r->test; /* gather reads r->train */
  predict_header(r, f, names != NULL);
  for (int64_t at = 0; at < r->test.n; at += net->batch) {
    int64_t k = r->test.n - at < net->batch ? r->test.n - at : net->batch;
    for (int64_t i = 0; i < k; i++) idx[i] = at + i;
    gather(r, idx, k, 0, 0);
    net->forward(r->m, batch_x(r), r->out);
    for (int64_t i = 0; i < k; i++) predict_row(r, f, at + i, r->out + i * net->out_dim, names, nnames);
  }
  r->train = (RtData){0};
  free(idx);
  return ferror(f) ? -1 : 0;
}

int rt_predict(const RtNet *net, const RtTrainOptions *o) {
  Run r = {0};
  r.net = net, r.o = o;
  command = "dlc predict";
  r.binary = o->binary && !net->classes && net->out_dim == 1 && net->target_dim == 1 ? o->binary : 0;
  char **names = NULL;
  int nnames = 0;
  const char *from = NULL;
  if (!o->load) return fail("dlc predict needs --load CKPT");
  int rc = predict_meta(&r, &names, &nnames) || predict_data(&r, &from);
  r.seed = 1;
  if (!rc) rc = alloc_buffers(&r);
  if (!rc && net->load(r.m, o->load)) rc = fail(net->error(r.m));
  const char *const *shown = (const char *const *)names;
  if (!shown && o->source == RT_SRC_FASHION && net->classes == 10) shown = rt_fashion_mnist_classes(), nnames = 10;
  Predict pc = {&r, shown, nnames};
  char err[512];
  if (!rc && !o->pred_out) rc = predict_run(stdout, &pc) || fflush(stdout) ? 1 : 0;
  else if (!rc && rt_write_atomic(o->pred_out, predict_run, &pc, err, sizeof err)) rc = fail(err);
  if (!rc) fprintf(stderr, "predicted %lld samples from %s%s%s\n", (long long)r.test.n, from,
                   o->pred_out ? " into " : "", o->pred_out ? o->pred_out : "");
  if (names) rt_classes_free(names, nnames);
  cleanup(&r);
  return rc;
}
