/* text.c - UTF-8 decoding shared by the runtime's readers and writers (safetensors headers,
 * CSV class names, SVG titles).  Strict: overlong forms, surrogates and code points above
 * U+10FFFF are not well-formed. */
#include "dlc_rt.h"

size_t rt_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp_out) {
  unsigned c = s[0], cp, min;
  size_t len;
  if (n == 0) return 0;
  if (c < 0x80) {
    if (cp_out) *cp_out = c;
    return 1;
  }
  if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  if (cp_out) *cp_out = cp;
  return len;
}
