/* report.c - the training driver's output: progress bar, epoch lines, confusion matrix, SVG
 * curves (see report.h for the formats).
 *
 * Invariants.  Terminal text is ASCII apart from class names, which are cut by UTF-8 character,
 * not byte, so columns stay aligned; control bytes in names are written as '?'.  The SVG is
 * written with the C locale's number syntax, every coordinate is finite (values that are not
 * are skipped before mapping, and axes are built so the mapping cannot overflow), and every
 * string in it is escaped and valid UTF-8.  rt_plot_svg writes through rt_write_atomic
 * (fileio.c), so a reader sees the old file or the whole new one. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include "dlc_rt.h"
#include "dlc_text.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double rt_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- numbers and text ------------------------------------------------------------------ */

static int digits64(int64_t v) { return snprintf(NULL, 0, "%" PRId64, v); }

/* A loss: four decimals, or three significant digits in exponent form when that would hide it. */
static void fmt_loss(char *buf, size_t len, double x) {
  double a = fabs(x);
  if (isfinite(x) && x != 0 && (a < 1e-3 || a >= 1e5))
    snprintf(buf, len, "%.3e", x);
  else
    snprintf(buf, len, "%.4f", x);
}

void rt_format_eta(char *buf, size_t len, double seconds) {
  if (!(seconds >= 0) || seconds > 1e12) {
    snprintf(buf, len, "-:--");
    return;
  }
  int64_t s = (int64_t)(seconds + 0.5);
  if (s < 3600)
    snprintf(buf, len, "%d:%02d", (int)(s / 60), (int)(s % 60));
  else
    snprintf(buf, len, "%" PRId64 ":%02d:%02d", s / 3600, (int)(s / 60 % 60), (int)(s % 60));
}

static int is_cont(char c) { return ((unsigned char)c & 0xC0) == 0x80; }
static char printable(char c) { return ((unsigned char)c < 0x20 || c == 0x7f) ? '?' : c; }

/* Bytes of the first `cols` characters of s (UTF-8, counting lead bytes). */
static size_t prefix_bytes(const char *s, int cols) {
  size_t i = 0;
  for (int n = 0; s[i]; i++)
    if (!is_cont(s[i]) && n++ == cols)
      break;
  return i;
}

static int text_cols(const char *s, size_t nbytes) {
  int n = 0;
  for (size_t i = 0; i < nbytes; i++)
    n += !is_cont(s[i]);
  return n;
}

/* At most maxcols characters of s, padded with spaces to width; control characters (C0, DEL and
 * the C1 controls U+0080..U+009F, which some terminals obey) and ill-formed bytes as '?'. */
static void put_cell(FILE *f, const char *s, int maxcols, int width, int right) {
  size_t nb = prefix_bytes(s, maxcols);
  int pad = width - text_cols(s, nb);
  if (right && pad > 0)
    fprintf(f, "%*s", pad, "");
  for (size_t i = 0, len; i < nb; i += len) {
    uint32_t cp = 0;
    len = rt_utf8_seq((const unsigned char *)s + i, nb - i, &cp);
    if (!len) { /* an ill-formed byte: a '?' where text_cols counts a column */
      if (!is_cont(s[i]))
        fputc('?', f);
      len = 1;
    } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
      fputc('?', f);
    } else {
      fwrite(s + i, 1, len, f);
    }
  }
  if (!right && pad > 0)
    fprintf(f, "%*s", pad, "");
}

/* ---- progress bar ---------------------------------------------------------------------- */

#define BAR_MAX 30 /* '#' and '-' cells of a full-width bar */
#define BAR_MIN 8  /* narrower than this, a part is dropped instead */

void rt_progress_start(RtProgress *p, FILE *f, int tty, int epoch, int epochs, int64_t steps) {
  *p = (RtProgress){.f = f,
                    .tty = tty,
                    .epoch = epoch,
                    .epochs = epochs,
                    .steps = steps,
                    .t0 = rt_now(),
                    .drawn = -1,
                    .width = 0};
}

static void put_bar(char *buf, size_t len, int width, int64_t step, int64_t steps) {
  double frac = steps > 0 ? (double)step / (double)steps : 0;
  int fill = (int)(width * (frac < 0 ? 0 : frac > 1 ? 1 : frac));
  size_t k = 0;
  buf[k++] = '[';
  for (int i = 0; i < width && k + 2 < len; i++)
    buf[k++] = i < fill ? '#' : '-';
  buf[k++] = ']';
  buf[k] = 0;
}

int rt_progress_format(char *buf, size_t len, int epoch, int epochs, int64_t step, int64_t steps,
                       double loss, double rate, double eta) {
  char head[40], count[64], num[40], lossp[64], ratep[64] = "", etap[48], bar[BAR_MAX + 3] = "";
  snprintf(head, sizeof head, " epoch %d/%d ", epoch, epochs);
  snprintf(count, sizeof count, " %*" PRId64 "/%" PRId64, digits64(steps), step, steps);
  fmt_loss(num, sizeof num, loss);
  snprintf(lossp, sizeof lossp, "  loss %s", num);
  if (rate >= 0 && isfinite(rate))
    snprintf(ratep, sizeof ratep, rate < 1e9 ? "  %.0f samples/s" : "  %.3g samples/s", rate);
  rt_format_eta(num, sizeof num, eta);
  snprintf(etap, sizeof etap, "  ETA %s", num);
  int fixed = (int)(strlen(head) + strlen(count) + strlen(lossp) + strlen(etap)) + 2;
  int width = RT_PROGRESS_COLS - fixed - (int)strlen(ratep);
  if (width < BAR_MIN) {
    ratep[0] = 0;
    width = RT_PROGRESS_COLS - fixed;
  }
  if (width >= BAR_MIN)
    put_bar(bar, sizeof bar, width < BAR_MAX ? width : BAR_MAX, step, steps);
  size_t cap = len < RT_PROGRESS_COLS + 1 ? len : RT_PROGRESS_COLS + 1;
  if (cap == 0)
    return 0;
  int n = snprintf(buf, cap, "%s%s%s%s%s%s", head, bar, count, lossp, ratep, etap);
  return n < (int)cap ? n : (int)cap - 1;
}

void rt_progress_step(RtProgress *p, int64_t step, double loss, int64_t samples_done) {
  if (!p->tty || !p->f)
    return;
  double now = rt_now(), elapsed = now - p->t0;
  int last = p->steps > 0 && step >= p->steps;
  if (p->drawn >= 0 && !last && now - p->drawn < RT_PROGRESS_PERIOD)
    return;
  double rate = elapsed > 0 ? (double)samples_done / elapsed : -1;
  double eta = step > 0 ? elapsed * (double)(p->steps - step) / (double)step : -1;
  char line[RT_PROGRESS_COLS + 1];
  int w =
      rt_progress_format(line, sizeof line, p->epoch, p->epochs, step, p->steps, loss, rate, eta);
  fprintf(p->f, "\r%s%*s", line, p->width > w ? p->width - w : 0, "");
  fflush(p->f);
  p->drawn = now;
  p->width = w;
}

void rt_progress_end(RtProgress *p) {
  if (p->tty && p->f && p->width > 0) {
    fprintf(p->f, "\r%*s\r", p->width, "");
    fflush(p->f);
  }
  p->width = 0;
}

/* ---- epoch line ------------------------------------------------------------------------ */

void rt_print_epoch(FILE *f, int epoch, int epochs, double tl, double ta, double vl, double va,
                    double seconds) {
  char num[40];
  fmt_loss(num, sizeof num, tl);
  fprintf(f, "epoch %*d/%d  train loss %s", snprintf(NULL, 0, "%d", epochs), epoch, epochs, num);
  if (!isnan(ta))
    fprintf(f, " acc %.4f", ta);
  if (!isnan(vl) || !isnan(va))
    fputs("  val", f);
  if (!isnan(vl)) {
    fmt_loss(num, sizeof num, vl);
    fprintf(f, " loss %s", num);
  }
  if (!isnan(va))
    fprintf(f, " acc %.4f", va);
  if (!isnan(seconds))
    fprintf(f, "  %.1f s", seconds);
  fputc('\n', f);
}

/* ---- confusion matrix ------------------------------------------------------------------ */

#define CM_CELL_MIN 5   /* columns of a count: room for "0.850" and a 5-letter label */
#define CM_LABEL_MAX 16 /* columns of a row label */
#define CM_CORNER "true\\pred"

static int same_cut(const char *a, const char *b, int cols) {
  size_t na = prefix_bytes(a, cols), nb = prefix_bytes(b, cols);
  if (na != nb)
    return 0;
  for (size_t i = 0; i < na; i++)
    if (printable(a[i]) != printable(b[i]))
      return 0;
  return 1;
}

/* Whether every class has a name and the names cut to `cols` characters stay distinct. */
static int cut_names_ok(const char *const *names, int k, int cols) {
  if (!names)
    return 0;
  for (int i = 0; i < k; i++)
    if (!names[i] || !names[i][0])
      return 0;
  for (int i = 0; i < k; i++)
    for (int j = i + 1; j < k; j++)
      if (same_cut(names[i], names[j], cols))
        return 0;
  return 1;
}

static void row_label(char *buf, size_t len, const char *const *names, int i, int by_name) {
  const char *name = names && names[i] ? names[i] : "";
  if (by_name)
    snprintf(buf, len, "%s", name);
  else if (*name)
    snprintf(buf, len, "%d %s", i, name);
  else
    snprintf(buf, len, "%d", i);
}

static int cell_width(const int64_t *cm, int k) {
  int w = CM_CELL_MIN, d = digits64(k - 1);
  w = d > w ? d : w;
  for (int64_t i = 0; i < (int64_t)k * k; i++)
    if ((d = digits64(cm[i])) > w)
      w = d;
  return w;
}

static int label_width(const char *const *names, int k, int by_name) {
  int w = (int)strlen(CM_CORNER);
  char buf[256];
  for (int i = 0; i < k; i++) {
    row_label(buf, sizeof buf, names, i, by_name);
    int c = text_cols(buf, prefix_bytes(buf, CM_LABEL_MAX));
    w = c > w ? c : w;
  }
  return w;
}

static void put_ratio(FILE *f, int width, double num, double den) {
  if (den > 0)
    fprintf(f, " %*.3f", width, num / den);
  else
    fprintf(f, " %*s", width, "-");
}

static void cm_header(FILE *f, const char *const *names, int k, int lw, int cw, int by_name) {
  char buf[16];
  put_cell(f, CM_CORNER, lw, lw, 0);
  for (int j = 0; j < k; j++) {
    fputc(' ', f);
    snprintf(buf, sizeof buf, "%d", j);
    put_cell(f, by_name ? names[j] : buf, cw, cw, 1);
  }
  fputs("  recall\n", f);
}

static void cm_row(FILE *f, const int64_t *cm, int k, int i, const char *label, int lw, int cw) {
  double sum = 0;
  put_cell(f, label, CM_LABEL_MAX, lw, 0);
  for (int j = 0; j < k; j++) {
    fprintf(f, " %*" PRId64, cw, cm[(int64_t)i * k + j]);
    sum += (double)cm[(int64_t)i * k + j];
  }
  fputc(' ', f);
  put_ratio(f, 6, (double)cm[(int64_t)i * k + i], sum);
  fputc('\n', f);
}

static void cm_precision(FILE *f, const int64_t *cm, int k, int lw, int cw) {
  put_cell(f, "precision", lw, lw, 0);
  for (int j = 0; j < k; j++) {
    double sum = 0;
    for (int i = 0; i < k; i++)
      sum += (double)cm[(int64_t)i * k + j];
    put_ratio(f, cw, (double)cm[(int64_t)j * k + j], sum);
  }
  fputc('\n', f);
}

void rt_print_confusion(FILE *f, const int64_t *cm, int k, const char *const *names) {
  if (!cm || k <= 0) {
    fputs("confusion matrix: no classes\n", f);
    return;
  }
  int cw = cell_width(cm, k), by_name = cut_names_ok(names, k, cw);
  int lw = label_width(names, k, by_name);
  char label[256];
  fputs("confusion matrix (rows: true class, columns: predicted)\n", f);
  cm_header(f, names, k, lw, cw, by_name);
  for (int i = 0; i < k; i++) {
    row_label(label, sizeof label, names, i, by_name);
    cm_row(f, cm, k, i, label, lw, cw);
  }
  cm_precision(f, cm, k, lw, cw);
}

/* ---- SVG: axes -------------------------------------------------------------------------- */

#define SVG_W 960
#define SVG_H 440
#define PANEL_W 480 /* two panels side by side */
#define PLOT_L 78   /* the plot area, relative to its panel */
#define PLOT_R 456
#define PLOT_T 96
#define PLOT_B 376
#define Y_TICKS 5       /* wanted, roughly */
#define X_TICKS 10      /* at most, roughly */
#define MAX_TICKS 16    /* drawn, at most */
#define MARKERS_UPTO 40 /* epochs up to which every point gets a marker */
#define TITLE_MAX 90    /* characters of the title shown */
#define TRAIN_COLOUR "#1f77b4"
#define VAL_COLOUR "#ff7f0e"

typedef struct {
  double lo, hi, step; /* lo < hi, step > 0, all finite */
} Axis;

typedef struct {
  double x0; /* the panel's left edge */
  Axis x, y;
} Frame;

/* Heckbert's "nice numbers" (Graphics Gems, 1990): 1, 2 or 5 times a power of ten. */
static double nice_num(double x, int round) {
  double e = floor(log10(x)), f = x / pow(10, e), nf;
  if (round)
    nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else
    nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * pow(10, e);
}

/* An axis over the finite [lo, hi] with nice ticks.  A range too small to label (zero, or
 * under a millionth of the values) is padded by 10 % of the value (or by 1 around 0). */
static Axis value_axis(double lo, double hi) {
  if (!(hi - lo > 1e-6 * fmax(fabs(lo), fabs(hi)))) {
    double pad = lo != 0 ? fabs(lo) * 0.1 : 1;
    lo = isfinite(lo - pad) ? lo - pad : -DBL_MAX;
    hi = isfinite(hi + pad) ? hi + pad : DBL_MAX;
  }
  double step = nice_num(nice_num(hi - lo, 0) / (Y_TICKS - 1), 1);
  Axis a = {floor(lo / step) * step, ceil(hi / step) * step, step};
  if (isfinite(hi - lo) && step > 0 && isfinite(step) && isfinite(a.lo) && isfinite(a.hi))
    return a;
  return (Axis){lo, hi, hi / 4 - lo / 4}; /* near the end of the double range */
}

/* Epochs 1..n with a little room at each end and integer ticks. */
static Axis epoch_axis(int n) {
  if (n <= 1)
    return (Axis){0.5, 1.5, 1};
  double step = nice_num((n - 1) / (double)X_TICKS, 1), pad = (n - 1) * 0.04;
  return (Axis){1 - pad, n + pad, step < 1 ? 1 : step};
}

/* Tick values of a at or above min; returns how many. */
static int axis_ticks(const Axis *a, double min, double out[MAX_TICKS]) {
  double first = ceil(a->lo / a->step - 1e-9) * a->step;
  int n = 0;
  for (int i = 0; n < MAX_TICKS && i < 4 * MAX_TICKS; i++) {
    double v = first + i * a->step;
    if (!isfinite(v)) /* near the end of the double range: the same sum, in halves */
      v = 2 * (first / 2 + i * (a->step / 2));
    if (!isfinite(v) || v > a->hi + a->step * 1e-9)
      break;
    if (fabs(v) < a->step * 1e-9)
      v = 0;
    if (v >= min)
      out[n++] = v;
  }
  return n;
}

/* A tick label with as many digits as the step needs: fixed notation for moderate numbers,
 * else exponent notation with the significant digits that tell neighbouring ticks apart. */
static void fmt_tick(char *buf, size_t len, double v, const Axis *a) {
  int step_exp = (int)floor(log10(a->step) + 1e-9), dec = step_exp < 0 ? -step_exp : 0;
  double big = fmax(fabs(a->lo), fabs(a->hi));
  if (v == 0 || (big < 1e6 && dec <= 6)) {
    snprintf(buf, len, "%.*f", dec, v);
    return;
  }
  int sig = (int)floor(log10(big)) - step_exp + 1;
  snprintf(buf, len, "%.*g", sig < 1 ? 1 : sig > 17 ? 17 : sig, v);
}

/* v's position along a in [0, 1], computed in halves so that no difference overflows. */
static double axis_unit(const Axis *a, double v) {
  double d = a->hi * 0.5 - a->lo * 0.5;
  return d > 0 ? (v * 0.5 - a->lo * 0.5) / d : 0.5;
}

static double px(const Frame *fr, double v) {
  return fr->x0 + PLOT_L + (PLOT_R - PLOT_L) * axis_unit(&fr->x, v);
}

static double py(const Frame *fr, double v) {
  return PLOT_B - (PLOT_B - PLOT_T) * axis_unit(&fr->y, v);
}

/* ---- SVG: text -------------------------------------------------------------------------- */

/* s as XML character data (dlc_text.h's RT_ESC_XML: escaped, each byte of what XML cannot
 * hold as '?'), cut to maxcols characters + "..." (an ill-formed byte counts as one). */
static void put_xml(FILE *fp, const char *s, int maxcols) {
  const unsigned char *u = (const unsigned char *)s;
  size_t n = strlen(s), i = 0, len;
  for (int cols = 0; i < n && cols < maxcols; i += len ? len : 1, cols++) len = rt_utf8_seq(u + i, n - i, NULL);
  char *cut = malloc(i + 1);
  if (!cut) return;
  memcpy(cut, s, i);
  cut[i] = 0;
  rt_fputs_escaped(cut, RT_ESC_XML, fp);
  if (i < n) fputs("...", fp);
  free(cut);
}

/* ---- SVG: drawing ----------------------------------------------------------------------- */

static void svg_grid(FILE *fp, const Frame *fr) {
  double t[MAX_TICKS];
  char buf[48];
  int n = axis_ticks(&fr->y, -INFINITY, t);
  double l = fr->x0 + PLOT_L, r = fr->x0 + PLOT_R;
  for (int i = 0; i < n; i++) {
    fmt_tick(buf, sizeof buf, t[i], &fr->y);
    fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", l,
            py(fr, t[i]), r, py(fr, t[i]));
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", l - 6,
            py(fr, t[i]) + 4, buf);
  }
  n = axis_ticks(&fr->x, 1, t);
  for (int i = 0; i < n; i++) {
    fmt_tick(buf, sizeof buf, t[i], &fr->x);
    fprintf(fp, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>\n",
            px(fr, t[i]), PLOT_B, px(fr, t[i]), PLOT_B + 5);
    fprintf(fp, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", px(fr, t[i]),
            PLOT_B + 19, buf);
  }
}

static void svg_frame(FILE *fp, const Frame *fr, const char *name) {
  double l = fr->x0 + PLOT_L, mid = fr->x0 + (PLOT_L + PLOT_R) / 2.0,
         ymid = (PLOT_T + PLOT_B) / 2.0;
  svg_grid(fp, fr);
  fprintf(fp,
          "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n",
          l, PLOT_T, PLOT_R - PLOT_L, PLOT_B - PLOT_T);
  fprintf(fp,
          "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" "
          "font-weight=\"bold\">%s</text>\n",
          mid, PLOT_T - 10, name);
  fprintf(fp, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">epoch</text>\n", mid, PLOT_B + 40);
  fprintf(fp,
          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 %.1f %.1f)\">"
          "%s</text>\n",
          fr->x0 + 22, ymid, fr->x0 + 22, ymid, name);
}

static int any_finite(const double *y, int n) {
  for (int i = 0; y && i < n; i++)
    if (isfinite(y[i]))
      return 1;
  return 0;
}

/* One curve: a polyline per run of finite values, a marker per point (or per isolated point). */
static void svg_series(FILE *fp, const Frame *fr, const double *y, int n, const char *cls,
                       const char *colour, const char *dash) {
  if (!any_finite(y, n))
    return;
  fprintf(fp, "<g class=\"%s\" stroke=\"%s\" fill=\"%s\" stroke-width=\"2\"%s%s%s>\n", cls, colour,
          colour, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
  for (int i = 0, j; i < n; i = j) {
    for (j = i; j < n && isfinite(y[j]); j++)
      ;
    if (j - i > 1) {
      fputs("<polyline fill=\"none\" points=\"", fp);
      for (int m = i; m < j; m++)
        fprintf(fp, "%s%.1f,%.1f", m > i ? " " : "", px(fr, m + 1), py(fr, y[m]));
      fputs("\"/>\n", fp);
    }
    for (int m = i; m < j && (n <= MARKERS_UPTO || j - i == 1); m++)
      fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" stroke=\"none\"/>\n", px(fr, m + 1),
              py(fr, y[m]));
    j += j == i; /* skip a non-finite entry */
  }
  fputs("</g>\n", fp);
}

/* Finite range of two curves; 0 when neither has a finite value. */
static int curves_range(const double *a, const double *b, int n, double *lo, double *hi) {
  const double *ys[2] = {a, b};
  int any = 0;
  for (int k = 0; k < 2; k++)
    for (int i = 0; ys[k] && i < n; i++)
      if (isfinite(ys[k][i])) {
        *lo = any && *lo < ys[k][i] ? *lo : ys[k][i];
        *hi = any && *hi > ys[k][i] ? *hi : ys[k][i];
        any = 1;
      }
  return any;
}

static void svg_panel(FILE *fp, int index, const char *name, const double *train, const double *val,
                      int n) {
  double lo = 0, hi = 1;
  int any = curves_range(train, val, n, &lo, &hi);
  Frame fr = {index * PANEL_W, epoch_axis(n), value_axis(lo, hi)};
  svg_frame(fp, &fr, name);
  if (!any)
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n",
            fr.x0 + (PLOT_L + PLOT_R) / 2.0, (PLOT_T + PLOT_B) / 2.0);
  svg_series(fp, &fr, train, n, "train", TRAIN_COLOUR, NULL);
  svg_series(fp, &fr, val, n, "val", VAL_COLOUR, "6 4");
}

static void legend_entry(FILE *fp, int x, const char *label, const char *colour, const char *dash) {
  fprintf(
      fp,
      "<line x1=\"%d\" y1=\"56\" x2=\"%d\" y2=\"56\" stroke=\"%s\" stroke-width=\"2\"%s%s%s/>\n", x,
      x + 28, colour, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
  fprintf(fp, "<circle cx=\"%d\" cy=\"56\" r=\"3\" fill=\"%s\"/>\n", x + 14, colour);
  fprintf(fp, "<text x=\"%d\" y=\"60\">%s</text>\n", x + 34, label);
}

static void svg_legend(FILE *fp, int with_val) {
  fputs("<g class=\"legend\">\n", fp);
  legend_entry(fp, SVG_W / 2 - (with_val ? 110 : 40), "train", TRAIN_COLOUR, NULL);
  if (with_val)
    legend_entry(fp, SVG_W / 2 + 10, "validation", VAL_COLOUR, "6 4");
  fputs("</g>\n", fp);
}

static void svg_document(FILE *fp, const RtCurves *c, const char *title) {
  fprintf(fp,
          "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
          "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n<title>",
          SVG_W, SVG_H, SVG_W, SVG_H);
  put_xml(fp, title, TITLE_MAX);
  fprintf(fp,
          "</title>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n"
          "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\">",
          SVG_W, SVG_H, SVG_W / 2);
  put_xml(fp, title, TITLE_MAX);
  fputs("</text>\n", fp);
  svg_legend(fp, any_finite(c->val_loss, c->n) || any_finite(c->val_acc, c->n));
  svg_panel(fp, 0, "loss", c->train_loss, c->val_loss, c->n);
  svg_panel(fp, 1, "accuracy", c->train_acc, c->val_acc, c->n);
  fputs("</svg>\n", fp);
}

/* ---- SVG: the file ---------------------------------------------------------------------- */


typedef struct {
  const RtCurves *c;
  const char *title;
} SvgJob;

/* rt_write_atomic's writer. */
static int write_svg(FILE *fp, void *ctx) {
  const SvgJob *j = ctx;
  svg_document(fp, j->c, j->title);
  return 0;
}

int rt_plot_svg(const char *path, const RtCurves *c, const char *title, char *err, size_t errlen) {
  if (!path || !*path || !c || c->n < 0) {
    rt_set_err(err, errlen, "%s: plot: %s", path && *path ? path : "(no path)",
            !path || !*path ? "no output file given" : "no curves (or a negative epoch count)");
    return -1;
  }
  SvgJob job = {c, title ? title : "training curves"};
  return rt_write_atomic(path, write_svg, &job, err, errlen);
}
