/* idx.c - libFuzzer target: the IDX loader (rt_load_idx), plain and gzip, images and labels.
 *
 * Input: a flags byte, the images part's length (2 bytes, little-endian, capped at what is
 * left), the images part, then the labels part.  Flags: bit 0 a labels file is given (the
 * rest of the input), bit 1 the images part is gzip-compressed here, bit 2 the labels part
 * is, bit 3 compression makes two gzip members instead of one.  A part given as is may still
 * be gzip (the seeds hold the .gz fixtures raw), which reaches the corrupt-stream paths.
 * Oracles besides the sanitizers: fz_check_data (a refusal zeroes the data and names the
 * file; loaded data is consistent: geometry, labels within classes, finite values). */
#define _POSIX_C_SOURCE 200809L
#include "dlc_data.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char err[512];
  if (size < 3)
    return 0;
  unsigned flags = data[0];
  size_t nimg = (size_t)data[1] | (size_t)data[2] << 8;
  data += 3, size -= 3;
  nimg = nimg < size ? nimg : size;
  int members = flags & 8 ? 2 : 1;
  const char *images = fz_part(0, data, nimg, flags & 2 ? members : 0);
  const char *labels =
      flags & 1 ? fz_part(1, data + nimg, size - nimg, flags & 4 ? members : 0) : NULL;
  RtData d;
  err[0] = '\0';
  int rc = rt_load_idx(images, labels, &d, err, sizeof err);
  /* a refusal names the images file or the labels file */
  fz_check_data(&d, rc, err, rc && labels && fz_names(err, labels) ? labels : images);
  if (!rc)
    FZ_ASSERT(!labels == !d.y && (!labels || d.classes > 0));
  if (!rc && d.y)
    FZ_ASSERT(rt_data_check(&d, "fuzz", d.dim, d.classes, err, sizeof err) == 0);
  rt_data_free(&d);
  return 0;
}
