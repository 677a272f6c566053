/* csv.c - libFuzzer target: the CSV loader (rt_load_csv), plain and gzip.
 *
 * Input: a flags byte, a label byte, then the text.  Flags: bit 0 the text is gzip-compressed
 * here (bit 3: as two members), bit 1 float labels (regression), bits 4-5 the label column:
 * 0 none, 1 the label byte as a 1-based number, 2 a name picked by the label byte from a list
 * of the fixtures' column names, 3 the label byte's decimal digits looked up as a name or a
 * number.  Oracles besides the sanitizers: fz_check_data; class names of a loaded file
 * renumber to themselves (rt_data_match_classes) and survive the metadata round trip. */
#define _POSIX_C_SOURCE 200809L
#include "dlc_data.h"
#include "fuzz_util.h"

static const char *const NAMES[] = {"label", "species", "y", "a", "b", "x1", "kind", "animal",
                                    "", "\xc3\xa9", "a, with comma"};
#define NNAMES (sizeof NAMES / sizeof NAMES[0])

static void check_classes(RtData *d) {
  static char err[512];
  if (!d->class_names)
    return;
  char *meta = rt_classes_to_meta((const char *const *)d->class_names, d->classes);
  char **names = NULL;
  int n = 0;
  FZ_ASSERT(meta && !rt_classes_from_meta(meta, &names, &n, err, sizeof err));
  FZ_ASSERT(n == d->classes);
  for (int k = 0; k < n; k++)
    FZ_ASSERT(!strcmp(names[k], d->class_names[k]));
  int32_t first = d->y[0];
  FZ_ASSERT(!rt_data_match_classes(d, "fuzz", (const char *const *)names, n, err, sizeof err));
  FZ_ASSERT(d->y[0] == first);
  rt_classes_free(names, n);
  free(meta);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char err[512];
  char num[8];
  if (size < 2)
    return 0;
  unsigned flags = data[0], sel = data[1];
  data += 2, size -= 2;
  const char *path = fz_part(0, data, size, flags & 1 ? (flags & 8 ? 2 : 1) : 0);
  const char *label = NULL;
  switch (flags >> 4 & 3) {
  case 1:
  case 3:
    snprintf(num, sizeof num, "%u", (flags >> 4 & 3) == 1 ? sel % 8 + 1 : sel);
    label = num;
    break;
  case 2:
    label = NAMES[sel % NNAMES];
    break;
  }
  RtData d;
  err[0] = '\0';
  int rc = rt_load_csv(path, label, flags >> 1 & 1, &d, err, sizeof err);
  fz_check_data(&d, rc, err, path);
  if (!rc) {
    FZ_ASSERT(!label == (!d.y && !d.yf));
    check_classes(&d);
  }
  rt_data_free(&d);
  return 0;
}
