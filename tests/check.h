/* check.h - the CHECK of the C tests (tests/unit, tests/hostile): a failed check prints its
 * file, line, condition and a printf-style message to stderr, counts in `failures`, and the
 * test goes on; main() returns failures != 0.  Header-only: include it once per test. */
#ifndef DLC_TESTS_CHECK_H
#define DLC_TESTS_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      failures++;                                                                                  \
      fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond);                            \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
    }                                                                                              \
  } while (0)

#endif
