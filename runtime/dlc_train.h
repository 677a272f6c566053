/* dlc_train.h - the training driver behind `dlc train`: data in, a trained checkpoint out.
 *
 * A generated net is reached through its descriptor (RtNet, dlc_rt.h), which net.c defines,
 * so this driver is not shape-specific.  Everything
 * it does is deterministic in --seed: shuffling, validation split, augmentation; so training
 * two epochs straight and one + save + load + one give bit-identical parameters. */
#ifndef DLC_TRAIN_H
#define DLC_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "dlc_data.h"
#include "dlc_rt.h"

#ifdef __cplusplus
extern "C" {
#endif


/* The ranks of a data-parallel run (dlc train --mpi).  dlc's MPI plugin (dlc_mpi.so, from
 * mpi/dlc_mpi.c) implements it over MPI_COMM_WORLD; the runtime links no MPI.  Every rank calls
 * the sums in the same order.  A sum is the element-wise sum over the ranks of x[0..n), left in
 * x on every rank; deterministic: added in rank order (gathered, summed, broadcast), the same
 * bits from run to run with any number of ranks; else MPI_Allreduce's (ring or tree) order. */
typedef struct RtComm {
  int rank, size;
  int deterministic;
  void (*sum_f32)(const struct RtComm *c, float *x, int64_t n);
  void (*sum_f64)(const struct RtComm *c, double *x, int64_t n);
} RtComm;

typedef enum {
  RT_SRC_FASHION, /* Debian's dataset-fashion-mnist */
  RT_SRC_IDX,     /* --idx IMAGES LABELS */
  RT_SRC_CSV      /* --csv FILE --label COL */
} RtSource;

typedef struct {
  RtSource source;
  const char *train_a, *train_b; /* IDX images and labels, or the CSV file */
  const char *test_a, *test_b;   /* --test: the same for the test set (NULL: none, or the default) */
  const char *label;             /* CSV label column: name or 1-based number */
  const char *data_dir;          /* fashion-mnist directory */
  int epochs;
  double val_split;
  int shuffle;
  int norm_given;                /* --normalize given (else the default: scale for images) */
  RtNormKind norm;
  int hflip, crop, shift;        /* --augment: RtAugment's fields (dlc_data.h) */
  uint64_t seed;
  int seed_given, val_given;     /* else a resumed checkpoint's seed and split are used */
  int augment_given, shuffle_given; /* likewise for --augment and --no-shuffle */
  int epochs_given;               /* else the model's spec.train.epochs, if any */
  const char *save, *load, *plot;
  const char *init;              /* --init CKPT: parameters by name and shape from another model's file */
  int threads;
  int early_stop;                /* --early-stop N: patience in epochs on the validation loss; 0: off */
  const char *input;             /* --input NAME: the model input the data feeds (dlc train checks it) */
  int binary;                    /* the loss is 1 BCELoss (outputs are probabilities), 2 BCEWithLogitsLoss
                                    (logits): with one output and one target per sample, accuracy at
                                    0.5 (logit 0) against targets >= 0.5 is reported too */
  const char *pred_out;          /* dlc predict -o FILE: the predictions' CSV (NULL: stdout) */
  int scores;                    /* dlc predict --scores: a classifier's outputs after its class */
  const RtComm *comm;            /* dlc train --mpi: this rank's communicator; NULL: one process */
} RtTrainOptions;

/* Train and evaluate; prints progress on stderr and results on stdout.  Returns the process
 * exit status: 0, 1 for bad data or checkpoints (a message naming the file says why), 130
 * after Ctrl-C (a last checkpoint saved).
 * With o->comm (dlc train --mpi, data-parallel over comm->size ranks, every rank calling
 * rt_train with the same options): the net's batch B is each rank's, the global batch is
 * size x B, and rank r trains on rows [r*B, (r+1)*B) of each global batch, in the order one
 * process with batch size x B and the same seed reads them.  Each step: net->grad, then one sum
 * over the ranks of one buffer (the gradient slab, the buffers, the loss and the stop flags),
 * divided by size: the gradients and batch-norm running statistics averaged, then net->update
 * on every rank, so the replicas stay identical (checked at the start and the end).  Evaluation is shared
 * (each rank scores a slice, the sums reduced); rank 0 alone prints and writes files. */
int rt_train(const RtNet *net, const RtTrainOptions *o);

/* dlc predict: the net with the checkpoint o->load, run in inference mode (m_forward) on the
 * data's features (--data fashion-mnist: its test images; labels, when given, are not used),
 * normalized as the checkpoint's metadata says (else the default, said on stderr).  Writes a
 * CSV to o->pred_out or stdout, one row per sample in file order: "sample" (from 0), then
 * for a classifier "class" (the index of the largest output), "name" when the class names are
 * known, and with o->scores each output as "score_K"; for a binary classifier (o->binary)
 * "class" (0/1) and "probability" or "logit"; otherwise "output_1" ... (a regression's or an
 * autoencoder's outputs).  Returns 0, or 1 after a message naming the file. */
int rt_predict(const RtNet *net, const RtTrainOptions *o);

#ifdef __cplusplus
}
#endif
#endif
