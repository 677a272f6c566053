/* emit_window.c - sliding windows: window gather (WINDOW, im2col) and scatter-add (UNWINDOW,
 * col2im), between image [N, C, H, W] and the window tensor (layout WL_* in ir.h).  Loops run over the layout's dims with the kernel column kw
 * unrolled: for each kw the output columns split, at compile time, into a left padding run,
 * an interior run that reads the image row directly (unit stride when the stride is 1, so it
 * vectorizes) and a right padding run.  Out-of-range rows are handled once per row, so no
 * padded copy of the image is ever made. */
#include "emit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int C, KH, KW, N, OH, OW, H, W, SH, SW, PH, PW, mode;
  int64_t st[6]; /* window-tensor strides of c, kh, kw, n, oh, ow */
} Win;

static Win win_of(const Graph *g, const Node *n) {
  const Node *img = n->op == OP_WINDOW ? &g->nodes[n->in[0]] : n;
  const Node *cols = n->op == OP_WINDOW ? n : &g->nodes[n->in[0]];
  const int *a = n->attr;
  Win w = {img->shape.d[1], a[WA_KH], a[WA_KW], img->shape.d[0], cols->shape.d[4], cols->shape.d[5],
           img->shape.d[2], img->shape.d[3], a[WA_SH], a[WA_SW], a[WA_PH], a[WA_PW], a[WA_MODE], {0}};
  int64_t size[6] = {w.C, w.KH, w.KW, w.N, w.OH, w.OW}, st = 1;
  for (int i = 5; i >= 0; i--) {
    w.st[win_layout[a[WA_LAYOUT]][i]] = st;
    st *= size[win_layout[a[WA_LAYOUT]][i]];
  }
  return w;
}

/* " + var*coef", or nothing when the dim has one element. */
static const char *term(const char *var, int64_t coef, int64_t size) {
  if (size == 1) return "";
  return coef == 1 ? ir_fmt(" + %s", var) : ir_fmt(" + %s * %lld", var, (long long)coef);
}

/* "a + b" from " + a + b", "0" from "". */
static const char *sum_terms(const char *t) { return *t ? t + 3 : "0"; }

/* Windows that tile the image exactly (stride = kernel, no padding, nothing left over): the
 * scatter writes every pixel once, so it stores instead of zeroing and adding. */
static int win_exact(const Win *w) {
  return w->SH == w->KH && w->SW == w->KW && !w->PH && !w->PW && w->OH * w->SH == w->H && w->OW * w->SW == w->W;
}

static void win_row(Em *e, int id, const Win *w) {
  const Node *n = &e->g->nodes[id];
  const char *add = win_exact(w) ? "=" : "+=";
  int gather = n->op == OP_WINDOW;
  const char *img = gather ? em_buffer(e, n->in[0], 0) : em_buffer(e, id, 1);
  const char *cols = gather ? em_buffer(e, id, 1) : em_buffer(e, n->in[0], 0);
  const char *pad = w->mode == PAD_NEGINF ? "-INFINITY" : em_lit(e, 0);
  em_line(e, "int w_ih = %s%s%s;", w->SH == 1 ? "w_oh" : ir_fmt("w_oh * %d", w->SH), w->KH > 1 ? " + w_kh" : "",
       w->PH ? ir_fmt(" - %d", w->PH) : "");
  const char *colrow = sum_terms(ir_fmt("%s%s%s%s", term("w_c", w->st[WD_C], w->C), term("w_kh", w->st[WD_KH], w->KH),
                                        term("w_n", w->st[WD_N], w->N), term("w_oh", w->st[WD_OH], w->OH)));
  const char *plane = sum_terms(ir_fmt("%s%s", term("w_n", (int64_t)w->C, w->N), term("w_c", 1, w->C)));
  const char *imgrow = strcmp(plane, "0") ? ir_fmt("(%s) * %d + w_ih * %d", plane, w->H * w->W, w->W) : ir_fmt("w_ih * %d", w->W);
  em_line(e, "%s%s *restrict w_col = %s + %s;", gather ? "" : "const ", e->real, cols, colrow);
  if (!w->PH) {
    /* without row padding every window row lies inside the image */
  } else if (w->mode == PAD_REPLICATE) {
    em_line(e, "w_ih = w_ih < 0 ? 0 : w_ih < %d ? w_ih : %d;", w->H, w->H - 1);
  } else if (gather) {
    em_line(e, "if (w_ih < 0 || w_ih >= %d) { /* a padding row */", w->H);
    for (int kw = 0; kw < w->KW; kw++)
      em_line(e, "  for (int w_ow = 0; w_ow < %d; w_ow++) w_col[%lld + w_ow] = %s;", w->OW,
           (long long)(kw * w->st[WD_KW]), pad);
    em_line(e, "  continue;");
    em_line(e, "}");
  } else {
    em_line(e, "if (w_ih < 0 || w_ih >= %d) continue; /* a padding row */", w->H);
  }
  em_line(e, "%s%s *restrict w_img = %s + %s;", gather ? "const " : "", e->real, img, imgrow);
  for (int kw = 0; kw < w->KW; kw++) {
    int off = kw - w->PW; /* image column of output column ow: ow * SW + off */
    int lo = off >= 0 ? 0 : (-off + w->SW - 1) / w->SW;
    int hi = w->W - 1 - off < 0 ? 0 : (w->W - 1 - off) / w->SW + 1;
    if (lo > w->OW) lo = w->OW;
    if (hi > w->OW) hi = w->OW;
    if (hi < lo) hi = lo;
    long long c0 = (long long)(kw * w->st[WD_KW]);
    const char *src = w->SW == 1 ? ir_fmt("w_ow + %d", off) : ir_fmt("w_ow * %d + %d", w->SW, off);
    if (off == 0 && w->SW == 1) src = "w_ow";
    em_line(e, "/* kernel column %d: output columns [0,%d) padding, [%d,%d) image, [%d,%d) padding */", kw, lo, lo, hi, hi, w->OW);
    const char *lpad = w->mode == PAD_REPLICATE ? "w_img[0]" : pad, *rpad = w->mode == PAD_REPLICATE ? ir_fmt("w_img[%d]", w->W - 1) : pad;
    if (gather) {
      if (lo > 0) em_line(e, "for (int w_ow = 0; w_ow < %d; w_ow++) w_col[%lld + w_ow] = %s;", lo, c0, lpad);
      if (hi > lo) em_line(e, "for (int w_ow = %d; w_ow < %d; w_ow++) w_col[%lld + w_ow] = w_img[%s];", lo, hi, c0, src);
      if (w->OW > hi) em_line(e, "for (int w_ow = %d; w_ow < %d; w_ow++) w_col[%lld + w_ow] = %s;", hi, w->OW, c0, rpad);
    } else {
      if (lo > 0 && w->mode == PAD_REPLICATE)
        em_line(e, "for (int w_ow = 0; w_ow < %d; w_ow++) w_img[0] += w_col[%lld + w_ow];", lo, c0);
      if (hi > lo) em_line(e, "for (int w_ow = %d; w_ow < %d; w_ow++) w_img[%s] %s w_col[%lld + w_ow];", lo, hi, src, add, c0);
      if (w->OW > hi && w->mode == PAD_REPLICATE)
        em_line(e, "for (int w_ow = %d; w_ow < %d; w_ow++) w_img[%d] += w_col[%lld + w_ow];", hi, w->OW, w->W - 1, c0);
    }
  }
}

void emit_window(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  Win w = win_of(e->g, n);
  if (n->op == OP_UNWINDOW && !win_exact(&w)) em_fill(e, id, em_lit(e, 0));
  static const char *var[6] = {"w_c", "w_kh", "w_kw", "w_n", "w_oh", "w_ow"};
  int64_t size[6] = {w.C, w.KH, w.KW, w.N, w.OH, w.OW};
  int dims[6], nd = 0, depth = 0;
  for (int i = 0; i < 6; i++) { /* the layout's dims; kw is unrolled and ow is the row loop */
    int d = win_layout[n->attr[WA_LAYOUT]][i];
    if (!(d == WD_KW || d == WD_OW || (size[d] == 1 && d != WD_OH))) dims[nd++] = d;
  }
  /* --openmp: the outermost loop split across threads when each thread then writes its own
   * elements: any loop of the gather; of the scatter-add, a loop over images or channels
   * (disjoint planes), or any when the windows tile the image (each pixel stored once).  A
   * short one (a kernel row) is split together with the next (collapse). */
  int d0 = nd ? dims[0] : -1, d1 = nd > 1 ? dims[1] : -1;
  int own0 = n->op == OP_WINDOW || win_exact(&w) || d0 == WD_C || d0 == WD_N;
  int own1 = n->op == OP_WINDOW || win_exact(&w) || ((d1 == WD_C || d1 == WD_N) && own0);
  if (own0) em_omp_split(e, (int64_t)w.C * w.KH * w.KW * w.N * w.OH * w.OW);
  if (e->pragma_next && nd > 1 && size[d0] < 8 && own1) e->pragma_next = "#pragma omp parallel for collapse(2)";
  for (int i = 0; i < nd; i++) {
    int d = dims[i];
    em_pragma(e);
    em_line(e, "for (int %s = 0; %s < %lld; %s++) {", var[d], var[d], (long long)size[d], var[d]);
    e->ind++, depth++;
  }
  win_row(e, id, &w);
  while (depth--) {
    e->ind--;
    em_line(e, "}");
  }
}
