/* fileio.h - the runtime's file plumbing, internal: not one of the headers dlc train embeds
 * for generated nets (dlc_rt.h, dlc_train.h, dlc_data.h), but linked into dlc_rt and usable by
 * the dlc executable, which links the runtime whole.
 *
 *   rt_open_regular    open a file for reading that must be a regular file: a FIFO, device,
 *                      socket or directory is refused at once instead of blocking or being
 *                      read as garbage
 *   rt_write_atomic    write a file through a callback so that a reader sees the old file or
 *                      the whole new one, never a part, even across a crash
 *   rt_rename_durable  the rename-then-fsync-the-directory step alone, for a temporary file
 *                      written by someone else (the build cache's .so, written by clang)
 *   rt_fsync_path      fsync a file or directory by name
 *
 * Every function that can fail returns non-zero and writes one line into err (when err is
 * not NULL) that starts with the path concerned and names the step that failed. */
#ifndef DLC_FILEIO_H
#define DLC_FILEIO_H

#include <stddef.h>
#include <stdio.h>

/* The runtime's one way to report a failure: printf into err[0..errlen) (nothing when err is
 * NULL or errlen 0). */
void rt_set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Open path read-only and return the descriptor (close-on-exec, blocking), or -1 with a
 * message: "PATH: cannot open: REASON" or "PATH: not a regular file (a FIFO)" (a directory,
 * a character device, ...).  The open itself uses O_NONBLOCK, so a FIFO without a writer
 * cannot block it; the flag is cleared once fstat has shown a regular file. */
int rt_open_regular(const char *path, char *err, size_t errlen);

/* Write path atomically: a new temporary file "PATH.tmp.PID.K" beside it (same directory,
 * so the rename cannot cross file systems), filled by writer(fp, ctx), flushed, fsynced and
 * closed, renamed over path, then the directory is fsynced so the new name is durable.
 * writer returns 0, or non-zero on failure (with errno set when it has a reason).
 * Mode: the file path replaces keeps its permission bits (when it is a regular file); a new
 * file gets what open(2) gives 0666 under the process's umask (and any default ACL), as
 * any newly created file would.  The temporary file is made with open(O_CREAT | O_EXCL) and
 * that mode rather than mkstemp (always 0600) plus fchmod, which would need the umask, and
 * reading it means setting it: a process-wide race.
 * On failure before the rename the temporary file is removed and path is untouched; the
 * message says which step failed: "PATH: not written: the write failed: No space left on
 * device".  If only the final directory fsync fails the file is in place (the message says
 * so) but -1 is still returned, since durability was asked for.
 * A path that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is written in
 * place: renaming over it would replace the device or FIFO by a regular file.  A directory is
 * refused.  (A symbolic link is followed for that test; a link to a regular file is replaced
 * by the new file, as rename does.) */
int rt_write_atomic(const char *path, int (*writer)(FILE *fp, void *ctx), void *ctx, char *err,
                    size_t errlen);

/* rename(tmp, path), then fsync of path's directory.  0 on success; -1 when the rename failed
 * (tmp is left where it was, errno is rename's); -2 when the rename happened but the
 * directory fsync failed.  The message names path and the step. */
int rt_rename_durable(const char *tmp, const char *path, char *err, size_t errlen);

/* fsync the file or directory at path (opened read-only).  A file system that cannot sync a
 * directory (EINVAL, ENOTSUP) counts as success.  0, or -1 with errno set. */
int rt_fsync_path(const char *path);

#endif
