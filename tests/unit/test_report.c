/* test_report.c - unit tests of runtime/report.c: ETA and progress-line formats (exact text, the
 * 80-column limit, parts dropped in order), the progress bar on a terminal (throttling, padding
 * over a longer line, erasing) and its silence elsewhere, epoch lines with and without
 * validation or accuracy, confusion matrices (numbered, named, cut names that collide, UTF-8
 * and control bytes in names, empty classes), and SVG curves: well-formed XML by a small checker
 * here (no xmllint needed), the expected elements and numbers, NaN and infinite entries skipped,
 * one epoch, zero and extreme ranges, escaping of the title, atomic replacement and refusals.
 * Works in a fresh directory under the current one, removed on success.
 * Exits non-zero and prints each failed check. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <ctype.h>
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../check.h"

static char dir[64];
static char err[512];

static const char *in_dir(const char *name) {
  static char buf[8][512];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

/* ---- capturing output ------------------------------------------------------------------- */

typedef struct {
  FILE *f;
  char *buf;
  size_t len;
} Capture;

static void cap_open(Capture *c) {
  c->buf = NULL;
  c->len = 0;
  c->f = open_memstream(&c->buf, &c->len);
  if (!c->f) {
    perror("open_memstream");
    exit(2);
  }
}

/* Closes the stream; the text stays in c->buf until free. */
static const char *cap_close(Capture *c) {
  fclose(c->f);
  return c->buf;
}

static int count(const char *s, const char *sub) {
  int n = 0;
  for (const char *p = s; (p = strstr(p, sub)); p += strlen(sub))
    n++;
  return n;
}

/* Display columns (UTF-8 characters) of each line: the widest, and whether all are equal. */
static int line_cols(const char *s, int *all_equal) {
  int max = 0, first = -1, cols = 0;
  *all_equal = 1;
  for (const char *p = s; *p; p++) {
    if (*p == '\n') {
      max = cols > max ? cols : max;
      if (first >= 0 && cols != first)
        *all_equal = 0;
      first = first < 0 ? cols : first;
      cols = 0;
    } else if (((unsigned char)*p & 0xC0) != 0x80) {
      cols++;
    }
  }
  return max;
}

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
    free(s);
    s = NULL;
  }
  if (s)
    s[n] = 0;
  fclose(f);
  return s;
}

/* ---- ETA and the progress line ---------------------------------------------------------- */

static void test_eta(void) {
  static const struct {
    double s;
    const char *want;
  } cases[] = {{0, "0:00"},       {12, "0:12"},      {59.6, "1:00"},    {754, "12:34"},
               {3599.4, "59:59"}, {3600, "1:00:00"}, {3723, "1:02:03"}, {360000, "100:00:00"},
               {-1, "-:--"},      {NAN, "-:--"},     {INFINITY, "-:--"}};
  char buf[24];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rt_format_eta(buf, sizeof buf, cases[i].s);
    CHECK(!strcmp(buf, cases[i].want), "ETA of %g s: got \"%s\", want \"%s\"", cases[i].s, buf,
          cases[i].want);
  }
}

static void check_line(int epoch, int epochs, int64_t step, int64_t steps, double loss, double rate,
                       double eta, const char *want) {
  char buf[RT_PROGRESS_COLS + 1];
  int n = rt_progress_format(buf, sizeof buf, epoch, epochs, step, steps, loss, rate, eta);
  CHECK(!strcmp(buf, want), "progress line\n got \"%s\"\nwant \"%s\"", buf, want);
  CHECK(n == (int)strlen(buf), "returned length %d, line has %zu", n, strlen(buf));
}

static void test_progress_format(void) {
  check_line(3, 10, 450, 937, 0.4321, 12345, 12,
             " epoch 3/10 [########---------] 450/937  loss 0.4321  12345 samples/s  ETA 0:12");
  check_line(1, 1, 0, 60, 2.302585, -1, -1,
             " epoch 1/1 [------------------------------]  0/60  loss 2.3026  ETA -:--");
  check_line(1, 1, 60, 60, NAN, 1e6, 0,
             " epoch 1/1 [#####################] 60/60  loss nan  1000000 samples/s  ETA 0:00");
  check_line(2, 5, 70, 60, 1.5e-7, 2e10, 3723,
             " epoch 2/5 [##############] 70/60  loss 1.500e-07  2e+10 samples/s  ETA 1:02:03");
  /* too wide for a bar of 8 with the rate: the rate goes first, then the bar */
  check_line(123456, 999999, 1234567, 60000000, 123456.0, 123456789, 3600 * 99,
             " epoch 123456/999999 [--------]  1234567/60000000  loss 1.235e+05  ETA 99:00:00");
  check_line(12345678, 99999999, 1234567890, 9000000000, -123456.0, 123456789, 3600 * 99,
             " epoch 12345678/99999999  1234567890/9000000000  loss -1.235e+05  ETA 99:00:00");
  /* and what still does not fit is cut at the limit */
  check_line(123456789, 999999999, 1234567890, 9000000000, -123456.0, 123456789, 3600 * 99,
             " epoch 123456789/999999999  1234567890/9000000000  loss -1.235e+05  ETA 99:00:0");
  char buf[RT_PROGRESS_COLS + 1], small[16];
  int n = rt_progress_format(buf, sizeof buf, 2147483647, 2147483647, INT64_MAX, INT64_MAX,
                             -DBL_MAX, 1e300, 1e11);
  CHECK(n <= RT_PROGRESS_COLS && n == (int)strlen(buf), "extreme line is %d columns", n);
  n = rt_progress_format(small, sizeof small, 3, 10, 450, 937, 0.4321, 12345, 12);
  CHECK(n == 15 && !strcmp(small, " epoch 3/10 [##"), "cut to the buffer: %d \"%s\"", n, small);
}

/* ---- the progress bar on a stream ------------------------------------------------------- */

static void test_progress_tty(void) {
  Capture c;
  RtProgress p;
  cap_open(&c);
  rt_progress_start(&p, c.f, 1, 1, 2, 100);
  rt_progress_step(&p, 1, 2.0, 32); /* first: drawn */
  rt_progress_step(&p, 2, 1.9, 64); /* within the period: skipped */
  rt_progress_step(&p, 3, 1.8, 96); /* likewise */
  p.drawn = rt_now() - 1;           /* as if a second had passed */
  rt_progress_step(&p, 50, 1.0, 1600);
  p.width = 90;                         /* as if a longer line were on screen */
  rt_progress_step(&p, 100, 0.5, 3200); /* the last step always draws, padding over it */
  int w = p.width;
  rt_progress_end(&p);
  const char *out = cap_close(&c);
  CHECK(count(out, "\r") == 5, "3 draws + erase (2 CRs), got %d CRs in \"%s\"", count(out, "\r"),
        out);
  CHECK(!strncmp(out, "\r epoch 1/2 [", 13), "starts with the bar: \"%.20s\"", out);
  CHECK(strstr(out, "  1/100  loss 2.0000") && !strstr(out, "loss 1.9000") &&
            strstr(out, " 50/100  loss 1.0000") && strstr(out, "100/100  loss 0.5000  "),
        "drawn steps 1, 50, 100 only: \"%s\"", out);
  CHECK(strstr(out, "ETA 0:00"), "last step has ETA 0:00");
  const char *last = strstr(out, "100/100");
  const char *eol = last ? strchr(last, '\r') : NULL;
  const char *bol = last ? last : out;
  while (bol > out && bol[-1] != '\r')
    bol--;
  CHECK(eol && eol - bol == 90, "last line padded to the 90 columns on screen: %d",
        eol ? (int)(eol - bol) : -1);
  char erase[RT_PROGRESS_COLS + 3];
  snprintf(erase, sizeof erase, "\r%*s\r", w, "");
  CHECK(w > 40 && w <= RT_PROGRESS_COLS, "bar width %d", w);
  size_t n = strlen(out), m = strlen(erase);
  CHECK(n >= m && !strcmp(out + n - m, erase), "ends by erasing the bar");
  CHECK(p.width == 0, "nothing on screen after end");
  free(c.buf);
}

static void test_progress_not_tty(void) {
  Capture c;
  RtProgress p;
  cap_open(&c);
  rt_progress_start(&p, c.f, 0, 1, 1, 10);
  for (int i = 1; i <= 10; i++)
    rt_progress_step(&p, i, 1.0 / i, i * 8);
  rt_progress_end(&p);
  const char *out = cap_close(&c);
  CHECK(c.len == 0, "not a terminal: nothing written, got \"%s\"", out);
  free(c.buf);
}

/* ---- epoch lines ------------------------------------------------------------------------ */

static void check_epoch(int e, int es, double tl, double ta, double vl, double va, double s,
                        const char *want) {
  Capture c;
  cap_open(&c);
  rt_print_epoch(c.f, e, es, tl, ta, vl, va, s);
  const char *out = cap_close(&c);
  CHECK(!strcmp(out, want), "epoch line\n got \"%s\"\nwant \"%s\"", out, want);
  free(c.buf);
}

static void test_epoch(void) {
  check_epoch(3, 10, 0.3124, 0.8876, 0.3301, 0.8790, 12.34,
              "epoch  3/10  train loss 0.3124 acc 0.8876  val loss 0.3301 acc 0.8790  12.3 s\n");
  check_epoch(1, 1, 0.5, 0.75, NAN, NAN, 1.0, "epoch 1/1  train loss 0.5000 acc 0.7500  1.0 s\n");
  check_epoch(2, 100, 12.5, NAN, 13.25, NAN, NAN,
              "epoch   2/100  train loss 12.5000  val loss 13.2500\n");
  check_epoch(7, 9, NAN, 0.1, NAN, 0.2, 0.04,
              "epoch 7/9  train loss nan acc 0.1000  val acc 0.2000  0.0 s\n");
  check_epoch(
      10, 10, 2.5e-9, 1, 1234567.0, 1, 75.25,
      "epoch 10/10  train loss 2.500e-09 acc 1.0000  val loss 1.235e+06 acc 1.0000  75.2 s\n");
}

/* ---- confusion matrix ------------------------------------------------------------------- */

static const char *confusion(const int64_t *cm, int k, const char *const *names, Capture *c) {
  cap_open(c);
  rt_print_confusion(c->f, cm, k, names);
  return cap_close(c);
}

static void test_confusion_numbered(void) {
  static const int64_t cm[9] = {5, 1, 0, 2, 7, 1, 0, 0, 0};
  Capture c;
  const char *out = confusion(cm, 3, NULL, &c);
  const char *want = "confusion matrix (rows: true class, columns: predicted)\n"
                     "true\\pred     0     1     2  recall\n"
                     "0             5     1     0   0.833\n"
                     "1             2     7     1   0.700\n"
                     "2             0     0     0       -\n"
                     "precision 0.714 0.875 0.000\n";
  CHECK(!strcmp(out, want), "numbered matrix\n got:\n%s\nwant:\n%s", out, want);
  free(c.buf);
  out = confusion(cm, 0, NULL, &c);
  CHECK(!strcmp(out, "confusion matrix: no classes\n"), "k = 0: \"%s\"", out);
  free(c.buf);
}

static void test_confusion_fashion(void) {
  static const char *const fashion[10] = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                          "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                          "Bag",         "Ankle boot"};
  int64_t cm[100];
  for (int i = 0; i < 100; i++)
    cm[i] = i / 10 == i % 10 ? 900 + i : i % 7;
  Capture c;
  const char *out = confusion(cm, 10, fashion, &c);
  int eq, cols = line_cols(out, &eq);
  CHECK(strstr(out, "\ntrue\\pred   T-shi Trous Pullo Dress  Coat Sanda Shirt Sneak   Bag Ankle  "
                    "recall\n"),
        "header of cut names:\n%s", out);
  CHECK(strstr(out, "\nT-shirt/top   900     1     2"), "first row:\n%s", out);
  CHECK(strstr(out, "\nAnkle boot      6     0     1     2     3     4     5     6     0   999   "
                    "0.974\nprecision   0.968 0.976 "),
        "last rows:\n%s", out);
  CHECK(cols <= 80, "fits 80 columns: %d", cols);
  CHECK(count(out, "\n") == 13, "heading, header, 10 rows, precision: %d lines", count(out, "\n"));
  free(c.buf);
}

static void test_confusion_names(void) {
  static const int64_t cm[4] = {12345678, 0, 3, 4};
  static const char *const clash[2] = {"alphabet one", "alphabet two"};
  static const char *const partial[2] = {"cat", NULL};
  static const char *const odd[2] = {"\xc3\x89t\xc3\xa9 \xc3\xa0 la plage", "tab\there"};
  Capture c;
  const char *out = confusion(cm, 2, clash, &c);
  int eq;
  CHECK(strstr(out, "\ntrue\\pred             0        1  recall\n") &&
            strstr(out, "\n0 alphabet one 12345678        0   1.000\n") &&
            strstr(out, "\nprecision         1.000    1.000\n"),
        "clashing cut names: numbered columns, numbered rows, wide cells:\n%s", out);
  free(c.buf);
  out = confusion(cm, 2, partial, &c);
  CHECK(strstr(out, "\n0 cat  ") && strstr(out, "\n1      "), "missing name: numbered:\n%s", out);
  free(c.buf);
  out = confusion(cm, 2, odd, &c);
  char *rows = strdup(strchr(out, '\n') + 1);
  *strstr(rows, "precision") = 0; /* the last row has no recall column */
  line_cols(rows, &eq);
  free(rows);
  CHECK(eq, "UTF-8 names keep the columns aligned:\n%s", out);
  CHECK(strstr(out, "\xc3\x89t\xc3\xa9 \xc3\xa0 la plage ") && strstr(out, "tab?here") &&
            strstr(out, " \xc3\x89t\xc3\xa9 \xc3\xa0") && !strchr(out, '\t'),
        "names cut by character, control bytes as '?':\n%s", out);
  free(c.buf);
  static const char *const esc[2] = {"esc\x1b[2J", "csi\xc2\x9b" "2J"};
  out = confusion(cm, 2, esc, &c);
  CHECK(strstr(out, "esc?[2J") && strstr(out, "csi?2J") && !strchr(out, 0x1b) && !strstr(out, "\xc2\x9b"),
        "escape sequences in class names (C0 ESC and the C1 CSI) do not reach the terminal:\n%s", out);
  free(c.buf);
}

/* ---- a small XML well-formedness checker -------------------------------------------------- */

static int name_char(char c, int first) {
  return isalpha((unsigned char)c) || c == '_' || c == ':' ||
         (!first && (isdigit((unsigned char)c) || c == '-' || c == '.'));
}

static const char *skip_name(const char *p) {
  if (!name_char(*p, 1))
    return NULL;
  while (name_char(*p, 0))
    p++;
  return p;
}

/* p at '&': the end of a predefined or numeric character reference, else NULL. */
static const char *skip_entity(const char *p) {
  static const char *const ents[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"};
  for (int i = 0; i < 5; i++)
    if (!strncmp(p, ents[i], strlen(ents[i])))
      return p + strlen(ents[i]);
  if (p[1] != '#')
    return NULL;
  const char *q = p + 2;
  int hex = *q == 'x', n = 0;
  for (q += hex; hex ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q); q++)
    n++;
  return n && *q == ';' ? q + 1 : NULL;
}

/* A character of text or of an attribute value: the next position, or NULL when not allowed. */
static const char *skip_char(const char *p) {
  unsigned char c = (unsigned char)*p;
  if (c == '<' || (c < 0x20 && c != '\t' && c != '\n' && c != '\r'))
    return NULL;
  return c == '&' ? skip_entity(p) : p + 1;
}

static const char *skip_space(const char *p) {
  while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
    p++;
  return p;
}

/* Attributes up to '>' or "/>"; returns the position of that, or NULL. */
static const char *skip_attrs(const char *p) {
  for (;;) {
    const char *q = skip_space(p);
    if (*q == '>' || (q[0] == '/' && q[1] == '>'))
      return q;
    if (q == p || !(q = skip_name(q)) || *(q = skip_space(q)) != '=')
      return NULL;
    q = skip_space(q + 1);
    char quote = *q++;
    if (quote != '"' && quote != '\'')
      return NULL;
    while (q && *q != quote)
      q = *q ? skip_char(q) : NULL;
    if (!q)
      return NULL;
    p = q + 1;
  }
}

static int valid_utf8(const char *s) {
  const unsigned char *u = (const unsigned char *)s;
  while (*u) {
    int n = *u < 0x80             ? 0
            : (*u & 0xE0) == 0xC0 ? 1
            : (*u & 0xF0) == 0xE0 ? 2
            : (*u & 0xF8) == 0xF0 ? 3
                                  : -1;
    if (n < 0)
      return 0;
    for (u++; n > 0; n--, u++)
      if ((*u & 0xC0) != 0x80)
        return 0;
  }
  return 1;
}

/* NULL when s is well-formed XML with a single root element, else where it stops being. */
static const char *xml_error(const char *s) {
  const char *open[64], *p = s;
  int depth = 0, roots = 0;
  if (!valid_utf8(s))
    return "not UTF-8";
  if (!strncmp(p, "<?xml ", 6) && (p = strstr(p, "?>")))
    p += 2;
  while (p && *p) {
    if (*p != '<') {
      p = depth || isspace((unsigned char)*p) ? skip_char(p) : NULL;
    } else if (!strncmp(p, "<!--", 4)) {
      p = strstr(p + 4, "-->");
      p = p ? p + 3 : NULL;
    } else if (p[1] == '/') {
      const char *e = skip_name(p + 2);
      if (!e || !depth || (size_t)(e - p - 2) != strcspn(open[depth - 1], " \t\n/>") ||
          strncmp(p + 2, open[depth - 1], (size_t)(e - p - 2)) || *skip_space(e) != '>')
        return p;
      depth--;
      p = skip_space(e) + 1;
    } else {
      const char *e = skip_name(p + 1), *end = e ? skip_attrs(e) : NULL;
      if (!end || depth == 64 || (depth == 0 && roots++))
        return p;
      if (*end == '>')
        open[depth++] = p + 1;
      p = end + (*end == '>' ? 1 : 2);
    }
  }
  return !p ? "bad character or construct" : depth ? "unclosed element" : roots ? NULL : "no root";
}

/* ---- SVG checks --------------------------------------------------------------------------- */

/* Every number in points/cx/cy/x/y attributes finite and on the canvas. */
static int coords_on_canvas(const char *s) {
  static const char *const attrs[] = {" points=\"", " cx=\"", " cy=\"", " x1=\"",
                                      " y1=\"",     " x2=\"", " y2=\""};
  for (size_t a = 0; a < sizeof attrs / sizeof attrs[0]; a++)
    for (const char *p = s; (p = strstr(p, attrs[a]));) {
      p += strlen(attrs[a]);
      while (*p != '"') {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || v < 0 || v > 960)
          return 0;
        p = end + (*end == ',' || *end == ' ');
      }
    }
  return 1;
}

/* Number of vertices in each <polyline> of the group of class cls, into pts; returns polylines. */
static int group_polylines(const char *s, const char *cls, int *pts, int max) {
  char key[64];
  snprintf(key, sizeof key, "<g class=\"%s\"", cls);
  const char *g = strstr(s, key), *end = g ? strstr(g, "</g>") : NULL;
  int n = 0;
  for (const char *p = g; p && (p = strstr(p, "points=\"")) && p < end && n < max; n++) {
    p += 8;
    pts[n] = 1;
    for (; *p != '"'; p++)
      pts[n] += *p == ' ';
  }
  return n;
}

static int group_circles(const char *s, const char *cls) {
  char key[64];
  snprintf(key, sizeof key, "<g class=\"%s\"", cls);
  int n = 0;
  for (const char *g = s; (g = strstr(g, key)); g++) {
    const char *end = strstr(g, "</g>");
    for (const char *p = g; (p = strstr(p, "<circle")) && p < end; p++)
      n++;
  }
  return n;
}

/* Whether two consecutive y tick labels (text-anchor="end", in drawing order) are the same. */
static int repeated_tick(const char *s) {
  const char *key = "text-anchor=\"end\">", *prev = NULL;
  for (const char *p = s; (p = strstr(p, key)); prev = p) {
    p += strlen(key);
    size_t n = strcspn(p, "<");
    if (prev && strcspn(prev, "<") == n && !strncmp(prev, p, n))
      return 1;
  }
  return 0;
}

/* Writes the curves, checks what every plot must be, and returns the file's text (to free). */
static char *plot(const char *name, const RtCurves *c, const char *title) {
  const char *path = in_dir(name);
  int rc = rt_plot_svg(path, c, title, err, sizeof err);
  CHECK(rc == 0, "%s: rt_plot_svg: %s", name, err);
  char *s = rc ? NULL : read_all(path);
  if (!s)
    return NULL;
  const char *bad = xml_error(s);
  CHECK(!bad, "%s: not well-formed at \"%.40s\"", name, bad);
  CHECK(strstr(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\""), "%s: svg root",
        name);
  CHECK(!strstr(s, "nan") && !strstr(s, "inf") && !strstr(s, "NAN") && !strstr(s, "INF"),
        "%s: no NaN or infinity in the file", name);
  CHECK(coords_on_canvas(s), "%s: a coordinate is not finite or off the canvas", name);
  CHECK(!repeated_tick(s), "%s: neighbouring tick labels are the same", name);
  CHECK(count(s, ">loss</text>") == 2 && count(s, ">accuracy</text>") == 2 &&
            count(s, ">epoch</text>") == 2,
        "%s: both panels with titles and axis labels", name);
  return s;
}

static void test_svg_basic(void) {
  double tl[10], ta[10], vl[10], va[10];
  for (int i = 0; i < 10; i++) {
    tl[i] = 2.0 / (i + 1), vl[i] = tl[i] + 0.1;
    ta[i] = 0.5 + 0.04 * i, va[i] = ta[i] - 0.02;
  }
  RtCurves c = {10, tl, ta, vl, va};
  char *s = plot("basic.svg", &c, "fashion_mlp <b> & \"friends\"");
  if (!s)
    return;
  int pts[8];
  CHECK(count(s, "<title>fashion_mlp &lt;b&gt; &amp; &quot;friends&quot;</title>") == 1 &&
            count(s, ">fashion_mlp &lt;b&gt; &amp; &quot;friends&quot;</text>") == 1,
        "title escaped, in <title> and shown");
  CHECK(group_polylines(s, "train", pts, 8) == 1 && pts[0] == 10, "train loss: 10 vertices");
  CHECK(group_polylines(s, "val", pts, 8) == 1 && pts[0] == 10, "val loss: 10 vertices");
  CHECK(count(s, "<polyline") == 4, "four curves: %d", count(s, "<polyline"));
  CHECK(group_circles(s, "train") == 20 && group_circles(s, "val") == 20, "markers on every point");
  CHECK(strstr(s, ">train</text>") && strstr(s, ">validation</text>"), "legend");
  CHECK(strstr(s, ">0.5</text>") && strstr(s, ">2.5</text>") && strstr(s, ">0.4</text>") &&
            strstr(s, ">0.9</text>"),
        "y tick labels of both panels");
  CHECK(strstr(s, ">1</text>") && strstr(s, ">10</text>") && !strstr(s, ">11</text>") &&
            !strstr(s, ">0</text>"),
        "x tick labels: epochs 1..10");
  free(s);
}

static void test_svg_nan(void) {
  double tl[8] = {1, 0.8, NAN, 0.6, 0.5, INFINITY, 0.4, 0.3};
  double vl[8] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
  double ta[8] = {NAN, 0.5, NAN, 0.6, 0.7, 0.8, NAN, NAN};
  RtCurves c = {8, tl, ta, vl, NULL};
  char *s = plot("nan.svg", &c, NULL);
  if (!s)
    return;
  int pts[8], n = group_polylines(s, "train", pts, 8);
  CHECK(n == 3 && pts[0] == 2 && pts[1] == 2 && pts[2] == 2, "loss broken at NaN and inf: %d runs",
        n);
  CHECK(!strstr(s, "class=\"val\"") && !strstr(s, ">validation</text>"), "no validation drawn");
  CHECK(group_circles(s, "train") == 6 + 4, "markers: 6 finite losses + 4 finite accuracies");
  CHECK(strstr(s, "<title>training curves</title>"), "default title");
  free(s);
  double none[3] = {NAN, NAN, NAN};
  RtCurves empty = {3, none, NULL, none, NULL};
  s = plot("empty.svg", &empty, "t");
  CHECK(s && count(s, ">no data</text>") == 2 && !strstr(s, "<polyline") &&
            !strstr(s, "<g class=\"train\""),
        "all NaN: two empty panels");
  free(s);
  RtCurves zero = {0, NULL, NULL, NULL, NULL};
  s = plot("zero.svg", &zero, "t");
  CHECK(s && count(s, ">no data</text>") == 2, "no epochs: two empty panels");
  free(s);
}

static void test_svg_one_epoch(void) {
  double tl = 0.5, ta = 0.9, vl = 0.6;
  RtCurves c = {1, &tl, &ta, &vl, NULL};
  char *s = plot("one.svg", &c, "one");
  if (!s)
    return;
  CHECK(!strstr(s, "<polyline"), "one epoch: no lines");
  CHECK(group_circles(s, "train") == 2 && group_circles(s, "val") == 1, "one epoch: markers");
  CHECK(strstr(s, ">1</text>") && strstr(s, ">0.50</text>") && strstr(s, ">0.90</text>"),
        "padded zero range around 0.5 and 0.9 (ticks)");
  free(s);
}

static void test_svg_extremes(void) {
  double a[6] = {1e308, -1e308, DBL_MAX, -DBL_MAX, 1e-310, 0};
  double b[4] = {DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX};
  double z[4] = {0, 0, 0, 0};
  double t[3] = {1e-300, 1.0000000000000002e-300, 1e-300};
  double big[3] = {1234560, 1234565, 1234570};
  RtCurves c1 = {6, a, NULL, NULL, NULL}, c2 = {4, b, z, NULL, b}, c3 = {3, t, t, NULL, NULL};
  RtCurves c5 = {3, big, NULL, NULL, NULL};
  char *s = plot("big.svg", &c5, "big");
  CHECK(s && strstr(s, ">1234562</text>") && strstr(s, ">1234564</text>"),
        "large values: enough digits to tell ticks apart");
  free(s);
  free(plot("ext1.svg", &c1, "ext"));
  free(plot("ext2.svg", &c2, "ext"));
  free(plot("ext3.svg", &c3, "ext"));
  double many[500];
  for (int i = 0; i < 500; i++)
    many[i] = 1.0 / (i + 1);
  RtCurves c4 = {500, many, many, many, many};
  s = plot("many.svg", &c4, "many");
  CHECK(s && count(s, "<circle") == 2, "500 epochs: no point markers, only the legend's");
  CHECK(s && strstr(s, ">500</text>") && !strstr(s, ">0</text>"), "500 epochs: ticks");
  free(s);
}

static void test_svg_title_bytes(void) {
  double tl[2] = {1, 0.5};
  RtCurves c = {2, tl, NULL, NULL, NULL};
  char title[300];
  snprintf(title, sizeof title, "a\x01z \xff\xc3\x28 \xef\xbf\xbe \xe2\x82\xac %0200d", 7);
  char *s = plot("bytes.svg", &c, title);
  CHECK(s && strstr(s, "<title>a?z ?\?( ?\?? \xe2\x82\xac 000000"),
        "control and ill-formed bytes and U+FFFE replaced, each byte by '?'; euro kept");
  CHECK(s && strstr(s, "0000...</title>"), "long title cut");
  free(s);
}

static int leftovers(void) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    n += strstr(e->d_name, ".tmp.") != NULL;
  if (d)
    closedir(d);
  return n;
}

static void test_svg_files(void) {
  double tl[2] = {1, 0.5};
  RtCurves c = {2, tl, NULL, NULL, NULL}, bad = {-1, tl, NULL, NULL, NULL};
  const char *path = in_dir("replace.svg");
  FILE *f = fopen(path, "w");
  fputs("old", f);
  fclose(f);
  chmod(path, 0640);
  struct stat st;
  CHECK(rt_plot_svg(path, &c, "new", err, sizeof err) == 0, "replace: %s", err);
  char *s = read_all(path);
  CHECK(s && !strncmp(s, "<?xml", 5), "old file replaced");
  CHECK(!stat(path, &st) && (st.st_mode & 0777) == 0640, "mode kept: %o", st.st_mode & 0777);
  free(s);
  const char *nodir = in_dir("no/such/dir/x.svg");
  CHECK(rt_plot_svg(nodir, &c, "t", err, sizeof err) == -1 && !strncmp(err, nodir, strlen(nodir)),
        "missing directory refused, error starts with the path: %s", err);
  CHECK(rt_plot_svg(in_dir("neg.svg"), &bad, "t", err, sizeof err) == -1 && strstr(err, "negative"),
        "negative count refused: %s", err);
  CHECK(rt_plot_svg("", &c, "t", err, sizeof err) == -1 && strstr(err, "no output file"),
        "empty path refused: %s", err);
  CHECK(rt_plot_svg(dir, &c, "t", err, sizeof err) == -1 && strstr(err, "not written: it is a directory"),
        "a directory in the way: %s", err);
  CHECK(leftovers() == 0, "no temporary files left behind");
}

static void remove_dir(void) {
  DIR *d = opendir(dir);
  for (struct dirent *e; d && (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      unlink(in_dir(e->d_name));
  if (d)
    closedir(d);
  rmdir(dir);
}

int main(void) {
  snprintf(dir, sizeof dir, "report_test.XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  test_eta();
  test_progress_format();
  test_progress_tty();
  test_progress_not_tty();
  test_epoch();
  test_confusion_numbered();
  test_confusion_fashion();
  test_confusion_names();
  test_svg_basic();
  test_svg_nan();
  test_svg_one_epoch();
  test_svg_extremes();
  test_svg_title_bytes();
  test_svg_files();
  if (failures) {
    fprintf(stderr, "%d check(s) failed; files left in %s\n", failures, dir);
    return 1;
  }
  remove_dir();
  return 0;
}
