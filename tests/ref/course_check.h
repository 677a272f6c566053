/* course_check.h - shared by the course_* drivers: compare a computed value with a number as
 * COURSE.md prints it, and write parameters to a safetensors file for <name>_load. */
#ifndef COURSE_CHECK_H
#define COURSE_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlc_rt.h"

static int course_failures;

/* got must round to `printed` at its number of decimals: |got - printed| <= half a unit in
 * the last printed place. */
static inline void check_printed(const char *what, double got, const char *printed) {
  const char *dot = strchr(printed, '.');
  int decimals = dot ? (int)strlen(dot + 1) : 0;
  double want = strtod(printed, NULL), tol = 0.5 * pow(10, -decimals);
  int ok = fabs(got - want) <= tol;
  printf("%s %-36s %.9g, course %s (+-%g)\n", ok ? "ok  " : "FAIL", what, got, printed, tol);
  course_failures += !ok;
}

/* Writes the n tensors to a fresh temporary file (no graph hash: like a PyTorch export) and
 * stores its path in path[len]; exits on error. */
static inline void write_params(const RtTensor *ts, int n, char *path, size_t len) {
  char err[256];
  snprintf(path, len, "/tmp/course_XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0) {
    perror("mkstemp");
    exit(2);
  }
  close(fd);
  if (rt_st_save(path, ts, n, NULL, 0, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    unlink(path);
    exit(2);
  }
}

#endif
