/* report.h - what `dlc train` shows a person: the progress bar, the per-epoch summary line, the
 * confusion matrix and the SVG of the loss and accuracy curves.
 *
 * Invariants: nothing here changes a number, it only formats them; a NaN means "absent" and is
 * left out (except a training loss, which always exists, so a NaN there is shown: it is how a
 * diverged run looks).  Terminal output is plain ASCII and fits 80 columns; the only control
 * character written is '\r', and only when the caller says the stream is a terminal.  Class
 * names and titles are sanitized (control bytes become '?'; in the SVG, XML-escaped). */
#ifndef DLC_REPORT_H
#define DLC_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RT_PROGRESS_COLS 79    /* a drawn bar line never exceeds this (80-column terminals) */
#define RT_PROGRESS_PERIOD 0.1 /* seconds between redraws: about 10 per second */

double rt_now(void); /* monotonic seconds (CLOCK_MONOTONIC) */

/* ---- progress bar ------------------------------------------------------------------------
 * One RtProgress per epoch, owned by the caller; the fields are report.c's.  On a terminal
 * (tty != 0) rt_progress_step redraws
 *   "\r epoch 3/10 [#########-----------] 450/937  loss 0.4321  12345 samples/s  ETA 0:12"
 * at most every RT_PROGRESS_PERIOD seconds of wall time (the first and the last step always
 * draw), padding over a longer previous line; ETA is this epoch's, m:ss or h:mm:ss.  When not a
 * terminal it writes nothing: the caller prints rt_print_epoch lines.  rt_progress_end erases
 * the bar so the epoch line can take its place. */
typedef struct {
  FILE *f;
  int tty, epoch, epochs;
  int64_t steps;
  double t0;    /* rt_now() at rt_progress_start */
  double drawn; /* rt_now() of the last redraw; < 0 before the first */
  int width;    /* columns of the line on screen, 0 when none */
} RtProgress;

void rt_progress_start(RtProgress *p, FILE *f, int tty, int epoch, int epochs, int64_t steps);
void rt_progress_step(RtProgress *p, int64_t step, double loss, int64_t samples_done);
void rt_progress_end(RtProgress *p);

/* The bar line rt_progress_step draws (without the '\r'), from explicit numbers: rate in
 * samples/s and eta in seconds, each left out when negative or not finite.  Parts are dropped
 * (the bar narrows to 8, then the rate, then the bar) so it fits RT_PROGRESS_COLS.  Writes a
 * NUL-terminated line into buf (len > RT_PROGRESS_COLS is always enough) and returns its length. */
int rt_progress_format(char *buf, size_t len, int epoch, int epochs, int64_t step, int64_t steps,
                       double loss, double rate, double eta);
/* "0:05", "12:34", "1:02:03"; "-:--" when negative or not finite.  buf of 24 bytes suffices. */
void rt_format_eta(char *buf, size_t len, double seconds);

/* ---- epoch summary -----------------------------------------------------------------------
 *   "epoch  3/10  train loss 0.3124 acc 0.8876  val loss 0.3301 acc 0.8790  12.3 s"
 * The epoch number is padded to the width of `epochs`.  ta, vl, va and seconds are left out
 * when NaN (no accuracy for a regression, no validation split), "val" entirely when both are. */
void rt_print_epoch(FILE *f, int epoch, int epochs, double tl, double ta, double vl, double va,
                    double seconds);

/* ---- confusion matrix ----------------------------------------------------------------------
 * cm is k x k, row-major: cm[t * k + p] counts samples of true class t predicted as p.  Prints
 * a heading line, a header of column labels (names cut to the column width when the cut names
 * stay distinct, else class numbers, and then rows say "number name"), one row per true class
 * with its recall, and a last row of per-class precision; "-" where a ratio has no samples.
 * names may be NULL (classes are numbered 0..k-1), as may any name in it. */
void rt_print_confusion(FILE *f, const int64_t *cm, int k, const char *const *names);

/* ---- training curves ---------------------------------------------------------------------
 * n epochs; any of the four arrays may be NULL (absent).  Entry i is epoch i+1.  NaN and
 * infinite entries are skipped (a curve breaks there); an isolated point gets a marker, and
 * every point does when n is small. */
typedef struct {
  int n;
  const double *train_loss, *train_acc, *val_loss, *val_acc;
} RtCurves;

/* Writes a self-contained SVG 1.1 (two side-by-side panels, loss and accuracy, each with
 * ticked and labelled axes; a title, NULL for "training curves"; a legend) atomically: a
 * temporary file beside path, then rename.  Returns 0, or -1 with a one-line reason starting
 * with path in err. */
int rt_plot_svg(const char *path, const RtCurves *c, const char *title, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
