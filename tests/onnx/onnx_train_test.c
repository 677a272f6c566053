/* onnx_train_test.c - an ONNX model imported by dlc import and completed with --loss, --optim
 * and --lr trains as PyTorch trains the module it was exported from.
 *
 *   onnx_train_test WEIGHTS.safetensors FIXTURE.safetensors
 *
 * Built against the imported model generated with --name onnxnet and the loss and optimizer of
 * the fixture (make_onnx_fixtures.py, train_steps: plain SGD on one batch, in train mode).  Loads
 * the imported weights, takes the fixture's steps on input.x and input.target, compares the
 * losses, then saves a checkpoint and compares every tensor PyTorch's state_dict has after the
 * steps (parameters and batch norm's running statistics, by name): per element
 * |dlc - ref| <= 3e-5 * max(|ref|, S / 10), S the tensor's largest |ref|.  Exits 1 on a mismatch,
 * 2 on bad files. */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlc_rt.h"
#include "onnxnet.h"

static int failures;

static double at(const RtTensor *t, int64_t i) {
  return t->dtype == RT_F64 ? ((const double *)t->data)[i] : ((const float *)t->data)[i];
}

/* the share of the tolerance used by got against ref (> 1: a mismatch) */
static double used(const RtTensor *got, const RtTensor *ref, double rtol) {
  double scale = 0, use = 0;
  for (int64_t i = 0; i < rt_tensor_numel(ref); i++) scale = fmax(scale, fabs(at(ref, i)));
  for (int64_t i = 0; i < rt_tensor_numel(ref); i++) {
    double d = fabs(at(got, i) - at(ref, i)), bound = rtol * fmax(fabs(at(ref, i)), scale / 10);
    if (!(d <= use * bound)) use = bound > 0 ? d / bound : INFINITY;
  }
  return use;
}

int main(int argc, char **argv) {
  if (argc != 3) return fprintf(stderr, "usage: %s WEIGHTS FIXTURE\n", argv[0]), 2;
  char err[512];
  static onnxnet_model m;
  if (onnxnet_load(&m, argv[1])) return fprintf(stderr, "%s: %s\n", argv[1], m.error), 2;
  RtStFile *fx = rt_st_open(argv[2], err, sizeof err);
  if (!fx) return fprintf(stderr, "%s\n", err), 2;
  const RtTensor *x = rt_st_find(fx, "input.x"), *t = rt_st_find(fx, "input.target"), *l = rt_st_find(fx, "losses");
  if (!x || !t || !l || rt_tensor_numel(x) != ONNXNET_X_SIZE || rt_tensor_numel(t) != ONNXNET_TARGET_SIZE || t->dtype != RT_I32)
    return fprintf(stderr, "%s: no input.x, int32 input.target and losses of the model's sizes\n", argv[2]), 2;
  static float in[ONNXNET_X_SIZE];
  for (int64_t i = 0; i < ONNXNET_X_SIZE; i++) in[i] = (float)at(x, i);
  int64_t nsteps = rt_tensor_numel(l);
  float losses[16];
  RtTensor lt = {.name = "losses", .dtype = RT_F32, .ndim = 1, .shape = {nsteps}, .data = losses};
  if (nsteps > 16) return fprintf(stderr, "%s: more than 16 steps\n", argv[2]), 2;
  for (int64_t s = 0; s < nsteps; s++) losses[s] = onnxnet_train_step(&m, in, t->data);
  double u = used(&lt, l, 1e-5);
  printf("%s losses of %lld SGD steps vs PyTorch: tolerance (rtol 1e-5) used %.1f%%\n", u <= 1 ? "ok  " : "FAIL",
         (long long)nsteps, 100 * u);
  failures += !(u <= 1);

  char tmp[] = "/tmp/onnx_train_XXXXXX";
  int fd = mkstemp(tmp);
  if (fd < 0) return perror("mkstemp"), 2;
  close(fd);
  RtStFile *ck = onnxnet_save(&m, tmp) ? NULL : rt_st_open(tmp, err, sizeof err);
  unlink(tmp);
  if (!ck) return fprintf(stderr, "saving the checkpoint failed: %s\n", m.error[0] ? m.error : err), 2;
  int compared = 0;
  double worst = 0;
  for (int i = 0; i < rt_st_count(fx); i++) {
    const RtTensor *ref = rt_st_get(fx, i);
    if (strncmp(ref->name, "after.", 6)) continue;
    const RtTensor *got = rt_st_find(ck, ref->name + 6);
    compared++;
    if (!got || rt_tensor_numel(got) != rt_tensor_numel(ref)) {
      printf("FAIL %s: not in the checkpoint, or of another size\n", ref->name + 6);
      failures++;
      continue;
    }
    double v = used(got, ref, 3e-5);
    worst = fmax(worst, v);
    if (!(v <= 1)) printf("FAIL %s after the steps: tolerance (rtol 3e-5) used %.1f%%\n", ref->name + 6, 100 * v), failures++;
  }
  printf("%s %d tensors of PyTorch's state_dict after the steps: worst used %.1f%% of rtol 3e-5\n",
         failures || !compared ? "FAIL" : "ok  ", compared, 100 * worst);
  rt_st_close(ck);
  rt_st_close(fx);
  return failures != 0 || !compared;
}
