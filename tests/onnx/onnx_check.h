/* onnx_check.h - the comparison the ONNX tests share: per element |got - ref| <= rtol * max(|ref|,
 * S / 10), S the largest |ref| of the tensor (as tests/ref/lib_test.c). */
#ifndef ONNX_CHECK_H
#define ONNX_CHECK_H

#include <math.h>

#include "dlc_rt.h"

static inline double onnx_at(const RtTensor *t, int64_t i) {
  return t->dtype == RT_F64 ? ((const double *)t->data)[i] : ((const float *)t->data)[i];
}

/* the share of the tolerance that got uses against ref (> 1: a mismatch; NaN counts as one) */
static inline double onnx_used(const RtTensor *got, const RtTensor *ref, double rtol) {
  double scale = 0, use = 0;
  for (int64_t i = 0; i < rt_tensor_numel(ref); i++) scale = fmax(scale, fabs(onnx_at(ref, i)));
  for (int64_t i = 0; i < rt_tensor_numel(ref); i++) {
    double d = fabs(onnx_at(got, i) - onnx_at(ref, i)), bound = rtol * fmax(fabs(onnx_at(ref, i)), scale / 10);
    if (!(d <= use * bound)) use = bound > 0 ? d / bound : INFINITY;
  }
  return use;
}

#endif
