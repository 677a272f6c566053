/* inject_test.c - runs the net of inject.lua, whose parameter and input names carry C, JSON and
 * preprocessor text.  That this file compiles with -Werror means no injected declaration,
 * #error or broken literal reached the C; that it runs to the end means no injected abort()
 * ran.  Then: the forward pass computes x (w + w2) + b + count with the initial values, a
 * training step lowers the loss, and the checkpoint holds every name byte for byte and loads
 * back. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlc_rt.h"
#include "inj.h"
#include "../check.h"

/* The names of inject.lua, as Lua spells them, here as C spells them. */
static const char *const names[] = {
    "w */ abort(); /* \" ); abort(); (\" ?\?/ \\",
    "w */ abort(); /* \" ); abort(); (\" ?\?/ _",
    "b\", RT_F32, 0, {0}, 0, 0}; abort(); (RtTensor){\"\\\": 1, \"x",
    "count",
};

int main(int argc, char **argv) {
  static inj_model m, back;
  float x[INJ_X_____ERROR_INJECTED_SIZE] = {1, 2, 3, 4, -1, 0, 0.5f, 0.5f};
  float y[INJ_Y____ABORT_______SIZE] = {1, 0, -1, 2}, out[INJ_OUTPUT_SIZE];
  if (argc < 2) return 2;
  CHECK(INJ_PARAM_COUNT == 6 && INJ_PARAM_COUNT_2 == 48, "macros %d %d", INJ_PARAM_COUNT, INJ_PARAM_COUNT_2);
  inj_init(&m, 1);
  inj_forward(&m, x, y, out);
  for (int i = 0; i < 4; i++) {
    float want = 0.75f * (x[2 * i] + x[2 * i + 1]) + 1;
    CHECK(fabsf(out[i] - want) < 1e-6f, "out[%d] = %g, want %g", i, out[i], want);
  }
  float first = inj_train_step(&m, x, y), later = first;
  for (int s = 0; s < 20; s++) later = inj_train_step(&m, x, y);
  CHECK(later < first, "loss %g -> %g", first, later);
  CHECK(inj_save(&m, argv[1]) == 0, "save: %s", m.error);
  char err[256];
  RtStFile *f = rt_st_open(argv[1], err, sizeof err);
  CHECK(f != NULL, "open: %s", err);
  if (f) {
    for (int i = 0; i < 4; i++) {
      const RtTensor *t = rt_st_find(f, names[i]);
      CHECK(t != NULL, "tensor %d (%s) is not in the checkpoint", i, names[i]);
      char slot[300];
      snprintf(slot, sizeof slot, "optim.%s.momentum_buffer", names[i]);
      CHECK(rt_st_find(f, slot) != NULL, "state %s is not in the checkpoint", slot);
    }
    CHECK(rt_st_count(f) == 8, "%d tensors", rt_st_count(f)); /* 4 parameters, their momentum buffers */
    rt_st_close(f);
  }
  inj_init(&back, 2);
  CHECK(inj_load(&back, argv[1]) == 0, "load: %s", back.error);
  CHECK(memcmp(back.param, m.param, sizeof m.param) == 0, "parameters differ after a load");
  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  else printf("inject_test: the injected names are inert and survive a checkpoint\n");
  return failures != 0;
}
