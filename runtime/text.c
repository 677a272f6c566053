/* text.c - text from files dlc does not trust, on its way out (dlc_text.h): the escapers for
 * every context generated text lands in, C identifiers, and the strict UTF-8 decoder they and
 * the readers share (safetensors headers, CSV class names, SVG titles).  Strict: overlong
 * forms, surrogates and code points above U+10FFFF are not well-formed. */
#include <stdlib.h>
#include <string.h>

#include "dlc_rt.h"
#include "dlc_text.h"

size_t rt_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp_out) {
  unsigned c, cp, min;
  size_t len;
  if (n == 0) return 0;
  c = s[0];
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

/* ---- escaping ----------------------------------------------------------------------------- */

typedef struct {
  char *dst;
  size_t cap, len; /* len counts every byte the escaped text needs, written or not */
} Out;

static void put(Out *o, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++, o->len++)
    if (o->len + 1 < o->cap) o->dst[o->len] = s[i];
}

static void puts_(Out *o, const char *s) { put(o, s, strlen(s)); }

static void put_hex(Out *o, const char *fmt, unsigned v) {
  char b[16];
  int k = snprintf(b, sizeof b, fmt, v);
  put(o, b, (size_t)k);
}

/* One character of s (len bytes, code point cp; len 0: an invalid byte) for ctx. */
static void put_char(Out *o, const unsigned char *s, size_t len, uint32_t cp, RtEsc ctx, int prev) {
  int ctl = len == 1 && (cp < 0x20 || cp == 0x7F);
  switch (ctx) {
  case RT_ESC_C_STRING:
    if (len == 1 && !ctl && cp != '"' && cp != '\\' && cp != '?') put(o, (const char *)s, 1);
    else
      for (size_t i = 0; i < (len ? len : 1); i++) put_hex(o, "\\%03o", s[i]);
    return;
  case RT_ESC_C_COMMENT:
    if (!len || ctl) put_hex(o, "\\x%02X", s[0]);
    else {
      if ((cp == '/' && prev == '*') || (cp == '*' && prev == '/')) put(o, " ", 1);
      put(o, (const char *)s, len);
    }
    return;
  case RT_ESC_JSON:
    if (!len) puts_(o, "\xEF\xBF\xBD");
    else if (cp == '"' || cp == '\\') put(o, "\\", 1), put(o, (const char *)s, 1);
    else if (cp < 0x20) put_hex(o, "\\u%04x", cp);
    else put(o, (const char *)s, len);
    return;
  case RT_ESC_XML:
    if (!len || cp < 0x20 || cp == 0x7F || cp == 0xFFFE || cp == 0xFFFF) put(o, "???", len ? len : 1); /* a '?' a byte */
    else if (cp == '&') puts_(o, "&amp;");
    else if (cp == '<') puts_(o, "&lt;");
    else if (cp == '>') puts_(o, "&gt;");
    else if (cp == '"') puts_(o, "&quot;");
    else if (cp == '\'') puts_(o, "&apos;");
    else put(o, (const char *)s, len);
    return;
  case RT_ESC_DOT:
    if (!len || (ctl && cp != '\n')) put(o, "?", 1);
    else if (cp == '\n') puts_(o, "\\n");
    else if (cp == '"' || cp == '\\') put(o, "\\", 1), put(o, (const char *)s, 1);
    else put(o, (const char *)s, len);
    return;
  case RT_ESC_TERM:
  case RT_ESC_LINE:
    if (!len || (ctl && (ctx == RT_ESC_LINE || (cp != '\n' && cp != '\t')))) put_hex(o, "\\x%02X", s[0]);
    else if (cp >= 0x80 && cp <= 0x9F) put_hex(o, "\\u%04X", cp);
    else put(o, (const char *)s, len);
    return;
  }
}

size_t rt_escape_n(char *dst, size_t cap, const char *s, size_t n, RtEsc ctx) {
  Out o = {dst, cap, 0};
  const unsigned char *u = (const unsigned char *)s;
  int prev = 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp = 0;
    size_t len = rt_utf8_seq(u + i, n - i, &cp);
    put_char(&o, u + i, len, cp, ctx, prev);
    prev = len == 1 ? (int)cp : 0;
    i += len ? len : 1;
  }
  if (cap) dst[o.len < cap ? o.len : cap - 1] = 0;
  return o.len;
}

char *rt_escape(const char *s, RtEsc ctx) {
  size_t n = strlen(s), need = rt_escape_n(NULL, 0, s, n, ctx);
  char *r = malloc(need + 1);
  if (r) rt_escape_n(r, need + 1, s, n, ctx);
  return r;
}

int rt_fputs_escaped(const char *s, RtEsc ctx, FILE *f) {
  char buf[512];
  size_t n = strlen(s), need = rt_escape_n(buf, sizeof buf, s, n, ctx);
  if (need < sizeof buf) return fputs(buf, f) < 0 ? EOF : 0;
  char *r = rt_escape(s, ctx);
  int st = r ? fputs(r, f) : EOF;
  free(r);
  return st < 0 ? EOF : 0;
}

const char *rt_shown(char *buf, size_t cap, const char *s) {
  size_t n = strlen(s), out = 0;
  if (rt_escape_n(buf, cap, s, n, RT_ESC_LINE) < cap) return buf; /* it fits whole */
  for (size_t i = 0, len; i < n; i += len) {
    len = rt_utf8_seq((const unsigned char *)s + i, n - i, NULL);
    len = len ? len : 1;
    size_t need = rt_escape_n(NULL, 0, s + i, len, RT_ESC_LINE);
    size_t rest = i + len < n ? 3 : 0; /* room for "..." unless this is the last character */
    if (out + need + rest + 1 > cap) {
      memcpy(buf + out, "...", 4);
      return buf;
    }
    rt_escape_n(buf + out, cap - out, s + i, len, RT_ESC_LINE);
    out += need;
  }
  buf[out] = 0;
  return buf;
}

char *rt_c_ident(const char *s) {
  size_t n = strlen(s);
  int lead = n == 0 || (s[0] >= '0' && s[0] <= '9');
  char *r = malloc(n + (size_t)lead + 1);
  if (!r) return NULL;
  r[0] = '_';
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    r[i + (size_t)lead] = ok ? c : '_';
  }
  r[n + (size_t)lead] = 0;
  return r;
}
