/* onnx_test.c - an ONNX model imported by dlc import, compiled with --inference, against
 * PyTorch's output.
 *
 *   onnx_test WEIGHTS.safetensors FIXTURE.safetensors
 *
 * Built against the imported model generated with --name onnxnet; WEIGHTS is the
 * model.safetensors dlc import wrote beside it, FIXTURE fixtures/<case>.expect.safetensors from
 * make_onnx_fixtures.py ("input.x" and "output", PyTorch in float64).  Loads the weights with
 * onnxnet_load (so the exported names and shapes must match the model's), runs onnxnet_forward
 * on the input and compares: per element |dlc - ref| <= 1e-5 * max(|ref|, S / 10), S the
 * largest |ref| (as tests/ref/lib_test.c).  Exits 1 on a mismatch, 2 on bad files.  Built with
 * ONNX_INT_INPUT, the input is int32 indices (the fixture's I64 "input.x"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "dlc_rt.h"
#include "onnx_check.h"
#include "onnxnet.h"

int main(int argc, char **argv) {
  if (argc != 3) return fprintf(stderr, "usage: %s WEIGHTS FIXTURE\n", argv[0]), 2;
  char err[512];
  static onnxnet_model m;
  if (onnxnet_load(&m, argv[1])) return fprintf(stderr, "%s: onnxnet_load failed\n", argv[1]), 2;
  RtStFile *fx = rt_st_open(argv[2], err, sizeof err);
  if (!fx) return fprintf(stderr, "%s\n", err), 2;
  const RtTensor *x = rt_st_find(fx, "input.x"), *y = rt_st_find(fx, "output");
  if (!x || !y || rt_tensor_numel(x) != ONNXNET_X_SIZE || rt_tensor_numel(y) != ONNXNET_OUTPUT_SIZE)
    return fprintf(stderr, "%s: no input.x and output of the model's sizes\n", argv[2]), 2;
  static float out[ONNXNET_OUTPUT_SIZE];
#ifdef ONNX_INT_INPUT
  static int32_t in[ONNXNET_X_SIZE];
  if (x->dtype != RT_I64) return fprintf(stderr, "%s: input.x is not I64\n", argv[2]), 2;
  for (int64_t i = 0; i < ONNXNET_X_SIZE; i++) in[i] = (int32_t)((const int64_t *)x->data)[i];
#else
  static float in[ONNXNET_X_SIZE];
  for (int64_t i = 0; i < ONNXNET_X_SIZE; i++) in[i] = (float)onnx_at(x, i);
#endif
  onnxnet_forward(&m, in, out);
  RtTensor got = {.name = "output", .dtype = RT_F32, .ndim = 1, .shape = {ONNXNET_OUTPUT_SIZE}, .data = out};
  double use = onnx_used(&got, y, 1e-5);
  int ok = use <= 1;
  printf("%s forward vs PyTorch: %d values, tolerance (rtol 1e-5) used %.1f%%\n", ok ? "ok  " : "FAIL",
         ONNXNET_OUTPUT_SIZE, 100 * use);
  rt_st_close(fx);
  return !ok;
}
