/* augment_test.c - the training-image augmentation of runtime/prep.c (dlc_data.h):
 *   - rt_augment_parse takes "none" and comma lists of hflip, crop:P, shift (any order, each
 *     once) and refuses everything else; rt_augment_str gives the canonical text back;
 *   - rt_translate moves a c x h x w image by (dy, dx) with zero fill;
 *   - crop:P gives, per sample, the image translated by an offset in [-P, P]^2 (torchvision's
 *     RandomCrop(size, padding = P): a window at [0, 2P]^2 of the padded image), every one of
 *     the (2P + 1)^2 offsets about equally often over many samples, the same one for the same
 *     (seed, epoch, sample), another for another epoch or seed;
 *   - shift moves by at most max(1, h / 10) rows and max(1, w / 10) columns, all of them seen;
 *   - hflip alone is exactly the flip rt_hflip_draw says (the draws of older runs are kept).
 * Exits 0, or 1 after saying what is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc_data.h"

static int failures;

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "FAIL %s\n", what);
    failures++;
  }
}

enum { C = 2, H = 28, W = 21 };

static void image(float *x) {
  for (int i = 0; i < C * H * W; i++) x[i] = (float)(i + 1);
}

/* The (dy, dx), |dy| <= ky + 1 and |dx| <= kx + 1, by which y is the image translated (zero
 * fill), or 0 when it is no such translation. */
static int offset_of(const float *y, int ky, int kx, int *dy, int *dx) {
  static float x[C * H * W], t[C * H * W], scratch[H * W];
  image(x);
  for (int a = -ky - 1; a <= ky + 1; a++)
    for (int b = -kx - 1; b <= kx + 1; b++) {
      memcpy(t, x, sizeof t);
      rt_translate(t, C, H, W, a, b, scratch);
      if (!memcmp(t, y, sizeof t)) return *dy = a, *dx = b, 1;
    }
  return 0;
}

static void test_parse(void) {
  static const char *const good[][2] = {{"none", "none"}, {"hflip", "hflip"}, {"crop:4", "crop:4"},
                                        {"shift", "shift"}, {"hflip,crop:4", "hflip,crop:4"},
                                        {"shift,crop:12,hflip", "hflip,crop:12,shift"}, {"crop:1024,shift", "crop:1024,shift"}};
  static const char *const bad[] = {"", "hflip,", ",hflip", "crop", "crop:", "crop:0", "crop:01", "crop:1025", "crop:-1",
                                    "crop:4x", "hflip,hflip", "crop:2,crop:3", "none,hflip", "HFLIP", "hflip shift", "flip"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    RtAugment a;
    char buf[64];
    int ok = rt_augment_parse(good[i][0], &a) == 0;
    if (ok) rt_augment_str(&a, buf, sizeof buf);
    if (!ok || strcmp(buf, good[i][1])) fprintf(stderr, "FAIL parse \"%s\"\n", good[i][0]), failures++;
  }
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    RtAugment a = {7, 7, 7};
    if (rt_augment_parse(bad[i], &a) == 0 || a.hflip != 7) fprintf(stderr, "FAIL accepted \"%s\"\n", bad[i]), failures++;
  }
}

static void test_translate(void) {
  float x[2 * 3 * 4], s[12];
  for (int i = 0; i < 24; i++) x[i] = (float)(i + 1);
  rt_translate(x, 2, 3, 4, 1, -2, s); /* out[y][x] = in[y + 1][x - 2] */
  static const float want[24] = {0, 0, 5, 6, 0, 0, 9, 10, 0, 0, 0, 0, 0, 0, 17, 18, 0, 0, 21, 22, 0, 0, 0, 0};
  check(!memcmp(x, want, sizeof want), "rt_translate by (1, -2)");
}

/* Over many samples: every offset the kind allows, each seen, none beyond. */
static void test_offsets(RtAugment a, int ky, int kx, const char *what) {
  static int seen[2 * H + 1][2 * W + 1];
  static float x[C * H * W], scratch[H * W];
  memset(seen, 0, sizeof seen);
  int n = 3000, bad = 0;
  for (int s = 0; s < n; s++) {
    int dy, dx, dy2, dx2;
    image(x);
    rt_augment(x, C, H, W, &a, 5, 2, s, scratch);
    if (!offset_of(x, ky, kx, &dy, &dx) || dy < -ky || dy > ky || dx < -kx || dx > kx) {
      bad++;
      continue;
    }
    seen[dy + H][dx + W]++;
    image(x);
    rt_augment(x, C, H, W, &a, 5, 2, s, scratch); /* the same draw again */
    bad += !offset_of(x, ky, kx, &dy2, &dx2) || dy2 != dy || dx2 != dx;
  }
  int missing = 0, lo = n, hi = 0;
  for (int dy = -ky; dy <= ky; dy++)
    for (int dx = -kx; dx <= kx; dx++) {
      int c = seen[dy + H][dx + W];
      missing += c == 0, lo = c < lo ? c : lo, hi = c > hi ? c : hi;
    }
  if (bad || missing || hi > 3 * lo)
    fprintf(stderr, "FAIL %s: %d bad, %d offsets never drawn, counts %d to %d\n", what, bad, missing, lo, hi), failures++;
  /* another epoch, another seed: other offsets */
  int differ = 0;
  for (int s = 0; s < 50; s++) {
    float y[C * H * W];
    image(x), image(y);
    rt_augment(x, C, H, W, &a, 5, 2, s, scratch);
    rt_augment(y, C, H, W, &a, 5, 3, s, scratch);
    differ += memcmp(x, y, sizeof y) != 0;
    image(y);
    rt_augment(y, C, H, W, &a, 6, 2, s, scratch);
    differ += memcmp(x, y, sizeof y) != 0;
  }
  if (differ < 80) fprintf(stderr, "FAIL %s: epoch and seed change only %d of 100 draws\n", what, differ), failures++;
}

static void test_hflip(void) {
  static float x[C * H * W], y[C * H * W], scratch[H * W];
  RtAugment a = {1, 0, 0};
  int flips = 0;
  for (int s = 0; s < 200; s++) {
    image(x), image(y);
    rt_augment(x, C, H, W, &a, 9, 4, s, scratch);
    int f = rt_hflip_draw(9, 4, s);
    if (f) rt_hflip(y, C, H, W);
    flips += f;
    check(!memcmp(x, y, sizeof x), "hflip alone is rt_hflip_draw's flip");
  }
  check(flips > 60 && flips < 140, "about half the samples flipped");
}

int main(void) {
  test_parse();
  test_translate();
  test_offsets((RtAugment){0, 3, 0}, 3, 3, "crop:3");
  test_offsets((RtAugment){0, 1, 0}, 1, 1, "crop:1");
  test_offsets((RtAugment){0, 0, 1}, H / 10, W / 10, "shift");
  test_hflip();
  if (!failures) printf("augment: parse, translate, crop, shift and hflip as documented\n");
  return failures != 0;
}
