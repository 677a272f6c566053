/* fileio.c - opening files for reading safely, and the one atomic-write path of the runtime
 * (checkpoints, SVG reports) and of dlc train's build cache.  See fileio.h.
 *
 * Invariants.  A reader never blocks in open(2) on a FIFO and never reads a non-regular file.
 * An atomic write either leaves the target as it was and no temporary file behind, or
 * replaces the target with a complete, fsynced file whose new name has been fsynced in its
 * directory.  Messages are one line and start with the target's path. */
#define _POSIX_C_SOURCE 200809L
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void rt_set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

static const char *kind_of(mode_t m) {
  return S_ISDIR(m)    ? "a directory"
         : S_ISFIFO(m) ? "a FIFO"
         : S_ISCHR(m)  ? "a character device"
         : S_ISBLK(m)  ? "a block device"
         : S_ISSOCK(m) ? "a socket"
                       : "not a file";
}

int rt_open_regular(const char *path, char *err, size_t errlen) {
  struct stat st;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    rt_set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  if (fstat(fd, &st)) {
    rt_set_err(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    rt_set_err(err, errlen, "%s: not a regular file (%s)", path, kind_of(st.st_mode));
  } else {
    int fl = fcntl(fd, F_GETFL);
    if (fl != -1 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != -1)
      return fd;
    rt_set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
  }
  int e = errno;
  close(fd);
  errno = e;
  return -1;
}

int rt_fsync_path(const char *path) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return -1;
  int rc = fsync(fd), e = errno;
  if (rc && (e == EINVAL || e == ENOTSUP))
    rc = 0; /* file systems that cannot sync a directory */
  close(fd);
  errno = e;
  return rc;
}

/* The directory holding path: "." for a bare name, "/" for a file in the root. */
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return strdup(".");
  return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

int rt_rename_durable(const char *tmp, const char *path, char *err, size_t errlen) {
  if (rename(tmp, path)) {
    int e = errno;
    rt_set_err(err, errlen, "%s: not written: the rename failed: %s", path, strerror(e));
    errno = e;
    return -1;
  }
  char *dir = dir_of(path);
  errno = ENOMEM;
  if (!dir || rt_fsync_path(dir)) {
    int e = errno;
    rt_set_err(err, errlen, "%s: written, but the fsync of its directory failed: %s", path,
            strerror(e));
    free(dir);
    errno = e;
    return -2;
  }
  free(dir);
  return 0;
}

/* A new file beside path, created with O_EXCL and mode 0666 (less the umask); its name goes
 * to tmp.  -1 with errno on failure. */
static int create_temp(const char *path, char *tmp, size_t len) {
  int fd = -1;
  for (int i = 0; fd < 0 && i < 1000; i++) {
    snprintf(tmp, len, "%s.tmp.%ld.%d", path, (long)getpid(), i);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST)
      return -1;
  }
  return fd;
}

/* Fill, flush, fsync and close the temporary file; the name of the step that failed, or NULL
 * (errno then says why).  The descriptor is closed either way. */
static const char *fill(int fd, const char *path, int (*writer)(FILE *, void *), void *ctx) {
  struct stat st;
  if (!stat(path, &st) && S_ISREG(st.st_mode) && fchmod(fd, st.st_mode & 07777)) {
    int e = errno;
    close(fd);
    errno = e;
    return "chmod";
  }
  FILE *fp = fdopen(fd, "wb");
  if (!fp) {
    int e = errno;
    close(fd);
    errno = e;
    return "open";
  }
  errno = 0;
  const char *failed = writer(fp, ctx) || ferror(fp) ? "write"
                       : fflush(fp)                 ? "write"
                       : fsync(fd)                  ? "fsync"
                                                    : NULL;
  int e = errno;
  if (fclose(fp) && !failed)
    failed = "close", e = errno;
  errno = e;
  return failed;
}

/* path exists and is not a regular file (a device such as /dev/null or /dev/stdout, a FIFO):
 * there is no file to keep whole, and renaming over it would replace the device itself (as
 * root, /dev/null by a regular file), so it is written in place.  A directory is refused. */
static int write_in_place(const char *path, const struct stat *st, int (*writer)(FILE *, void *), void *ctx,
                          char *err, size_t errlen) {
  if (S_ISDIR(st->st_mode)) {
    rt_set_err(err, errlen, "%s: not written: it is a directory", path);
    return -1;
  }
  FILE *fp = fopen(path, "wb");
  if (!fp) {
    rt_set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  errno = 0;
  int bad = writer(fp, ctx) || ferror(fp) || fflush(fp), e = errno;
  if (fclose(fp) && !bad)
    bad = 1, e = errno;
  if (bad)
    rt_set_err(err, errlen, "%s: not written: the write failed: %s", path, e ? strerror(e) : "error");
  return bad ? -1 : 0;
}

int rt_write_atomic(const char *path, int (*writer)(FILE *fp, void *ctx), void *ctx, char *err,
                    size_t errlen) {
  struct stat st;
  if (!stat(path, &st) && !S_ISREG(st.st_mode))
    return write_in_place(path, &st, writer, ctx, err, errlen);
  size_t len = strlen(path) + 48;
  char *tmp = malloc(len);
  int fd = tmp ? create_temp(path, tmp, len) : -1;
  if (fd < 0) {
    rt_set_err(err, errlen, "%s: cannot create a temporary file beside it: %s", path,
            tmp ? strerror(errno) : "out of memory");
    free(tmp);
    return -1;
  }
  const char *failed = fill(fd, path, writer, ctx);
  int rc = -1;
  if (failed) {
    rt_set_err(err, errlen, "%s: not written: the %s failed: %s", path, failed,
            errno ? strerror(errno) : "error");
    unlink(tmp);
  } else if ((rc = rt_rename_durable(tmp, path, err, errlen)) == -1) {
    unlink(tmp);
  }
  free(tmp);
  return rc ? -1 : 0;
}
