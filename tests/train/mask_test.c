/* mask_test.c - rt_train (runtime/train.c) driving a mock net that records what it is given:
 * every sample is evaluated exactly once per pass although no set is a multiple of the batch,
 * and only training is augmented.
 *
 *   train_mask WORKDIR
 *
 * Data: WORKDIR/train.csv holds ids 1..100 and WORKDIR/test.csv ids 1001..1037
 * ("id,next,label": id, id + 0.5, label id % 3), so the mock net reads each row's id from its
 * input (CSV data is not normalized) and knows the row's label; a padding row is zeros.  The
 * mock's input is a 1x1x2 image, so --augment hflip swaps the two features.  The mock (batch 16)
 * scores a real row as right with loss 1 and a padding row as wrong with loss 1000, so the
 * printed scores are all 1.0000 exactly when the padding is masked.  Checked after 3 epochs
 * with --val-split 0.25 (75 training rows, 25 validation, 37 test):
 *   - each training-file row is evaluated once per epoch (in the train or the validation
 *     pass), each test row once; a row's target is its label;
 *   - padding rows are zero with target 0, and there are exactly as many as the passes'
 *     last batches need (per epoch 5 + 7, then 11 for the test set);
 *   - training steps get full batches of real training rows (75 / 16 = 4 steps an epoch),
 *     never a validation row; with --augment hflip about half of them come flipped;
 *   - evaluation rows are never flipped;
 *   - the epoch lines and the test line print loss 1.0000 and accuracy 1.0000 over 37 samples,
 *     and the confusion matrix's diagonal holds all 37.
 * Exits 0, or 1 with what went wrong. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlc_train.h"

enum { B = 16, D = 2, NTRAIN = 100, NTEST = 37, TEST0 = 1000, EPOCHS = 3 };

static int64_t seen_eval[TEST0 + NTEST + 1], seen_train[NTRAIN + 1], pads, steps, flipped, failures;

static void bad(const char *what, int id) {
  if (failures++ < 20) fprintf(stderr, "FAIL %s (id %d)\n", what, id);
}

/* The row id of sample x (2 values), 0 for padding, -1 for garbage; *flip says if it came flipped. */
static int row_id(const float *x, int *flip) {
  int lo = x[0] <= x[1] ? 0 : 1, id = (int)x[lo];
  *flip = lo == 1;
  if ((float)id != x[lo] || id < 0 || (id > NTRAIN && id <= TEST0) || id > TEST0 + NTEST ||
      x[1 - lo] != (id ? (float)id + 0.5f : 0.0f)) {
    bad("an input that is no row", id);
    return -1;
  }
  return id;
}

static void init_(void *m, uint64_t seed) { (void)m, (void)seed; }

static float step_(void *m, const float *x, const void *t) {
  const int32_t *y = t;
  (void)m;
  steps++;
  for (int i = 0; i < B; i++) {
    int flip, id = row_id(x + i * D, &flip);
    flipped += flip;
    if (id <= 0 || id > NTRAIN) bad("a training step got a row that is not a training row", id);
    else if (y[i] != id % 3) bad("a training row with the wrong target", id);
    else seen_train[id]++;
  }
  return 0.5f;
}

static void eval_(void *m, const float *x, const void *t, float *out, float *loss) {
  const int32_t *y = t;
  (void)m;
  for (int i = 0; i < B; i++) {
    int flip, id = row_id(x + i * D, &flip), want = id > 0 ? id % 3 : 0, say = id > 0 ? want : 1;
    if (id < 0) continue;
    if (flip) bad("an evaluated row came flipped", id);
    if (y[i] != want) bad("an evaluated row with the wrong target", id);
    if (id == 0) pads++;
    else seen_eval[id]++;
    for (int k = 0; k < 3; k++) out[i * 3 + k] = k == say ? 5.0f : 0.0f;
    loss[i] = id > 0 ? 1.0f : 1000.0f;
  }
}

static int save_(const void *m, const char *p, const char *const *kv, int n) {
  (void)m, (void)p, (void)kv, (void)n;
  return 1;
}
static int load_(void *m, const char *p) { return (void)m, (void)p, 1; }
static const char *error_(const void *m) { return (void)m, "the mock net neither saves nor loads"; }
static int64_t steps_(const void *m) { return (void)m, steps; }

static const RtNet mock = {.name = "mock", .model_bytes = 64, .batch = B, .in_dim = D, .out_dim = 3,
                           .classes = 3, .c = 1, .h = 1, .w = D, .init = init_, .train_step = step_, .eval = eval_,
                           .save_meta = save_, .load = load_, .error = error_, .steps = steps_};

static int write_csv(const char *path, int first, int n) {
  FILE *f = fopen(path, "w");
  if (!f) return perror(path), 1;
  fprintf(f, "id,next,label\n");
  for (int id = first; id < first + n; id++) fprintf(f, "%d,%d.5,%d\n", id, id, id % 3);
  return fclose(f);
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: train_mask WORKDIR\n"), 2;
  char train[1024], test[1024];
  snprintf(train, sizeof train, "%s/train.csv", argv[1]);
  snprintf(test, sizeof test, "%s/test.csv", argv[1]);
  if (write_csv(train, 1, NTRAIN) || write_csv(test, TEST0 + 1, NTEST)) return 2;

  RtTrainOptions o = {0};
  o.source = RT_SRC_CSV, o.train_a = train, o.test_a = test, o.label = "label";
  o.epochs = EPOCHS, o.val_split = 0.25, o.shuffle = 1, o.seed = 1, o.threads = 1, o.hflip = 1;

  /* capture stdout */
  FILE *cap = tmpfile();
  if (!cap) return perror("tmpfile"), 2;
  fflush(stdout);
  int saved = dup(1);
  dup2(fileno(cap), 1);
  int rc = rt_train(&mock, &o);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  static char text[1 << 16];
  rewind(cap);
  size_t len = fread(text, 1, sizeof text - 1, cap);
  text[len] = 0;
  fclose(cap);
  fputs(text, stdout);
  if (rc) return fprintf(stderr, "FAIL rt_train returned %d\n", rc), 1;

  /* the validation rows, as rt_train splits them */
  int64_t *tr, ntr, *va, nva;
  char err[256];
  if (rt_split(NTRAIN, 0.25, 1, &tr, &ntr, &va, &nva, err, sizeof err)) return fprintf(stderr, "%s\n", err), 2;
  if (ntr != 75 || nva != 25) bad("the split is not 75 + 25", (int)nva);
  char is_val[NTRAIN + 1] = {0};
  for (int64_t i = 0; i < nva; i++) is_val[va[i] + 1] = 1;
  free(tr), free(va);

  for (int id = 1; id <= NTRAIN; id++) {
    if (seen_eval[id] != EPOCHS) bad("a training-file row not evaluated once per epoch", id);
    if (is_val[id] && seen_train[id]) bad("a validation row was trained on", id);
  }
  for (int id = TEST0 + 1; id <= TEST0 + NTEST; id++)
    if (seen_eval[id] != 1) bad("a test row not evaluated exactly once", id);
  int64_t trained = 0;
  for (int id = 1; id <= NTRAIN; id++) trained += seen_train[id];
  if (steps != EPOCHS * (75 / B) || trained != steps * B) bad("not 4 full training steps an epoch", (int)steps);
  if (flipped < trained / 4 || flipped > trained * 3 / 4) bad("not about half the training rows flipped", (int)flipped);
  int64_t want_pads = EPOCHS * ((5 * B - 75) + (2 * B - 25)) + (3 * B - NTEST);
  if (pads != want_pads) {
    fprintf(stderr, "%lld padding rows evaluated, expected %lld\n", (long long)pads, (long long)want_pads);
    bad("the padding is not exactly what the last batches need", 0);
  }

  const char *want[] = {
      "split: 75 training, 25 validation samples; normalize: none\n",
      "epoch 1/3  train loss 1.0000 acc 1.0000  val loss 1.0000 acc 1.0000",
      "epoch 3/3  train loss 1.0000 acc 1.0000  val loss 1.0000 acc 1.0000",
      "test: accuracy 1.0000, loss 1.0000 over 37 samples\n",
  };
  for (size_t i = 0; i < 4; i++)
    if (!strstr(text, want[i])) bad(want[i], 0);
  /* test ids 1001..1037: labels 1001 % 3 = 2, ...: 12 of class 0, 13 of class 1, 12 of class 2 */
  const char *cm = strstr(text, "true\\pred");
  int counts[3][3] = {{0}};
  if (!cm || sscanf(strchr(cm, '\n'), "\n0 %d %d %d %*s\n1 %d %d %d %*s\n2 %d %d %d", &counts[0][0], &counts[0][1],
                    &counts[0][2], &counts[1][0], &counts[1][1], &counts[1][2], &counts[2][0], &counts[2][1],
                    &counts[2][2]) != 9)
    bad("no confusion matrix", 0);
  int per_class[3] = {0};
  for (int id = TEST0 + 1; id <= TEST0 + NTEST; id++) per_class[id % 3]++;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (counts[i][j] != (i == j ? per_class[i] : 0)) bad("a confusion matrix count", i * 3 + j);
  if (failures) return fprintf(stderr, "%lld failures\n", (long long)failures), 1;
  printf("mask: every sample evaluated once per pass, none flipped, %lld padding rows masked; %lld full "
         "training steps, %lld of their %lld rows flipped\n", (long long)pads, (long long)steps, (long long)flipped,
         (long long)trained);
  return 0;
}
