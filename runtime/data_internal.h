/* data_internal.h - what the data set files share, internal: not one of the headers dlc train
 * embeds for generated nets (dlc_data.h is the API).  The data sets of `dlc train` are read
 * and prepared by three files:
 *
 *   idx.c   the file reader every loader uses (plain or gzip, regular files only), the IDX
 *           loader and Fashion-MNIST
 *   csv.c   the CSV loader
 *   prep.c  what is done with a loaded data set: its release, checks against a model, class
 *           names (matching, checkpoint metadata), normalization, shuffles, splits and flips
 *
 * Each helper here is defined once: the small ones inline below, rt_read_upto in idx.c and
 * rt_classes_copy in prep.c.  Errors follow dlc_data.h: -1 and one line in err. */
#ifndef DLC_DATA_INTERNAL_H
#define DLC_DATA_INTERNAL_H

#include "dlc_data.h"
#include "dlc_text.h"
#include "fileio.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SHOWN 40 /* bytes of a file-supplied string quoted in an error */

/* rt_set_err (fileio.h), then -1: `return fail(err, errlen, "%s: ...", path);`. */
#define fail(err, errlen, ...) (rt_set_err((err), (errlen), __VA_ARGS__), -1)

/* A file-supplied string quoted in a message: terminal-escaped and cut (dlc_text.h). */
static inline const char *shown(const char *s, char buf[SHOWN + 4]) {
  return rt_shown(buf, SHOWN + 4, s);
}

/* qsort/bsearch order of anything whose first member is a string (char *, or a struct that
 * starts with one). */
static inline int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* idx.c.  Read path whole, up to max bytes (`what`, for messages), into a malloc'ed buffer with
 * one spare byte, grown as data arrives: the file's bytes, or its inflated data when it is
 * gzip (the reader's rules are at the top of idx.c).  *have says how many bytes came; *cut is
 * set when a gzip stream ended inside a member (the data before the cut is delivered).
 * Returns -1, with nothing allocated, when the file cannot be opened or on a read or gzip
 * error. */
int rt_read_upto(const char *path, int64_t max, const char *what, unsigned char **out,
                 int64_t *have, int *cut, char *err, size_t errlen);

/* prep.c.  Copies of names[0..n) in a calloc'ed array (one slot when n is 0), to be released
 * with rt_classes_free; NULL when out of memory. */
char **rt_classes_copy(const char *const *names, int n);

#endif
