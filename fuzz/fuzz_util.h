/* fuzz_util.h - what the reader targets share (header-only, so a target is one .c file).
 *
 * The runtime's loaders read paths, not memory, so the input becomes files: each slot is a
 * file created once per process in $TMPDIR (else /dev/shm, else /tmp), unlinked at once and
 * named /proc/self/fd/N, so a crash or a timeout leaves nothing behind; every input
 * truncates and rewrites it.  fz_gzip compresses part of an input in the target: the fuzzer
 * alone rarely makes a valid deflate stream with a matching CRC-32, so without it the
 * loaders' gzip path would only ever see corrupt data.  Any failure of this plumbing aborts
 * (it is not a finding about the code under test, but must not pass silently either). */
#ifndef DLC_FUZZ_UTIL_H
#define DLC_FUZZ_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_SLOTS 4

/* Path of slot `slot`, now holding exactly p[0..n). */
static inline const char *fz_file(int slot, const void *p, size_t n) {
  static int fds[FZ_SLOTS] = {-1, -1, -1, -1};
  static char paths[FZ_SLOTS][32];
  if (fds[slot] < 0) {
    const char *dir = getenv("TMPDIR");
    char t[4096];
    if (!dir || !*dir)
      dir = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm"; /* tmpfs: 5x the executions */
    snprintf(t, sizeof t, "%s/dlc-fuzz-XXXXXX", dir);
    if ((fds[slot] = mkstemp(t)) < 0 || unlink(t))
      abort();
    snprintf(paths[slot], sizeof paths[slot], "/proc/self/fd/%d", fds[slot]);
  }
  if (ftruncate(fds[slot], 0))
    abort();
  for (size_t done = 0; done < n;) {
    ssize_t w = pwrite(fds[slot], (const char *)p + done, n - done, (off_t)done);
    if (w <= 0)
      abort();
    done += (size_t)w;
  }
  return paths[slot];
}

/* Appends p[0..n) to *out as one gzip member (deflate level 6, no name, mtime 0). */
static inline void fz_member(unsigned char **out, size_t *len, const void *p, size_t n) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    abort();
  size_t cap = *len + deflateBound(&z, (uLong)n) + 64;
  unsigned char *q = realloc(*out, cap);
  if (!q)
    abort();
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)n;
  z.next_out = q + *len;
  z.avail_out = (uInt)(cap - *len);
  if (deflate(&z, Z_FINISH) != Z_STREAM_END)
    abort();
  *len = (size_t)(z.next_out - q);
  *out = q;
  deflateEnd(&z);
}

/* p[0..n) gzip-compressed, malloc'ed: one member, or two split in the middle (members 2). */
static inline unsigned char *fz_gzip(const void *p, size_t n, int members, size_t *len) {
  unsigned char *out = NULL;
  size_t cut = members == 2 ? n / 2 : n;
  *len = 0;
  fz_member(&out, len, p, cut);
  if (members == 2)
    fz_member(&out, len, (const char *)p + cut, n - cut);
  return out;
}

/* The input's part p[0..n) as a file in slot: as given, or gzip-compressed (gz 1 or 2 members). */
static inline const char *fz_part(int slot, const void *p, size_t n, int gz) {
  if (!gz)
    return fz_file(slot, p, n);
  size_t len;
  unsigned char *z = fz_gzip(p, n, gz, &len);
  const char *path = fz_file(slot, z, len);
  free(z);
  return path;
}

/* An invariant of the code under test broke: say which and crash, so libFuzzer keeps the input. */
#define FZ_ASSERT(cond)                                                                            \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);                \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* A message starts with "PATH: ". */
static inline int fz_names(const char *msg, const char *path) {
  size_t k = strlen(path);
  return !strncmp(msg, path, k) && msg[k] == ':';
}

#ifdef DLC_DATA_H
/* What a loader promises (dlc_data.h): refused -> d zeroed and a one-line message starting with
 * the file's path; loaded -> every array consistent with the counts. */
static inline void fz_check_data(const RtData *d, int rc, const char *err, const char *path) {
  if (rc) {
    FZ_ASSERT(!d->n && !d->dim && !d->x && !d->y && !d->yf && !d->class_names && !d->classes);
    FZ_ASSERT(fz_names(err, path) && !strchr(err, '\n'));
    return;
  }
  FZ_ASSERT(d->n > 0 && d->dim > 0 && d->x && d->n * d->dim <= RT_DATA_MAX_VALUES);
  FZ_ASSERT(!d->h || (int64_t)d->c * d->h * d->w == d->dim);
  FZ_ASSERT(!d->yf || (d->ydim == 1 && !d->y));
  FZ_ASSERT(!d->class_names || (d->y && d->classes > 0 && d->classes <= RT_MAX_CLASSES));
  for (int64_t i = 0; d->y && i < d->n; i++)
    FZ_ASSERT(d->y[i] >= 0 && d->y[i] < d->classes);
  for (int k = 0; d->class_names && k < d->classes; k++)
    FZ_ASSERT(d->class_names[k] && d->class_names[k][0]);
  for (int64_t i = 0; i < d->n * d->dim; i++)
    FZ_ASSERT(isfinite(d->x[i]));
  for (int64_t i = 0; d->yf && i < d->n; i++)
    FZ_ASSERT(isfinite(d->yf[i]));
}
#endif

#endif
