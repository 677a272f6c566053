/* course_params.c - Sequential(Linear(4,5), Linear(5,5), Linear(5,3)) has 73 parameters
 * (COURSE.md): the generated COURSE_PARAMS_PARAM_COUNT, and the checkpoint's tensors, which
 * must be PyTorch's state_dict with the course's shapes. */
#define _POSIX_C_SOURCE 200809L
#include "course_check.h"
#include "course_params.h"

int main(void) {
  static course_params_model m;
  static const struct {
    const char *name;
    int ndim;
    int64_t shape[2];
  } want[] = {{"net.0.weight", 2, {5, 4}}, {"net.0.bias", 1, {5}}, {"net.1.weight", 2, {5, 5}},
              {"net.1.bias", 1, {5}},      {"net.2.weight", 2, {3, 5}}, {"net.2.bias", 1, {3}}};
  char path[64], err[256];
  printf("%s COURSE_PARAMS_PARAM_COUNT %d, course 73\n", COURSE_PARAMS_PARAM_COUNT == 73 ? "ok  " : "FAIL",
         COURSE_PARAMS_PARAM_COUNT);
  course_failures += COURSE_PARAMS_PARAM_COUNT != 73;

  course_params_init(&m, 1);
  snprintf(path, sizeof path, "/tmp/course_XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0)
    return 2;
  close(fd);
  if (course_params_save(&m, path)) {
    fprintf(stderr, "save: %s\n", m.error);
    return 2;
  }
  RtStFile *f = rt_st_open(path, err, sizeof err);
  unlink(path);
  if (!f) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  int64_t total = 0;
  int n = (int)(sizeof want / sizeof want[0]);
  for (int i = 0; i < n; i++) {
    const RtTensor *t = rt_st_find(f, want[i].name);
    int ok = t && t->ndim == want[i].ndim && t->shape[0] == want[i].shape[0] &&
             (t->ndim == 1 || t->shape[1] == want[i].shape[1]);
    printf("%s checkpoint %s\n", ok ? "ok  " : "FAIL", want[i].name);
    course_failures += !ok;
    if (t)
      total += rt_tensor_numel(t);
  }
  int ok = rt_st_count(f) == n && total == 73;
  printf("%s checkpoint: %d tensors, %lld parameters, course 73\n", ok ? "ok  " : "FAIL", rt_st_count(f),
         (long long)total);
  course_failures += !ok;
  rt_st_close(f);
  printf("%s\n", course_failures ? "FAILED" : "PASSED");
  return course_failures != 0;
}
