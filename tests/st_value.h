/* st_value.h - element i of a checkpoint's tensor (RtTensor, dlc_rt.h) as a double, whatever
 * its dtype: the C tests that compare checkpoints read them through this.  Header-only. */
#ifndef DLC_TESTS_ST_VALUE_H
#define DLC_TESTS_ST_VALUE_H

#include <math.h>

#include "dlc_rt.h"

static inline double st_value_at(const RtTensor *t, int64_t i) {
  switch (t->dtype) {
  case RT_F32: return ((const float *)t->data)[i];
  case RT_F64: return ((const double *)t->data)[i];
  case RT_I32: return ((const int32_t *)t->data)[i];
  case RT_I64: return (double)((const int64_t *)t->data)[i];
  }
  return NAN;
}

#endif
