/* dlc_train.h - the training driver behind `dlc train`: data in, a trained checkpoint out.
 *
 * A generated net is reached through RtNet, a table of its entry points that `dlc train`
 * generates next to net.c (the "glue"), so this driver is not shape-specific.  Everything
 * it does is deterministic in --seed: shuffling, validation split, augmentation; so training
 * two epochs straight and one + save + load + one give bit-identical parameters. */
#ifndef DLC_TRAIN_H
#define DLC_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "dlc_data.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  const char *name;   /* the model's name */
  size_t model_bytes; /* sizeof the model struct */
  int batch;          /* samples per step: the model's fixed batch */
  int64_t in_dim;     /* input values per sample */
  int64_t out_dim;    /* output values per sample */
  int classes;        /* > 0: int32 class targets; 0: float targets of target_dim values */
  int64_t target_dim;
  int c, h, w;        /* the input's geometry when it is [batch, c, h, w], else 0 */
  void (*init)(void *m, uint64_t seed);
  float (*train_step)(void *m, const float *x, const void *target);
  void (*eval)(void *m, const float *x, const void *target, float *out, float *sample_loss);
  int (*save_meta)(const void *m, const char *path, const char *const *kv, int nmeta);
  int (*load)(void *m, const char *path);
  const char *(*error)(const void *m);
  int64_t (*steps)(const void *m);
  void (*set_threads)(int n); /* NULL: the net was built single-threaded */
} RtNet;

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
  int hflip;
  uint64_t seed;
  int seed_given, val_given;     /* else a resumed checkpoint's seed and split are used */
  int hflip_given, shuffle_given; /* likewise for --augment and --no-shuffle */
  int epochs_given;               /* else the model's spec.train.epochs, if any */
  const char *save, *load, *plot;
  int threads;
} RtTrainOptions;

/* Train and evaluate; prints progress on stderr and results on stdout.  Returns the process
 * exit status: 0, 1 for bad data or checkpoints (a message naming the file says why), 130
 * after Ctrl-C (a last checkpoint saved). */
int rt_train(const RtNet *net, const RtTrainOptions *o);

#ifdef __cplusplus
}
#endif
#endif
