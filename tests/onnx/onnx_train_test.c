/* onnx_train_test.c - an ONNX model imported by dlc import and completed with --loss, --optim
 * and --lr trains as PyTorch trains the module it was exported from.
 *
 *   onnx_train_test WEIGHTS.safetensors FIXTURE.safetensors
 *
 * Built against the imported model generated with --name onnxnet and the loss and optimizer of
 * the fixture (make_onnx_fixtures.py, train_steps: plain SGD on one batch, in train mode).  Loads
 * the imported weights, takes the fixture's steps on input.x and input.target, compares the
 * losses, then every tensor PyTorch's state_dict has after the steps (parameters and batch norm's
 * running statistics) with the model's tensor of that name (the net's tensor table, as m_save
 * writes it): onnx_used (onnx_check.h) at rtol 3e-5.  Exits 1 on a mismatch, 2 on bad files. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlc_rt.h"
#include "onnx_check.h"
#include "onnxnet.h"

static int failures;

enum { ONNXNET_MAX_TENSORS = 256 }; /* the fixtures' models have at most a few dozen */

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
  for (int64_t i = 0; i < ONNXNET_X_SIZE; i++) in[i] = (float)onnx_at(x, i);
  int64_t nsteps = rt_tensor_numel(l);
  float losses[16];
  RtTensor lt = {.name = "losses", .dtype = RT_F32, .ndim = 1, .shape = {nsteps}, .data = losses};
  if (nsteps > 16) return fprintf(stderr, "%s: more than 16 steps\n", argv[2]), 2;
  for (int64_t s = 0; s < nsteps; s++) losses[s] = onnxnet_train_step(&m, in, t->data);
  double u = onnx_used(&lt, l, 1e-5);
  printf("%s losses of %lld SGD steps vs PyTorch: tolerance (rtol 1e-5) used %.1f%%\n", u <= 1 ? "ok  " : "FAIL",
         (long long)nsteps, 100 * u);
  failures += !(u <= 1);

  static RtTensor table[ONNXNET_MAX_TENSORS];
  if (onnxnet_net.ntensors > ONNXNET_MAX_TENSORS) return fprintf(stderr, "more than %d tensors\n", ONNXNET_MAX_TENSORS), 2;
  onnxnet_net.tensors(&m, table);
  int compared = 0;
  double worst = 0;
  for (int i = 0; i < rt_st_count(fx); i++) {
    const RtTensor *ref = rt_st_get(fx, i);
    if (strncmp(ref->name, "after.", 6)) continue;
    const RtTensor *got = NULL;
    for (int k = 0; k < onnxnet_net.nparams && !got; k++) got = strcmp(table[k].name, ref->name + 6) ? NULL : &table[k];
    compared++;
    if (!got || rt_tensor_numel(got) != rt_tensor_numel(ref)) {
      printf("FAIL %s: not a tensor of the model, or of another size\n", ref->name + 6);
      failures++;
      continue;
    }
    double v = onnx_used(got, ref, 3e-5);
    worst = fmax(worst, v);
    if (!(v <= 1)) printf("FAIL %s after the steps: tolerance (rtol 3e-5) used %.1f%%\n", ref->name + 6, 100 * v), failures++;
  }
  printf("%s %d tensors of PyTorch's state_dict after the steps: worst used %.1f%% of rtol 3e-5\n",
         failures || !compared ? "FAIL" : "ok  ", compared, 100 * worst);
  rt_st_close(fx);
  return failures != 0 || !compared;
}
