/* test_text.c - unit tests of runtime/text.c's escapers (dlc_text.h): known answers for each
 * context, then properties over 20,000 random byte strings: C string literals decode back to
 * the exact bytes and are printable ASCII; comments never hold a star-slash pair or a control;
 * JSON, XML, DOT and terminal text hold no raw character their context gives a meaning to and
 * are well-formed UTF-8.  Exits non-zero and prints each failed check. */
#include "dlc_rt.h"
#include "dlc_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"

static void known(const char *in, RtEsc ctx, const char *want) {
  char *got = rt_escape(in, ctx);
  CHECK(got && strcmp(got, want) == 0, "context %d: got [%s], want [%s]", (int)ctx, got ? got : "(null)", want);
  free(got);
}

static void test_known(void) {
  known("net.0.weight", RT_ESC_C_STRING, "net.0.weight");
  known("a\"b\\c?", RT_ESC_C_STRING, "a\\042b\\134c\\077");
  known("x\n\x01\xC3\xA9", RT_ESC_C_STRING, "x\\012\\001\\303\\251");
  known("*/ x = 1; /*", RT_ESC_C_COMMENT, "* / x = 1; / *");
  known("a**//b", RT_ESC_C_COMMENT, "a** //b");
  known("l\xC3\xA9n\n\xFF", RT_ESC_C_COMMENT, "l\xC3\xA9n\\x0A\\xFF");
  known("q\"\\\t\x1F\xC3\xA9\xFF", RT_ESC_JSON, "q\\\"\\\\\\u0009\\u001f\xC3\xA9\xEF\xBF\xBD");
  known("<a href='x'>&\"</a>\x01\xEF\xBF\xBE", RT_ESC_XML, "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;????"); /* U+FFFE: a '?' a byte */
  known("a\"\\N\nb\x02", RT_ESC_DOT, "a\\\"\\\\N\\nb?");
  known("red\x1B[31m\xC2\x85ok\n\t\xFF", RT_ESC_TERM, "red\\x1B[31m\\u0085ok\n\t\\xFF");
  known("red\x1B[31m\xC2\x85ok\n\t\xFF", RT_ESC_LINE, "red\\x1B[31m\\u0085ok\\x0A\\x09\\xFF");
  char small[8];
  size_t need = rt_escape_n(small, sizeof small, "\"\"\"\"", 4, RT_ESC_C_STRING);
  CHECK(need == 16 && strlen(small) == 7, "truncation: need %zu, wrote %zu", need, strlen(small));
  char sb[12];
  CHECK(strcmp(rt_shown(sb, sizeof sb, "short"), "short") == 0, "%s", sb);
  CHECK(strcmp(rt_shown(sb, sizeof sb, "a\nb"), "a\\x0Ab") == 0, "one line: %s", sb);
  CHECK(strcmp(rt_shown(sb, sizeof sb, "abcdefghijk"), "abcdefghijk") == 0, "%s", sb);
  CHECK(strcmp(rt_shown(sb, sizeof sb, "abcdefghijkl"), "abcdefgh...") == 0, "%s", sb);
  CHECK(strcmp(rt_shown(sb, sizeof sb, "ab\x1b[2Jcdef"), "ab\\x1B[2...") == 0, "%s", sb);
  CHECK(strcmp(rt_shown(sb, sizeof sb, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"), "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9...") == 0,
        "%s", sb);
  char *id = rt_c_ident("net.0.weight");
  CHECK(strcmp(id, "net_0_weight") == 0, "%s", id);
  free(id);
  id = rt_c_ident("0x");
  CHECK(strcmp(id, "_0x") == 0, "%s", id);
  free(id);
  id = rt_c_ident("");
  CHECK(strcmp(id, "_") == 0, "%s", id);
  free(id);
  id = rt_c_ident("*/\"\xC3\xA9");
  CHECK(strcmp(id, "_____") == 0, "%s", id);
  free(id);
}

/* The bytes a C string literal's contents stand for (only the escapes RT_ESC_C_STRING makes). */
static size_t c_decode(const char *s, unsigned char *out) {
  size_t n = 0;
  while (*s) {
    if (*s != '\\') {
      out[n++] = (unsigned char)*s++;
      continue;
    }
    CHECK(s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7',
          "not a 3-digit octal escape: %.4s", s);
    out[n++] = (unsigned char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
    s += 4;
  }
  return n;
}

static int well_formed(const char *s) {
  size_t n = strlen(s);
  for (size_t i = 0, len; i < n; i += len)
    if (!(len = rt_utf8_seq((const unsigned char *)s + i, n - i, NULL))) return 0;
  return 1;
}

static void test_random(void) {
  unsigned char in[64], back[64];
  uint64_t x = 88172645463325252ull;
  for (int it = 0; it < 20000; it++) {
    size_t n = 0;
    int len = (int)(x % 40);
    for (int i = 0; i < len; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      unsigned char c = (unsigned char)x;
      if (c == 0) c = '*';
      if (x >> 60 < 6) c = (unsigned char)"*/\"\\?\n<&"[(x >> 20) % 8]; /* the dangerous ones often */
      in[n++] = c;
    }
    in[n] = 0;
    char *s = rt_escape((const char *)in, RT_ESC_C_STRING);
    CHECK(c_decode(s, back) == n && memcmp(back, in, n) == 0, "C string round trip of %zu bytes", n);
    for (char *p = s; *p; p++) CHECK(*p >= 0x20 && *p < 0x7F && *p != '"' && *p != '?', "byte 0x%02X", (unsigned char)*p);
    CHECK(!strstr(s, "\\\n"), "line splice");
    free(s);
    s = rt_escape((const char *)in, RT_ESC_C_COMMENT);
    CHECK(!strstr(s, "*/") && !strstr(s, "/*"), "comment closes: %s", s);
    for (char *p = s; *p; p++) CHECK((unsigned char)*p >= 0x20 && *p != 0x7F, "control in a comment");
    CHECK(well_formed(s), "comment UTF-8");
    free(s);
    s = rt_escape((const char *)in, RT_ESC_JSON);
    for (char *p = s; *p; p++) {
      CHECK((unsigned char)*p >= 0x20, "control in JSON");
      if (*p == '\\') p++; /* the escaped character */
      else CHECK(*p != '"', "raw quote in JSON: %s", s);
    }
    CHECK(well_formed(s), "JSON UTF-8");
    free(s);
    s = rt_escape((const char *)in, RT_ESC_XML);
    CHECK(!strpbrk(s, "<>\"'"), "raw markup in XML: %s", s);
    for (char *p = strchr(s, '&'); p; p = strchr(p + 1, '&'))
      CHECK(!strncmp(p, "&amp;", 5) || !strncmp(p, "&lt;", 4) || !strncmp(p, "&gt;", 4) || !strncmp(p, "&quot;", 6) ||
                !strncmp(p, "&apos;", 6), "bare & in XML");
    CHECK(well_formed(s), "XML UTF-8");
    free(s);
    s = rt_escape((const char *)in, RT_ESC_DOT);
    for (char *p = s; *p; p++) {
      CHECK((unsigned char)*p >= 0x20, "control in DOT");
      if (*p == '\\') {
        CHECK(p[1] == '\\' || p[1] == '"' || p[1] == 'n', "DOT escape \\%c", p[1]);
        p++;
      } else {
        CHECK(*p != '"', "raw quote in DOT");
      }
    }
    free(s);
    s = rt_escape((const char *)in, RT_ESC_TERM);
    for (char *p = s; *p; p++) CHECK((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t', "control reaches the terminal");
    CHECK(well_formed(s) && !strstr(s, "\xC2\x9B"), "terminal text");
    free(s);
  }
}

int main(void) {
  test_known();
  test_random();
  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  else printf("test_text: all checks passed\n");
  return failures != 0;
}
