/* emit_window.c - sliding windows: window gather (WINDOW, im2col) and scatter-add (UNWINDOW,
 * col2im), between image [N, C, H, W] and the window tensor (layout WL_* in ir.h), and max
 * pooling with its adjoint straight from the image (emit_pool).  Window loops run over the
 * layout's dims with the kernel column kw unrolled: for each kw the output columns split, at
 * compile time, into a left padding run, an interior run that reads the image row directly
 * (unit stride when the stride is 1, so it vectorizes) and a right padding run.  Out-of-range
 * rows are handled once per row, so no padded copy of the image is ever made. */
#include "emit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int C, KH, KW, N, OH, OW, H, W, SH, SW, PH, PW, mode;
  int64_t st[6]; /* window-tensor strides of c, kh, kw, n, oh, ow */
  const char *img, *cols; /* the image and window buffers; NULL: the nodes' (em_buffer) */
} Win;

/* The window of node n over N images (the image's N, or fewer: a block of them). */
static Win win_of_n(const Graph *g, const Node *n, int N) {
  const Node *img = n->op == OP_WINDOW ? &g->nodes[n->in[0]] : n;
  const Node *cols = n->op == OP_WINDOW ? n : &g->nodes[n->in[0]];
  const int *a = n->attr;
  Win w = {img->shape.d[1], a[WA_KH], a[WA_KW], img->shape.d[0], cols->shape.d[4], cols->shape.d[5],
           img->shape.d[2], img->shape.d[3], a[WA_SH], a[WA_SW], a[WA_PH], a[WA_PW], a[WA_MODE], {0}, NULL, NULL};
  if (N > 0) w.N = N;
  int64_t size[6] = {w.C, w.KH, w.KW, w.N, w.OH, w.OW}, st = 1;
  for (int i = 5; i >= 0; i--) {
    w.st[win_layout[a[WA_LAYOUT]][i]] = st;
    st *= size[win_layout[a[WA_LAYOUT]][i]];
  }
  return w;
}

static Win win_of(const Graph *g, const Node *n) { return win_of_n(g, n, 0); }

/* " + var*coef", or nothing when the dim has one element. */
static const char *term(const char *var, int64_t coef, int64_t size) {
  if (size == 1) return "";
  return coef == 1 ? ir_fmt(" + %s", var) : ir_fmt(" + %s * %lld", var, (long long)coef);
}

/* "a + b" from " + a + b", "0" from "". */
static const char *sum_terms(const char *t) { return *t ? t + 3 : "0"; }

/* Windows that tile the image exactly (ir_tiles): the scatter writes every pixel once, so it
 * stores instead of zeroing and adding. */
static int win_exact(const Win *w) {
  return ir_tiles(w->KH, w->SH, w->PH, w->OH, w->H) && ir_tiles(w->KW, w->SW, w->PW, w->OW, w->W);
}

/* Kernel column kw's output columns [0, lo) fall in the left padding, [lo, hi) in the image,
 * [hi, OW) in the right padding. */
static void kw_run(const Win *w, int kw, int *lo, int *hi) {
  int off = kw - w->PW; /* image column of output column ow: ow * SW + off */
  *lo = off >= 0 ? 0 : (-off + w->SW - 1) / w->SW;
  *hi = w->W - 1 - off < 0 ? 0 : (w->W - 1 - off) / w->SW + 1;
  if (*lo > w->OW) *lo = w->OW;
  if (*hi > w->OW) *hi = w->OW;
  if (*hi < *lo) *hi = *lo;
}

/* Does the scatter-add add anything of kernel column kw to the image? */
static int kw_adds(const Win *w, int kw) {
  int lo, hi;
  kw_run(w, kw, &lo, &hi);
  return hi > lo || (w->mode == PAD_REPLICATE && (lo > 0 || hi < w->OW));
}

static void win_row(Em *e, int id, const Win *w, int kw0, int kw1) {
  const Node *n = &e->g->nodes[id];
  const char *add = win_exact(w) ? "=" : "+=";
  int gather = n->op == OP_WINDOW;
  const char *img = w->img ? w->img : gather ? em_buffer(e, n->in[0], 0) : em_buffer(e, id, 1);
  const char *cols = w->cols ? w->cols : gather ? em_buffer(e, id, 1) : em_buffer(e, n->in[0], 0);
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
  for (int kw = kw0; kw < kw1; kw++) {
    int off = kw - w->PW, lo, hi; /* image column of output column ow: ow * SW + off */
    kw_run(w, kw, &lo, &hi);
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

/* Max pooling (MAXPOOL) and its adjoint (MAXPOOL_BACK), one image plane (n, c) at a time.
 * Rule (PyTorch's, a sequential scan of each window in order, kernel rows then columns): the
 * first maximum wins, a NaN wins over numbers and a later NaN over an earlier one; padding is
 * never read, so it never wins.  The adjoint finds the same pixel of x again (no argmax mask
 * is stored) and adds each gradient there; when the windows tile the image it stores every
 * pixel instead (the gradient at its window's maximum, zero elsewhere) and nothing is filled.
 *
 * Flat path: when the windows tile the image's width (no column padding, W = OW * SW, KW <= SW)
 * the image is one run of H * OW column groups of SW pixels.  The kernel columns are reduced
 * first, in one long loop over that run (its strided reads vectorize as one interleaved
 * group), then the kernel rows per output row, in loops over contiguous output columns; the
 * two stages together keep the scan's rule (per row the first or last-NaN winner, then rows in
 * order).  Other windows (column padding, overlap across columns) scan each window in order
 * with its running maximum in registers; the output columns at a padded edge loop over only
 * their kernel columns inside the image. */
typedef struct {
  int KH, KW, SH, SW, PH, PW, H, W, OH, OW;
  int lo, hi; /* the output columns whose window lies inside the image's columns */
  int id;     /* the node */
  int epi;    /* the adjoint's elementwise user, whose block this is (plan.c's epilogue), or -1 */
  int via;    /* the node the user reads the adjoint through: the adjoint, or its plane swap */
  int nread;  /* the tensors the user's expression reads, each through w_e<i>: the plane's */
  int read[MAX_GROUP]; /* elements, as the adjoint's output (w_gx) holds the user's */
  int swap[MAX_GROUP]; /* read with its planes swapped (through an ir_plane_swap) */
} Pool;

enum { POOL_FLAT_MAX = 4096 }; /* the flat path's per-plane buffers (H * OW elements) */

/* "v" or "v * k" */
static const char *times(const char *v, int k) { return k == 1 ? v : ir_fmt("%s * %d", v, k); }

/* w_ih, the image row of output row w_oh's first kernel row (negative in the padding). */
static void pool_ih(Em *e, const Pool *p) {
  em_line(e, "int w_ih = %s%s;", times("w_oh", p->SH), p->PH ? ir_fmt(" - %d", p->PH) : "");
}

/* The image column that output column ow (a C expression) reads at kernel column kw. */
static const char *pool_col(const Pool *p, const char *ow, int kw) {
  int off = kw - p->PW;
  const char *base = times(ow, p->SW);
  return off > 0 ? ir_fmt("%s + %d", base, off) : off < 0 ? ir_fmt("%s - %d", base, -off) : base;
}

/* The scan's step: value v (pixel i) against the running maximum mx (pixel a); `first`: a < 0
 * means nothing is taken yet. */
static void pool_take(Em *e, const char *v, const char *i, const char *mx, const char *a, int first) {
  em_line(e, "{ %s w_v = %s; int w_i = %s, w_t = (w_v > %s) | (w_v != w_v)%s; %s = w_t ? w_v : %s; %s = w_t ? w_i : %s; }", e->real, v,
          i, mx, first ? ir_fmt(" | (%s < 0)", a) : "", mx, mx, a, a);
}

/* Node id's expression when every tensor it reads is substituted (e->subst, set by the caller,
 * cleared here): the indices are then never used. */
static const char *subst_expr(Em *e, int id) {
  Aff idx[MAX_DIMS];
  for (int d = 0; d < MAX_DIMS; d++) idx[d] = em_aff_zero();
  const char *x = em_expr(e, id, idx);
  e->nsubst = 0;
  return x;
}

/* Tiling windows: pixel px (an index into the plane) of the adjoint gets val, stored once;
 * with an epilogue, the user's value at that pixel is stored instead (w_gx then points into
 * the user's buffer), every tensor it reads read at px too (plan.c: they have its shape). */
static void pool_store(Em *e, const Pool *p, const char *px, const char *val) {
  if (p->epi < 0) {
    em_line(e, "w_gx[%s] = %s;", px, val);
    return;
  }
  e->nsubst = 0;
  e->subst_node[e->nsubst] = p->id, e->subst[e->nsubst++] = ir_fmt("(%s)", val);
  for (int i = 0; i < p->nread; i++) e->subst_node[e->nsubst] = p->read[i], e->subst[e->nsubst++] = ir_fmt("w_e%d[%s]", i, px);
  em_line(e, "w_gx[%s] = %s;", px, subst_expr(e, p->epi));
}

/* The stored tensors the epilogue's expression (node id, through the nodes computed inside
 * it) reads, but for the adjoint itself and constants; those read through a plane swap
 * (plan.c's walks_whole) marked. */
static void epilogue_reads(Em *e, Pool *p, int id) {
  const Node *n = &e->g->nodes[id];
  for (int k = 0; k < n->nin; k++) {
    int x = n->in[k], swap = 0;
    if (x == p->via || e->g->nodes[ir_root_of(e->g, x)].op == OP_CONST) continue;
    if (e->fp->inl[x] && ir_plane_swap(e->g, x) && !e->fp->inl[e->g->nodes[x].in[0]]) x = e->g->nodes[x].in[0], swap = 1;
    if (e->fp->inl[x]) {
      epilogue_reads(e, p, x);
      continue;
    }
    int r = ir_root_of(e->g, x), seen = 0;
    for (int i = 0; i < p->nread; i++) {
      if (p->read[i] == r && p->swap[i] != swap) die("max_pool_backward %%%d: an epilogue reading a tensor in two orders", p->id);
      seen |= p->read[i] == r;
    }
    if (seen) continue;
    if (p->nread == MAX_GROUP) die("max_pool_backward %%%d: an epilogue reading too many tensors", p->id);
    p->swap[p->nread] = swap;
    p->read[p->nread++] = r;
  }
}

/* The first element of the plane of an epilogue's tensor that image plane w_nc (n, c) of the
 * adjoint maps to: the same plane, or, in the other order (CNHW for NCHW), plane (c, n). */
static const char *pool_plane(const Pool *p, int N, int C, int swapped) {
  if (!swapped) return ir_fmt("(size_t)w_nc * %d", p->H * p->W);
  return ir_fmt("(size_t)(w_nc %% %d * %d + w_nc / %d) * %d", C, N, C, p->H * p->W);
}

static void pool_end(Em *e) {
  e->ind--;
  em_line(e, "}");
}

/* The kernel rows of output row w_oh (image row w_ih) that lie inside the image: "w_kh0" and
 * "w_kh1" when there is row padding, else the constants. */
static void pool_kh_range(Em *e, const Pool *p, const char **k0, const char **k1) {
  *k0 = "0", *k1 = ir_fmt("%d", p->KH);
  if (!p->PH) return;
  em_line(e, "int w_kh0 = w_ih < 0 ? -w_ih : 0, w_kh1 = w_ih + %d > %d ? %d - w_ih : %d;", p->KH, p->H, p->H, p->KH);
  *k0 = "w_kh0", *k1 = "w_kh1";
}

/* Scan path: the window of output column w_ow; its kernel columns unrolled when it lies inside
 * the image's columns, else a loop over those inside (w_kw0..w_kw1).  Stores the forward's
 * output or the adjoint's gradient. */
static void pool_scan(Em *e, const Pool *p, int back, int exact, int edge, const char *kh0, const char *kh1) {
  if (edge) {
    em_line(e, "int w_c0 = %s%s;", times("w_ow", p->SW), p->PW ? ir_fmt(" - %d", p->PW) : "");
    em_line(e, "int w_kw0 = w_c0 < 0 ? -w_c0 : 0, w_kw1 = w_c0 + %d > %d ? %d - w_c0 : %d;", p->KW, p->W, p->W, p->KW);
  }
  em_line(e, "%s w_mx = -INFINITY;", e->real);
  if (back) em_line(e, "int w_a = -1;");
  em_line(e, "for (int w_kh = %s; w_kh < %s; w_kh++) {", kh0, kh1);
  e->ind++;
  em_line(e, "const %s *restrict w_row = w_x + (w_ih + w_kh) * %d;", e->real, p->W);
  for (int kw = 0; kw < (edge ? 1 : p->KW); kw++) {
    const char *c = edge ? "w_c0 + w_kw" : pool_col(p, "w_ow", kw);
    if (edge) em_line(e, "for (int w_kw = w_kw0; w_kw < w_kw1; w_kw++)");
    if (edge) e->ind++;
    if (!back) em_line(e, "w_mx = %s(w_mx, w_row[%s]);", em_fn(e, "dlc_max"), c);
    else pool_take(e, ir_fmt("w_row[%s]", c), ir_fmt("(w_ih + w_kh) * %d + %s", p->W, c), "w_mx", "w_a", 1);
    if (edge) e->ind--;
  }
  pool_end(e);
  if (!back) {
    em_line(e, "w_y[w_oh * %d + w_ow] = w_mx;", p->OW);
  } else if (!exact) {
    em_line(e, "w_gx[w_a] += w_g[w_oh * %d + w_ow];", p->OW);
  } else if (p->epi < 0) { /* tiling windows: never at an edge */
    em_line(e, "for (int w_kh = 0; w_kh < %d; w_kh++) {", p->KH);
    for (int kw = 0; kw < p->KW; kw++) em_line(e, "  w_gx[(w_ih + w_kh) * %d + %s] = %s;", p->W, pool_col(p, "w_ow", kw), em_lit(e, 0));
    em_line(e, "}");
    em_line(e, "w_gx[w_a] = w_g[w_oh * %d + w_ow];", p->OW);
  } else { /* each pixel of the window once, through the epilogue */
    em_line(e, "for (int w_kh = 0; w_kh < %d; w_kh++) {", p->KH);
    e->ind++;
    for (int kw = 0; kw < p->KW; kw++) {
      const char *px = ir_fmt("(w_ih + w_kh) * %d + %s", p->W, pool_col(p, "w_ow", kw));
      pool_store(e, p, px, ir_fmt("w_a == %s ? w_g[w_oh * %d + w_ow] : %s", px, p->OW, em_lit(e, 0)));
    }
    pool_end(e);
  }
}

static void pool_scan_row(Em *e, const Pool *p, int back, int exact) {
  const char *kh0, *kh1;
  pool_kh_range(e, p, &kh0, &kh1);
  int runs[3][3] = {{0, p->lo, 1}, {p->lo, p->hi, 0}, {p->hi, p->OW, 1}}; /* [from, to), at an edge */
  for (int r = 0; r < 3; r++) {
    if (runs[r][1] <= runs[r][0]) continue;
    em_line(e, "for (int w_ow = %d; w_ow < %d; w_ow++) { /* %s */", runs[r][0], runs[r][1],
            runs[r][2] ? "an edge: the kernel columns inside the image" : "every kernel column inside the image");
    e->ind++;
    pool_scan(e, p, back, exact, runs[r][2], kh0, kh1);
    pool_end(e);
  }
}

/* Flat path, stage 1: per column group j of the plane (image row j / OW), the max over the
 * kernel columns (and its pixel). */
static void pool_flat_columns(Em *e, const Pool *p, int back) {
  int n = p->H * p->OW;
  em_line(e, "%s w_cm[%d]; /* per image row and output column: the max over the kernel columns */", e->real, n);
  if (back) em_line(e, "int w_cp[%d]; /* and its pixel */", n);
  em_line(e, "for (int w_j = 0; w_j < %d; w_j++) {", n);
  e->ind++;
  const char *j0 = times("w_j", p->SW);
  if (!back) {
    const char *v = ir_fmt("w_x[%s]", j0);
    for (int kw = 1; kw < p->KW; kw++) v = ir_fmt("%s(%s, w_x[%s + %d])", em_fn(e, "dlc_max"), v, j0, kw);
    em_line(e, "w_cm[w_j] = %s;", v);
  } else {
    em_line(e, "%s w_mx = w_x[%s];", e->real, j0);
    em_line(e, "int w_a = %s;", j0);
    for (int kw = 1; kw < p->KW; kw++) pool_take(e, ir_fmt("w_x[%s + %d]", j0, kw), ir_fmt("%s + %d", j0, kw), "w_mx", "w_a", 0);
    em_line(e, "w_cm[w_j] = w_mx;");
    em_line(e, "w_cp[w_j] = w_a;");
  }
  pool_end(e);
}

static void emit_pool_flat(Em *e, const Pool *p, int back, int exact) {
  pool_flat_columns(e, p, back);
  int OW = p->OW;
  if (exact) {
    em_line(e, "int w_wp[%d]; /* per image row and output column: its window's maximum pixel */", p->H * OW);
    em_line(e, "%s w_wg[%d]; /* and gradient */", e->real, p->H * OW);
  }
  em_line(e, "for (int w_oh = 0; w_oh < %d; w_oh++) { /* stage 2: the kernel rows, in order */", p->OH);
  e->ind++;
  pool_ih(e, p);
  const char *kh0, *kh1;
  pool_kh_range(e, p, &kh0, &kh1);
  /* the first kernel row inside the image copied, the others taken in order, each in a loop
   * over the output columns (a loop nest over output rows and columns made clang gather) */
  const char *row0 = p->PH ? ir_fmt("(w_ih + w_kh0) * %d", OW) : ir_fmt("w_ih * %d", OW), *rowk = ir_fmt("(w_ih + w_kh) * %d", OW);
  if (!back) {
    em_line(e, "%s *restrict w_m = w_y + w_oh * %d;", e->real, OW);
    em_line(e, "for (int w_ow = 0; w_ow < %d; w_ow++) w_m[w_ow] = w_cm[%s + w_ow];", OW, row0);
    em_line(e, "for (int w_kh = %s; w_kh < %s; w_kh++)", p->PH ? "w_kh0 + 1" : "1", kh1);
    em_line(e, "  for (int w_ow = 0; w_ow < %d; w_ow++) w_m[w_ow] = %s(w_m[w_ow], w_cm[%s + w_ow]);", OW, em_fn(e, "dlc_max"), rowk);
  } else {
    em_line(e, "%s w_m[%d]; /* per output column: the maximum so far and its pixel */", e->real, OW);
    em_line(e, "int w_a[%d];", OW);
    em_line(e, "for (int w_ow = 0; w_ow < %d; w_ow++) w_m[w_ow] = w_cm[%s + w_ow], w_a[w_ow] = w_cp[%s + w_ow];", OW, row0, row0);
    em_line(e, "for (int w_kh = %s; w_kh < %s; w_kh++)", p->PH ? "w_kh0 + 1" : "1", kh1);
    em_line(e, "  for (int w_ow = 0; w_ow < %d; w_ow++)", OW);
    e->ind += 2;
    pool_take(e, ir_fmt("w_cm[%s + w_ow]", rowk), ir_fmt("w_cp[%s + w_ow]", rowk), "w_m[w_ow]", "w_a[w_ow]", 0);
    e->ind -= 2;
    if (!exact) {
      em_line(e, "for (int w_ow = 0; w_ow < %d; w_ow++) w_gx[w_a[w_ow]] += w_g[w_oh * %d + w_ow];", OW, OW);
    } else {
      em_line(e, "for (int w_kh = 0; w_kh < %d; w_kh++)", p->KH);
      em_line(e, "  for (int w_ow = 0; w_ow < %d; w_ow++) w_wp[%s + w_ow] = w_a[w_ow], w_wg[%s + w_ow] = w_g[w_oh * %d + w_ow];", OW,
              rowk, rowk, OW);
    }
  }
  pool_end(e);
  if (exact) {
    em_line(e, "for (int w_j = 0; w_j < %d; w_j++) { /* stage 3: every pixel stored once, in the order of stage 1 */", p->H * OW);
    e->ind++;
    for (int kw = 0; kw < p->KW; kw++) {
      const char *px = times("w_j", p->SW);
      if (kw) px = ir_fmt("%s + %d", px, kw);
      pool_store(e, p, px, ir_fmt("w_wp[w_j] == %s ? w_wg[w_j] : %s", px, em_lit(e, 0)));
    }
    pool_end(e);
  }
}

/* The adjoint of 2 x 2 windows of stride 2 that tile the image (not under --check-numerics):
 * each output row's windows a vector of them at a time through dlc_pool2_back (dlc_kernel.h:
 * even and odd pixels split by shuffles, the scan's winners as lane masks), which stores both
 * image rows' pixels, the gradient or +0, in the adjoint, or, with an epilogue, in a plane of
 * them that the epilogue then reads in one flat loop.  The same winners and values as the flat
 * path's scan, so the same bits.  Rows of at least half a vector of windows: fashion_cnn's first
 * pooling's adjoint with ReLU's mask (14 windows a row, 16 lanes), alone 310 -> 155 us, in the
 * training step 4.6 -> 2.8 % of the time (perf); LeNet's 41 -> 26 us alone, its step 3 % faster
 * (alternating builds).  Rows of 7 windows in 16 lanes ran no faster than the flat path. */
enum { POOL2_PLANE_MAX = 8192 }; /* the epilogue's plane of gradients (elements) */

static int pool2_vec(const Em *e, const Pool *p) {
  return !e->o->check_numerics && ir_pool2x2(e->g, p->id) && 2 * p->OW >= em_vlanes(e) && (int64_t)p->H * p->W <= POOL2_PLANE_MAX;
}

/* "v + k", "v - k" or v */
static const char *plus_k(const char *v, int k) { return k > 0 ? ir_fmt("%s + %d", v, k) : k < 0 ? ir_fmt("%s - %d", v, -k) : v; }

/* The forward over the same windows (2 x 2, stride 2, tiling the image), any row width: each
 * output row through dlc_pool2_fwd (dlc_kernel.h), a vector of windows at a time, instead of
 * the flat path's two stages (the second a loop over a row's few output columns): the same
 * maxima by the same rule, so the same bits.  LeNet's poolings (rows of 14 and 5 windows):
 * 2.3 -> 1.9 % and 2.4 -> 1.5 % of the training step (perf).  Not under --check-numerics,
 * whose build, the flat path, the fused tests compare with. */
static int pool2_fwd(const Em *e, const Pool *p, int back) { return !back && !e->o->check_numerics && ir_pool2x2(e->g, p->id); }

/* The OH rows of windows of the plane at x (rows of W pixels) into y (rows of OW) */
static void pool2_fwd_rows(Em *e, int OH, int OW, int W, const char *x, const char *y) {
  int VL = em_vlanes(e), OWt = OW / VL * VL;
  const char *fn = ir_fmt("dlc_pool2_fwd_%s", em_vtype(e) + 4);
  em_line(e, "for (int w_oh = 0; w_oh < %d; w_oh++) { /* a row of windows: its two image rows */", OH);
  e->ind++;
  em_line(e, "const %s *restrict w_x0 = %s + w_oh * %d;", e->real, x, 2 * W);
  if (OWt > VL)
    em_line(e, "for (int w_ow = 0; w_ow < %d; w_ow += %d) %s(w_x0 + 2 * w_ow, w_x0 + %d + 2 * w_ow, %d, %s + w_oh * %d + w_ow);", OWt,
            VL, fn, W, VL, y, OW);
  else if (OWt)
    em_line(e, "%s(w_x0, w_x0 + %d, %d, %s + w_oh * %d);", fn, W, VL, y, OW);
  if (OWt < OW)
    em_line(e, "%s(%s, w_x0 + %d, %d, %s);", fn, plus_k("w_x0", 2 * OWt), W + 2 * OWt, OW - OWt, plus_k(ir_fmt("%s + w_oh * %d", y, OW), OWt));
  pool_end(e);
}

/* The 2 x 2 max pooling p (plan_direct_pool's) of one image plane at x into its plane at y */
void em_pool2_plane(Em *e, int p, const char *x, const char *y) {
  const Shape *ys = &e->g->nodes[p].shape;
  pool2_fwd_rows(e, ys->d[2], ys->d[3], e->g->nodes[e->g->nodes[p].in[0]].shape.d[3], x, y);
}

/* n windows of the row from window c, plus window var when not NULL (a loop's variable) */
static void pool2_call(Em *e, const Pool *p, const char *fn, const char *var, int c, int n) {
  const char *two = var ? ir_fmt(" + 2 * %s", var) : "", *one = var ? ir_fmt(" + %s", var) : "";
  const char *x0 = ir_fmt("%s%s", plus_k("w_x0", 2 * c), two), *x1 = ir_fmt("%s%s", plus_k("w_x0", p->W + 2 * c), two);
  const char *p0 = ir_fmt("%s%s", plus_k("w_p0", 2 * c), two), *p1 = ir_fmt("%s%s", plus_k("w_p0", p->W + 2 * c), two);
  em_line(e, "%s(%s, %s, %s%s, %d, %s, %s);", fn, x0, x1, plus_k(ir_fmt("w_g + w_oh * %d", p->OW), c), one, n, p0, p1);
}

static void emit_pool2_back(Em *e, const Pool *p) {
  int VL = em_vlanes(e), OWt = p->OW / VL * VL, W = p->W;
  const char *dst = p->epi < 0 ? "w_gx" : "w_pg", *fn = ir_fmt("dlc_pool2_back_%s", em_vtype(e) + 4);
  if (p->epi >= 0)
    em_line(e, "%s w_pg[%d]; /* each pixel's gradient: its window's at the window's maximum, else zero */", e->real, p->H * W);
  em_line(e, "for (int w_oh = 0; w_oh < %d; w_oh++) { /* a row of windows: its two image rows */", p->OH);
  e->ind++;
  em_line(e, "const %s *restrict w_x0 = w_x + w_oh * %d;", e->real, 2 * W);
  em_line(e, "%s *restrict w_p0 = %s + w_oh * %d;", e->real, dst, 2 * W);
  if (OWt > VL) {
    em_line(e, "for (int w_ow = 0; w_ow < %d; w_ow += %d)", OWt, VL);
    e->ind++;
    pool2_call(e, p, fn, "w_ow", 0, VL);
    e->ind--;
  } else if (OWt) {
    pool2_call(e, p, fn, NULL, 0, VL);
  }
  if (OWt < p->OW) pool2_call(e, p, fn, NULL, OWt, p->OW - OWt);
  pool_end(e);
  if (p->epi >= 0) {
    em_line(e, "for (int w_j = 0; w_j < %d; w_j++) { /* the epilogue, every pixel */", p->H * W);
    e->ind++;
    pool_store(e, p, "w_j", "w_pg[w_j]");
    pool_end(e);
  }
}

static void emit_pool(Em *e, int id, int via, int epi) {
  const Node *n = &e->g->nodes[id];
  const int *a = n->attr;
  int back = n->op == OP_MAXPOOL_BACK;
  const Shape *xs = &e->g->nodes[n->in[0]].shape, *ys = back ? &e->g->nodes[n->in[1]].shape : &n->shape;
  int planes = xs->d[0] * xs->d[1];
  Pool p = {a[WA_KH], a[WA_KW], a[WA_SH], a[WA_SW], a[WA_PH], a[WA_PW], xs->d[2], xs->d[3], ys->d[2], ys->d[3], 0, 0, id, epi, via, 0, {0}, {0}};
  int uswap = via != id; /* the user's planes are the adjoint's swapped */
  /* interior output columns: ow * SW - PW >= 0 and ow * SW - PW + KW <= W */
  p.lo = (p.PW + p.SW - 1) / p.SW;
  p.hi = p.W - p.KW + p.PW < 0 ? 0 : (p.W - p.KW + p.PW) / p.SW + 1;
  if (p.hi > p.OW) p.hi = p.OW;
  if (p.lo > p.OW) p.lo = p.OW;
  if (p.hi < p.lo) p.hi = p.lo;
  int exact = back && ir_pool_tiles(e->g, id);
  if (epi >= 0 && !exact) die("max_pool_backward %%%d: an epilogue, but its windows overlap", id);
  int flat = !p.PW && p.W == p.OW * p.SW && p.KW <= p.SW && (int64_t)p.H * p.OW <= POOL_FLAT_MAX;
  if (epi >= 0) epilogue_reads(e, &p, epi);
  const char *x = em_buffer(e, n->in[0], 0), *out = em_buffer(e, epi < 0 ? id : epi, 1);
  const char *gy = back ? em_buffer(e, n->in[1], 0) : NULL;
  if (back && !exact) em_fill(e, id, em_lit(e, 0));
  em_omp_split(e, (int64_t)planes * p.OH * p.OW * p.KH * p.KW);
  em_split_for(e, "w_nc", planes, "an image plane (n, c)");
  e->ind++;
  em_line(e, "const %s *restrict w_x = %s + (size_t)w_nc * %d;", e->real, x, p.H * p.W);
  if (back) {
    em_line(e, "const %s *restrict w_g = %s + (size_t)w_nc * %d;", e->real, gy, p.OH * p.OW);
    em_line(e, "%s *restrict w_gx = %s + %s;%s", e->real, out, pool_plane(&p, xs->d[0], xs->d[1], uswap),
            epi >= 0 ? ir_fmt(" /* %%%d's elements%s */", epi, uswap ? ", plane (c, n)" : "") : "");
    for (int i = 0; i < p.nread; i++) /* a tensor read with its planes swapped has the other order than the user's */
      em_line(e, "const %s *restrict w_e%d = %s + %s;", e->real, i, em_buffer(e, p.read[i], 0),
              pool_plane(&p, xs->d[0], xs->d[1], p.swap[i] != uswap));
  } else {
    em_line(e, "%s *restrict w_y = %s + (size_t)w_nc * %d;", e->real, out, p.OH * p.OW);
  }
  if (back && pool2_vec(e, &p)) {
    emit_pool2_back(e, &p);
  } else if (pool2_fwd(e, &p, back)) {
    pool2_fwd_rows(e, p.OH, p.OW, p.W, "w_x", "w_y");
  } else if (flat) {
    emit_pool_flat(e, &p, back, exact);
  } else {
    em_line(e, "for (int w_oh = 0; w_oh < %d; w_oh++) {", p.OH);
    e->ind++;
    pool_ih(e, &p);
    pool_scan_row(e, &p, back, exact);
    pool_end(e);
  }
  pool_end(e);
}

void emit_pool_epilogue(Em *e, int id, int via, int user) { emit_pool(e, id, via, user); }

static const char *win_var[6] = {"w_c", "w_kh", "w_kw", "w_n", "w_oh", "w_ow"};

/* The loops over dims[from..to) of a window, opened; returns the braces to close.  Two loops
 * split together (collapse) and ranged (em_pragma) are one loop over their pairs. */
static int open_loops(Em *e, const int *dims, int from, int to, const int64_t *size) {
  const char **var = win_var;
  int braces = 0;
  for (int i = from; i < to; i++, braces++) {
    const char *v = var[dims[i]];
    if (i + 1 < to && e->pragma_next && strstr(e->pragma_next, "collapse(2)") &&
        em_pragma(e, size[dims[i]] * size[dims[i + 1]])) {
      const char *v1 = var[dims[i + 1]];
      em_line(e, "for (int w_t = r_lo; w_t < r_hi; w_t++) { /* this thread's share of the %lld (%s, %s) */",
              (long long)(size[dims[i]] * size[dims[i + 1]]), v, v1);
      em_line(e, "  int %s = w_t / %lld, %s = w_t %% %lld;", v, (long long)size[dims[i + 1]], v1, (long long)size[dims[i + 1]]);
      e->ind++;
      i++;
      continue;
    }
    if (em_pragma(e, size[dims[i]])) em_line(e, "for (int %s = r_lo; %s < r_hi; %s++) { /* this thread's share of %lld */", v, v, v, (long long)size[dims[i]]);
    else em_line(e, "for (int %s = 0; %s < %lld; %s++) {", v, v, (long long)size[dims[i]], v);
    e->ind++;
  }
  return braces;
}

/* --openmp, a scatter-add split by images or channels: the planes of this thread's images
 * (channels) zeroed in its loop, where it then adds to them, not in a pass of their own
 * before (which the kernel's one ranged loop leaves no room for); dims[0..open) are open. */
static void zero_planes(Em *e, const Win *w, const char *img, const int *dims, int open) {
  int n_open = 0, c_open = 0;
  for (int i = 0; i < open; i++) n_open |= dims[i] == WD_N, c_open |= dims[i] == WD_C;
  em_line(e, "{ /* zero %s planes */", open ? "this share's" : "the");
  e->ind++;
  int ind = e->ind;
  if (!n_open && w->N > 1) em_line(e, "for (int w_n = 0; w_n < %d; w_n++)", w->N), e->ind++;
  if (!c_open && w->C > 1) em_line(e, "for (int w_c = 0; w_c < %d; w_c++)", w->C), e->ind++;
  const char *plane = sum_terms(ir_fmt("%s%s", term("w_n", (int64_t)w->C, w->N), term("w_c", 1, w->C)));
  em_line(e, "for (int w_j = 0; w_j < %d; w_j++) %s[(%s) * %d + w_j] = %s;", w->H * w->W, img, plane, w->H * w->W, em_lit(e, 0));
  e->ind = ind - 1;
  em_line(e, "}");
}

/* The scatter-add (col2im) a row of the image at a time: at stride 1, zero padding, rows of
 * at most UNWIN_ROW_VECS vectors and the window tensor's ow contiguous, each image row (n, c,
 * ih) is summed in registers from its kernel rows' window rows in order (kh, then kw: each
 * window row's run that lands in the image copied into a zeroed vector at its column, added)
 * and stored once; no zeroing pass, no image row read back.  Each pixel gets the same terms in
 * the same order as from the adds of the loops below (the zeros at the other columns leave a
 * sum as it is: it starts at +0 and is never -0), so the same bits.  LeNet's second
 * convolution's input gradient: 50 -> 32 us (the adds of 10-column runs, an image row read
 * and written back for every kernel column, before).  Not under --check-numerics, whose
 * build, the loops below, the fused tests compare with. */
enum { UNWIN_ROW_VECS = 4 };

static int unwindow_rows_ok(const Em *e, const Node *n, const Win *w) {
  int L = em_vlanes(e);
  return n->op == OP_UNWINDOW && !e->o->check_numerics && w->mode == PAD_ZEROS && w->SH == 1 && w->SW == 1 &&
         w->st[WD_OW] == 1 && (w->W + L - 1) / L <= UNWIN_ROW_VECS;
}

static void unwindow_rows(Em *e, const Win *w, const char *img, const char *cols) {
  int L = em_vlanes(e), NV = (w->W + L - 1) / L, planes = w->N * w->C;
  /* G planes at a time, each image row's sum its own chain of adds: one plane's row alone is
   * a chain of up to KH * KW dependent adds (LeNet's second convolution: 25), waiting on the
   * add's latency (LeNet's: a sixth less time with 4 planes, perf; each pixel's terms in the
   * same order) */
  int G = 1;
  while (G < 4 && planes % (2 * G) == 0 && 2 * G * NV <= 8) G *= 2;
  const char *v = em_vtype(e), *real = e->real;
  em_omp_split(e, (int64_t)planes * w->KH * w->KW * w->OH * w->OW);
  if (G > 1) em_split_for(e, "w_ng", planes / G, ir_fmt("%d image planes (n, c)", G));
  else em_split_for(e, "w_nc", planes, "an image plane (n, c)");
  e->ind++;
  if (G > 1) em_line(e, "const int w_nc = w_ng * %d;", G);
  em_line(e, "%s *restrict w_img = %s + (size_t)w_nc * %d;", real, img, w->H * w->W);
  const char *nc = G > 1 ? "(w_nc + w_g)" : "w_nc";
  const char *nv = w->C > 1 ? ir_fmt("(%s / %d)", nc, w->C) : nc, *cv = w->N > 1 ? ir_fmt("(%s %% %d)", nc, w->C) : nc;
  const char *at = sum_terms(ir_fmt("%s%s", term(cv, w->st[WD_C], w->C), term(nv, w->st[WD_N], w->N)));
  em_line(e, "const %s *w_cols[%d]; /* the window rows of each plane's image n, channel c */", real, G);
  if (G > 1) em_line(e, "for (int w_g = 0; w_g < %d; w_g++) w_cols[w_g] = %s + %s;", G, cols, at);
  else em_line(e, "w_cols[0] = %s + %s;", cols, at);
  em_line(e, "for (int w_ih = 0; w_ih < %d; w_ih++) { /* an image row: its window rows' terms, kernel rows then columns */", w->H);
  e->ind++;
  em_line(e, "%s w_acc[%d][%d];", v, G, NV);
  em_line(e, "memset(w_acc, 0, sizeof w_acc);");
  /* output row oh = ih + PH - kh in [0, OH) */
  const char *first = plus_k("w_ih", w->PH - w->OH + 1), *last = plus_k("w_ih", w->PH); /* kh giving oh = OH - 1, 0 */
  em_line(e, "int w_kh0 = %s > 0 ? %s : 0, w_kh1 = %s < %d ? %s : %d;", first, first, last, w->KH - 1, last, w->KH - 1);
  em_line(e, "for (int w_kh = w_kh0; w_kh <= w_kh1; w_kh++) {");
  e->ind++;
  em_line(e, "const size_t w_o = %s;",
          sum_terms(ir_fmt("%s + (%s - w_kh) * %lld", term("w_kh", w->st[WD_KH], w->KH), last, (long long)w->st[WD_OH])));
  for (int kw = 0; kw < w->KW; kw++) {
    int lo, hi;
    kw_run(w, kw, &lo, &hi);
    if (hi <= lo) continue;
    em_line(e, "{ /* kernel column %d: output columns [%d,%d) to image columns [%d,%d) */", kw, lo, hi, lo + kw - w->PW, hi + kw - w->PW);
    e->ind++;
    for (int g = 0; g < G; g++) {
      em_line(e, "%s w_v%d[%d] = {0};", v, g, NV);
      em_line(e, "memcpy((%s *)w_v%d + %d, w_cols[%d] + w_o + %lld, %d * sizeof(%s));", real, g, lo + kw - w->PW, g,
              (long long)(kw * w->st[WD_KW] + lo), hi - lo, real);
      for (int q = 0; q < NV; q++) em_line(e, "w_acc[%d][%d] += w_v%d[%d];", g, q, g, q);
    }
    e->ind--;
    em_line(e, "}");
  }
  e->ind--;
  em_line(e, "}");
  em_line(e, "for (int w_g = 0; w_g < %d; w_g++) memcpy(w_img + w_g * %d + w_ih * %d, w_acc[w_g], %d * sizeof(%s));", G,
          w->H * w->W, w->W, w->W, real);
  e->ind--;
  em_line(e, "}");
  e->ind--;
  em_line(e, "}");
}

/* The loops of window node id over w: all of the node's images, or a block of them (w.img). */
static void window_loops(Em *e, int id, Win w) {
  const Node *n = &e->g->nodes[id];
  if (unwindow_rows_ok(e, n, &w)) {
    unwindow_rows(e, &w, w.img ? w.img : em_buffer(e, id, 1), w.cols ? w.cols : em_buffer(e, n->in[0], 0));
    return;
  }
  int64_t size[6] = {w.C, w.KH, w.KW, w.N, w.OH, w.OW};
  int dims[6], nd = 0;
  for (int i = 0; i < 6; i++) { /* the layout's dims; kw is unrolled and ow is the row loop */
    int d = win_layout[n->attr[WA_LAYOUT]][i];
    if (!(d == WD_KW || d == WD_OW || (size[d] == 1 && d != WD_OH))) dims[nd++] = d;
  }
  /* The scatter-add with a kernel column's rows overlapping the next one's (not win_exact):
   * each kernel column gets its own copy of the loops that follow kw in the layout (n, oh for
   * WL_CONV), so that the adds of one kernel column to an image row are a whole pass of rows
   * apart from the next one's, instead of re-reading, shifted by one, what the previous loop
   * just stored (a store-to-load forwarding stall per vector: LeNet's second convolution's
   * col2im ran at a third of its speed). */
  int kpos = nd; /* the loops before kw; those after it are repeated per kernel column */
  if (n->op == OP_UNWINDOW && !win_exact(&w) && w.KW > 1) {
    kpos = 0;
    for (int i = 0; i < 6 && win_layout[n->attr[WA_LAYOUT]][i] != WD_KW; i++)
      if (kpos < nd && dims[kpos] == win_layout[n->attr[WA_LAYOUT]][i]) kpos++;
    if (kpos == 0 || kpos == nd) kpos = nd; /* nothing to hoist over, or nothing after kw */
  }
  /* --openmp: the outermost loop split across threads when each thread then writes its own
   * elements: any loop of the gather; of the scatter-add, a loop over images or channels
   * (disjoint planes), or any when the windows tile the image (each pixel stored once).  A
   * short one (a kernel row) is split together with the next (collapse). */
  int d0 = nd ? dims[0] : -1, d1 = nd > 1 ? dims[1] : -1;
  int own0 = n->op == OP_WINDOW || win_exact(&w) || d0 == WD_C || d0 == WD_N;
  int own1 = n->op == OP_WINDOW || win_exact(&w) || ((d1 == WD_C || d1 == WD_N) && own0);
  int64_t numel = (int64_t)w.C * w.KH * w.KW * w.N * w.OH * w.OW;
  int zero_inside = n->op == OP_UNWINDOW && !win_exact(&w) && (d0 == WD_C || d0 == WD_N) && e->o->openmp &&
                    numel >= OMP_MIN_ELEMS; /* split by own0, below */
  const char *img = w.img ? w.img : em_buffer(e, id, 1);
  if (n->op == OP_UNWINDOW && !win_exact(&w) && !zero_inside) { /* zeroed first: the scatter adds */
    if (w.img) zero_planes(e, &w, img, dims, 0);
    else em_fill(e, id, em_lit(e, 0));
  }
  if (own0) em_omp_split(e, numel);
  int collapse = e->pragma_next && nd > 1 && kpos > 1 && size[d0] < 8 && own1;
  if (collapse) e->pragma_next = em_omp(e, "parallel for collapse(2)");
  int depth = 0;
  if (zero_inside) {
    int open = collapse ? 2 : 1;
    depth = open_loops(e, dims, 0, open, size);
    zero_planes(e, &w, img, dims, open);
    depth += open_loops(e, dims, open, kpos, size);
  } else {
    depth = open_loops(e, dims, 0, kpos, size);
  }
  int split = kpos < nd; /* one copy of the inner loops per kernel column */
  for (int kw = 0; kw < (split ? w.KW : 1); kw++) {
    if (split && !kw_adds(&w, kw)) continue; /* a kernel column only ever in the padding */
    int inner = open_loops(e, dims, kpos, nd, size);
    win_row(e, id, &w, split ? kw : 0, split ? kw + 1 : w.KW);
    while (inner--) {
      e->ind--;
      em_line(e, "}");
    }
  }
  while (depth--) {
    e->ind--;
    em_line(e, "}");
  }
}

void emit_window(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  if (n->op == OP_MAXPOOL || n->op == OP_MAXPOOL_BACK) {
    emit_pool(e, id, id, -1);
    return;
  }
  window_loops(e, id, win_of(e->g, n));
}

/* ---- a convolution's input gradient, a block of images at a time --------------------------
 * The scatter-add (col2im) of a product's output, when the product's columns are the window
 * tensor's (n, oh, ow) (WL_CONV: the product is W^T dY, its rows (c, kh, kw)): instead of the
 * whole window tensor (fashion_cnn's second convolution: 288 x 6272, 7.2 MB, written to memory
 * by the product and read back by the scatter), the product computes the columns of B images
 * (em_matmul_cols) into a buffer that stays in cache and the scatter adds them to those
 * images' planes, block after block.  Every pixel gets its terms in the same order as from the
 * whole tensor (its kernel rows, then columns): the same bits.  B: the most images whose
 * columns fit in half of L2 (--l2), else the fewest, dividing the batch, their columns a whole
 * number of vectors; none (0) under --check-numerics (each node's output checked).  --openmp
 * splits each block: the product by columns, the scatter by channels or images (disjoint
 * planes), so each pixel still gets its terms in order. */
/* The images of a block of product mm's columns (N images of ohw columns, rows rows). */
static int block_images(const Em *e, int mm, int N, int ohw, int64_t rows) {
  int64_t half = em_l2_bytes(e) / 2, esz = e->d64 ? 8 : 4;
  int fit = 0, fewest = 0;
  for (int b = 1; b < N; b++) {
    if (N % b || !em_matmul_cols_ok(e, mm, b * ohw)) continue;
    if (!fewest) fewest = b;
    if (rows * b * ohw * esz <= half) fit = b;
  }
  return fit ? fit : fewest;
}

/* the scatter id of product mm's columns, which are the window tensor's (n, oh, ow) */
static int unwindow_cols(const Em *e, int id, int mm) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id], *c = &g->nodes[mm];
  if (e->o->check_numerics || n->op != OP_UNWINDOW || c->op != OP_MATMUL || c->dt != n->dt) return 0;
  Win w = win_of(g, n);
  int ohw = w.OH * w.OW;
  return w.st[WD_OW] == 1 && w.st[WD_OH] == w.OW && w.st[WD_N] == ohw && c->shape.d[0] == w.C * w.KH * w.KW &&
         c->shape.d[1] == (int64_t)w.N * ohw;
}

static int grad_win(const Em *e, int id, int mm, Win *b);
static int grad_images(const Win *b);

/* The images of a block: the most whose columns fit in half of L2 (block_images); or for an
 * input gradient computed from dY (em_direct_grad), the fewest whose columns' storage holds the
 * rearranged weight, which is all it then holds. */
static int unwindow_chunk(const Em *e, int id, int mm) {
  if (!unwindow_cols(e, id, mm)) return 0;
  Win b;
  int n = grad_win(e, id, mm, &b) ? grad_images(&b) : 0;
  if (n) return n;
  Win w = win_of(e->g, &e->g->nodes[id]);
  return block_images(e, mm, w.N, w.OH * w.OW, e->g->nodes[mm].shape.d[0]);
}

/* ---- a convolution's forward product, a block of images at a time ------------------------
 * The window gather (im2col) read by one product only, W x (the forward, or a frozen layer's
 * training step: nothing else reads the window tensor), right before it: instead of the
 * whole window tensor (LeNet's first convolution: 25 x 25088, 2.5 MB written to memory and
 * read back by the product; fashion_cnn's second: 7.2 MB), the windows of B images go into a
 * buffer that stays in cache and the product computes those images' columns from it
 * (em_matmul_cols), block after block.  Each element of the product is the same sum over
 * k as from the whole tensor: the same bits.  B as for the scatter: the most images whose
 * windows fit in half of L2 (--l2), else the fewest, dividing the batch, their columns a whole
 * number of vectors; none under --check-numerics.  The block's own kernel (em_sub_kernel)
 * gathers it; --openmp splits the gather and the product as it splits them whole. */
static int window_chunk(const Em *e, int id, int mm) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id], *c = &g->nodes[mm];
  if (e->o->check_numerics || n->op != OP_WINDOW || c->op != OP_MATMUL || c->dt != n->dt || c->ta || c->tb) return 0;
  Win w = win_of(g, n);
  int ohw = w.OH * w.OW;
  int64_t K = (int64_t)w.C * w.KH * w.KW;
  if (w.st[WD_OW] != 1 || w.st[WD_OH] != w.OW || w.st[WD_N] != ohw || w.st[WD_KW] != (int64_t)w.N * ohw ||
      w.st[WD_KH] != w.KW * w.st[WD_KW] || w.st[WD_C] != w.KH * w.st[WD_KH] || c->shape.d[1] != (int64_t)w.N * ohw ||
      g->nodes[c->in[0]].shape.d[1] != K)
    return 0;
  return block_images(e, mm, w.N, ohw, K);
}

/* ---- a convolution's forward, direct: no window tensor ------------------------------------
 * The window gather read by one product only (window_chunk's case: the forward, a frozen
 * layer's training step), the product's rows (output channels) a whole number of vectors and
 * its k = C KH KW at least DIRECT_MIN_K, zero padding: the kernel computes the product from the
 * image itself.  A register tile holds T pixels of one image (R whole output rows, or a run of
 * one row) times one vector of output channels, and sums over (c, kh, kw) in order, each term
 * the pixel's input broadcast times the weight's column (the weight transposed first into the
 * window's storage, [c, kh, kw][channel]).  The same terms in the same order as the product
 * over the window tensor, whose padding terms (+ w * 0) leave a sum as it is and are left out:
 * the same bits (but for a weight of inf or NaN times a padding zero), without writing and
 * reading the windows (LeNet's second convolution: 150 x 3200 values a forward).  (The
 * transposed weight is remade at every call: M K moves against M K N OH OW multiply-adds, and
 * the window's storage it lives in belongs to other blocks between calls.)  The tile's
 * vectors are per pixel, the product's rows per channel: it is transposed in registers
 * (dlc_transpose in dlc_kernel.h, L pixels at a time) and stored as a run of each channel's
 * row.  --openmp: threads take whole images.  Tiles: at most 3/4 of the target's vector
 * registers of accumulators, whole rows when a row fits, else runs of a row cut evenly.
 * Fewer output channels than a vector: the pixel form below. */
enum { DIRECT_MIN_K = 32 }; /* below, the transposes cost more than the windows */

/* With an epilogue (the training step's and forward's convolution, bias and activation, then
 * 2 x 2 max pooling: LeNet's two): the tile stores each output element through the
 * product's one reader, an elementwise block over the image's NCHW layout that reads the
 * product through a plane swap (emit_c.c's epilogue_user: besides it, per-channel tensors
 * and constants only), into that block's planes, and the product is never stored; after an
 * image's tiles, the max pooling scheduled right after the block takes those planes while
 * they are in the cache (dlc_pool2_fwd, as its own block would).  The same operations on the
 * same sums: the same bits.  Saves the block's pass over the product (its transpose into
 * NCHW) and the pooling's over the block's output: LeNet's ReLUs and poolings, 7.6 % of its
 * training step and 22 % of its forward (perf), now half that inside the kernels: the step
 * 3 % faster, the forward 14 % (alternating builds).  (A convolution followed by batch norm,
 * fashion_cnn's, takes its bias this way; the norm's sums, which were computed in the bias
 * block's loop, then read the planes the tiles stored: no faster or slower.) */

struct Direct {
  Win w;
  int M, K, L;   /* output channels, k, lanes */
  int R, P, S;   /* rows per tile; pixels per run (P = OW: whole rows) and runs per row (S) */
  int pixels;    /* the other form: vectors of pixels (below) */
  int MR, NV, Hp, Wp; /* ... channels per tile, vectors per output row, the padded image's size */
  /* the epilogue (em_direct_conv_epi), or epi = -1: the product's elementwise user, stored in
   * its NCHW planes; the 2 x 2 max pooling of those planes (or -1); the per-channel tensors
   * (or single elements, scalar[i]) its expression reads, through tile parameters w_b<i> */
  int mm, epi, pool, nb, b[DIRECT_MAX_READS], scalar[DIRECT_MAX_READS];
  const char *bname[DIRECT_MAX_READS], *poolname; /* their buffers in the kernel, the pooling's */
  int back;   /* an input gradient (below): w is the convolution over dY */
  int xplane; /* the distance between the input's channel planes: H W, or dY's N OH OW */
};

/* The other form, for fewer output channels than a vector (LeNet's first convolution: 6) at
 * stride 1 along the rows, when whole rows of pixels fill at least 3/4 of their vectors: the
 * images padded first (into the window's storage, a row of vectors' worth of slack after
 * them), a tile holds MR output channels times R output rows of NV vectors of pixels, and sums
 * over (c, kh, kw) in order the weight broadcast times the padded row's pixels from column kw:
 * the product's terms, padding zeros included, in its order: the same bits.  Each tile row is
 * a run of the product's row: stored as it is, the lanes past the row's end left out.  (Also
 * tried for more channels and a short k, fashion_cnn's first convolution, 32 channels and
 * k = 9: 3 % slower than its windows, so not used there.) */
static int direct_pixels(const Em *e, Direct *d, int64_t room) {
  const Win *w = &d->w;
  int L = d->L, NV = (w->OW + L - 1) / L, A = em_vregs(e) * 3 / 4;
  if (w->SW != 1 || 4 * w->OW < 3 * NV * L || NV > A) return 0;
  int Hp = w->H + 2 * w->PH, Wp = w->W + 2 * w->PW;
  if ((int64_t)w->N * w->C * Hp * Wp + NV * L + w->KW > room) return 0;
  int MR = 1;
  for (int m = 1; m <= d->M && m * NV <= A; m++)
    if (d->M % m == 0) MR = m;
  d->pixels = 1, d->MR = MR, d->NV = NV, d->Hp = Hp, d->Wp = Wp;
  d->R = A / (MR * NV) < w->OH ? A / (MR * NV) : w->OH; /* >= 1: MR * NV <= A */
  return 1;
}

/* A tile of at most T pixels of d's output: whole rows when a row fits (as many as fit), else
 * runs of a row cut evenly */
static void tile_pixels(Direct *d, int T) {
  const Win *w = &d->w;
  if (w->OW <= T) {
    d->R = T / w->OW < w->OH ? T / w->OW : w->OH;
  } else {
    d->S = (w->OW + T - 1) / T;
    d->P = (w->OW + d->S - 1) / d->S;
  }
}

static int direct_of(const Em *e, int id, int mm, Direct *d) {
  const Graph *g = e->g;
  const Node *c = &g->nodes[mm];
  int B = window_chunk(e, id, mm);
  if (B <= 0) return 0;
  Win w = win_of(g, &g->nodes[id]);
  int L = em_vlanes(e), M = c->shape.d[0], K = w.C * w.KH * w.KW, A = em_vregs(e) * 3 / 4;
  /* the transposed weight in the window's storage (a block of B images' windows) */
  int64_t room = (int64_t)K * B * w.OH * w.OW;
  if (w.mode != PAD_ZEROS) return 0;
  *d = (Direct){w, M, K, L, 1, w.OW, 1, 0, 0, 0, 0, 0, mm, -1, -1, 0, {0}, {0}, {0}, NULL, 0, w.H * w.W};
  if (M < L) return direct_pixels(e, d, room);
  if (M % L || K < DIRECT_MIN_K || (int64_t)M * K > room) return 0;
  tile_pixels(d, A);
  return 1;
}

/* d, kept for the emitter's later calls */
static const Direct *direct_keep(const Direct *d) {
  Direct *k = ir_alloc(sizeof *k);
  *k = *d;
  return k;
}

const Direct *em_direct_conv(Em *e, int id, int mm) { return em_direct_conv_epi(e, id, mm, -1, -1, 0, NULL, NULL); }

const Direct *em_direct_conv_epi(Em *e, int id, int mm, int user, int pool, int nb, const int *b, const int *scalar) {
  Direct d;
  if (!direct_of(e, id, mm, &d) || nb > DIRECT_MAX_READS) return NULL;
  const Shape *us = user >= 0 ? &e->g->nodes[user].shape : NULL; /* NCHW: the product's planes swapped */
  if (us && (us->n != 4 || us->d[0] != d.w.N || us->d[1] != d.M || us->d[2] != d.w.OH || us->d[3] != d.w.OW)) return NULL;
  d.epi = user, d.pool = pool, d.nb = nb;
  for (int i = 0; i < nb; i++) d.b[i] = b[i], d.scalar[i] = scalar[i];
  return direct_keep(&d);
}

/* The tile's parameters of the epilogue's reads, after y, x, w and oh0 */
static const char *epi_params(const Em *e, const Direct *d) {
  const char *p = "";
  for (int i = 0; i < d->nb; i++) p = ir_fmt("%s, const %s *restrict w_b%d", p, e->real, i);
  return p;
}

/* and their arguments: channel group chan's (a C expression, NULL: the first) */
static const char *epi_args(const Direct *d, const char *chan) {
  const char *a = "";
  for (int i = 0; i < d->nb; i++)
    a = ir_fmt("%s, %s", a, d->scalar[i] || !chan ? d->bname[i] : ir_fmt("%s + %s", d->bname[i], chan));
  return a;
}

/* Element (channel ch of the tile's group, a C expression) of the epilogue's output: its
 * expression with the product's element replaced by v, stored at y[at]. */
static void epi_store(Em *e, const Direct *d, const char *ch, const char *v, const char *at) {
  e->nsubst = 0;
  e->subst_node[e->nsubst] = d->mm, e->subst[e->nsubst++] = v;
  for (int i = 0; i < d->nb; i++)
    e->subst_node[e->nsubst] = d->b[i], e->subst[e->nsubst++] = ir_fmt("w_b%d[%s]", i, d->scalar[i] ? "0" : ch);
  em_line(e, "y[%s] = %s;", at, subst_expr(e, d->epi));
}

/* The distance between two channels' rows of y: the product's [M, N OH OW], or the
 * epilogue's planes or an input gradient's, NCHW */
static int nchw(const Direct *d) { return d->epi >= 0 || d->back; }
static int chan_stride(const Direct *d) { return d->w.OH * d->w.OW * (nchw(d) ? 1 : d->w.N); }

/* "V a = {0}, b = {0}, ..;" for the n accumulators name(i), 8 to a line */
static void zero_accs(Em *e, int n, const char *(*name)(int i, const void *ctx), const void *ctx) {
  for (int q = 0; q < n; q += 8) {
    char line[512] = "";
    for (int i = q; i < n && i < q + 8; i++)
      snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s = {0}", i == q ? "" : ", ", name(i, ctx));
    em_line(e, "%s %s;", em_vtype(e), line);
  }
}

/* A tile's loops over (c, kh), k's order: w_x at input channel c's plane of x (planes xplane
 * apart), w_w at its weights in w (wplane apart); closed by tile_loops_end. */
static void tile_loops(Em *e, const Win *w, int xplane, const char *wname, int wplane) {
  if (w->C > 1) {
    em_line(e, "for (int w_c = 0; w_c < %d; w_c++) { /* input channel */", w->C);
    e->ind++;
  }
  em_line(e, "const %s *restrict w_x = %s;", e->real, w->C > 1 ? ir_fmt("x + w_c * %d", xplane) : "x");
  em_line(e, "const %s *restrict w_w = %s;", e->real, w->C > 1 ? ir_fmt("%s + w_c * %d", wname, wplane) : wname);
  em_line(e, "for (int w_kh = 0; w_kh < %d; w_kh++) { /* kernel row */", w->KH);
  e->ind++;
}

static void tile_loops_end(Em *e, const Win *w) {
  for (int i = w->C > 1 ? 2 : 1; i > 0; i--) {
    e->ind--;
    em_line(e, "}");
  }
}

static const char *acc_name(int i, const void *ctx) {
  (void)ctx;
  return ir_fmt("r_acc%d", i);
}

/* A tile's T pixel accumulators r_acc<i>, each a vector of the group's channels, stored:
 * pixels q .. q + L at a time, transposed into a run of each channel's row */
static void tile_store(Em *e, const Direct *d, int T) {
  const char *v = em_vtype(e), *real = e->real;
  int L = d->L;
  for (int q = 0; q < T; q += L) {
    int n = T - q < L ? T - q : L;
    em_line(e, "{ /* pixels %d..%d: channel i's values into lanes of r_t[i] */", q, q + n - 1);
    e->ind++;
    em_line(e, "%s r_t[%d] = {", v, L);
    for (int i = 0; i < L; i += 8) {
      char line[1024] = "";
      for (int j = i; j < L && j < i + 8; j++)
        snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s", j == i ? "" : ", ",
                 q + j < T ? ir_fmt("r_acc%d", q + j) : ir_fmt("(%s){0}", v));
      em_line(e, "  %s%s", line, i + 8 < L ? "," : "};");
    }
    em_line(e, "dlc_transpose_%s(r_t);", v + 4);
    /* the tile's pixels are consecutive columns: whole rows, or a run of one */
    if (d->epi < 0) {
      em_line(e, "for (int w_i = 0; w_i < %d; w_i++) memcpy(y + w_i * %d + %d, &r_t[w_i], %d * sizeof(%s));", L, chan_stride(d), q, n,
              real);
    } else {
      em_line(e, "for (int w_i = 0; w_i < %d; w_i++) /* channel w_i's pixels through the epilogue */", L);
      em_line(e, "  for (int w_j = 0; w_j < %d; w_j++)", n);
      e->ind += 2;
      epi_store(e, d, "w_i", "r_t[w_i][w_j]", ir_fmt("%s + w_j", plus_k(ir_fmt("w_i * %d", chan_stride(d)), q)));
      e->ind -= 2;
    }
    e->ind--;
    em_line(e, "}");
  }
}

/* a tile: R rows from oh0 (the tile function's argument) of the P pixels from output column ow0 */
typedef struct {
  const Direct *d;
  int R, ow0, P;
} DirectTile;

static void direct_tile(Em *e, const void *ctx) {
  const DirectTile *t = ctx;
  const Direct *d = t->d;
  const Win *w = &d->w;
  const char *v = em_vtype(e), *real = e->real;
  int T = t->R * t->P;
  /* without row padding every row a tile reads is in the image (window_check's output size) */
  int rows_in = w->PH == 0;
  zero_accs(e, T, acc_name, NULL);
  tile_loops(e, w, d->xplane, "wt", w->KH * w->KW * d->M);
  for (int kw = 0; kw < w->KW; kw++)
    em_line(e, "%s r_w%d; memcpy(&r_w%d, w_w + w_kh * %d%s, sizeof r_w%d);", v, kw, kw, w->KW * d->M,
            kw ? ir_fmt(" + %d", kw * d->M) : "", kw);
  for (int r = 0; r < t->R; r++) {
    const char *oh = r ? ir_fmt("oh0 + %d", r) : "oh0";
    const char *ih = ir_fmt("%s + w_kh%s", w->SH > 1 ? ir_fmt(r ? "(%s) * %d" : "%s * %d", oh, w->SH) : oh,
                            w->PH ? ir_fmt(" - %d", w->PH) : "");
    if (!rows_in) {
      em_line(e, "if ((unsigned)(%s) < %du) { /* output row oh0 + %d: its input row is in the image */", ih, w->H, r);
      e->ind++;
    }
    em_line(e, "const %s *restrict w_r%d = w_x + (%s) * %d;", real, r, ih, w->W);
    for (int p = 0; p < t->P; p++) {
      int ow = t->ow0 + p;
      for (int kw = 0; kw < w->KW; kw++) {
        int iw = ow * w->SW + kw - w->PW;
        if (iw >= 0 && iw < w->W) em_line(e, "r_acc%d += w_r%d[%d] * r_w%d;", r * t->P + p, r, iw, kw);
      }
    }
    if (!rows_in) {
      e->ind--;
      em_line(e, "}");
    }
  }
  tile_loops_end(e, w);
  tile_store(e, d, T);
}

enum { GRAD_TILE_MAX = 16 }; /* an input gradient's tile: at most this many pixels */

static const char *part_name(int i, const void *ctx) { return ir_fmt("r_p%d", ((const int *)ctx)[i]); }

/* dX's column p of tile t takes dY's column for filter column kw (PW: the forward's padding), or -1 */
static int grad_col(const DirectTile *t, int p, int kw, int PW) {
  int iw = t->ow0 + p + PW - kw;
  return iw >= 0 && iw < t->d->w.W ? iw : -1;
}

/* The tile's statements for filter column kw, each row under its test that dY has it: the
 * terms into the partial sums (in the loop over o), or the partial sums into the pixels' */
static void grad_rows(Em *e, const DirectTile *t, int kw, int PW, int rows_in, int sums) {
  for (int r = 0; r < t->R; r++) {
    if (!rows_in) {
      em_line(e, "if (w_ok%d) {", r);
      e->ind++;
    }
    for (int p = 0, i = r * t->P; p < t->P; p++, i++) {
      int iw = grad_col(t, p, kw, PW);
      if (iw < 0) continue;
      if (sums) em_line(e, "r_acc%d += r_p%d;", i, i);
      else em_line(e, "r_p%d += w_x[w_i%d + %d] * r_w;", i, r, iw);
    }
    if (!rows_in) {
      e->ind--;
      em_line(e, "}");
    }
  }
}

/* An input gradient's tile (direct_grad_of): R rows from oh0 of the P pixels from column ow0
 * of dX, one vector of input channels.  w is the convolution over dY (its kernel flipped):
 * the filter's kernel row kh and column kw read dY's row oh + KH - 1 - PH' - kh, where PH' =
 * w->PH; for each (kh, kw) in order, the sum over the output channels o in order goes into
 * the partial sums r_p, then into the pixels' sums r_acc. */
static void grad_tile(Em *e, const void *ctx) {
  const DirectTile *t = ctx;
  const Direct *d = t->d;
  const Win *w = &d->w;
  const char *v = em_vtype(e), *real = e->real;
  int T = t->R * t->P, PH = w->KH - 1 - w->PH, PW = w->KW - 1 - w->PW; /* the forward's padding */
  int rows_in = w->PH == 0; /* (every row a tile reads is in dY: window_check's output size) */
  zero_accs(e, T, acc_name, NULL);
  em_line(e, "for (int w_kh = 0; w_kh < %d; w_kh++) { /* the filter's kernel row */", w->KH);
  e->ind++;
  for (int r = 0; r < t->R; r++) {
    const char *oh = ir_fmt("oh0%s - w_kh", plus_k("", r + PH));
    if (!rows_in) em_line(e, "const int w_ok%d = (unsigned)(%s) < %du; /* dY's row for output row oh0 + %d */", r, oh, w->H, r);
    em_line(e, "const int w_i%d = %s;", r, rows_in ? ir_fmt("(%s) * %d", oh, w->W) : ir_fmt("w_ok%d ? (%s) * %d : 0", r, oh, w->W));
  }
  for (int kw = 0; kw < w->KW; kw++) {
    em_line(e, "{ /* the filter's kernel column %d */", kw);
    e->ind++;
    int used[GRAD_TILE_MAX], nu = 0; /* the pixels whose dY column is in dY */
    for (int r = 0; r < t->R; r++)
      for (int p = 0; p < t->P; p++)
        if (grad_col(t, p, kw, PW) >= 0) used[nu++] = r * t->P + p;
    zero_accs(e, nu, part_name, used);
    em_line(e, "for (int w_o = 0; w_o < %d; w_o++) { /* output channel */", w->C);
    e->ind++;
    em_line(e, "%s r_w; memcpy(&r_w, wt + (w_kh * %d + w_o) * %d%s, sizeof r_w);", v, w->KW * w->C, d->M,
            kw ? ir_fmt(" + %d", kw * w->C * d->M) : "");
    em_line(e, "const %s *restrict w_x = x + (size_t)w_o * %d;", real, d->xplane);
    grad_rows(e, t, kw, PW, rows_in, 0);
    e->ind--;
    em_line(e, "}");
    grad_rows(e, t, kw, PW, rows_in, 1);
    e->ind--;
    em_line(e, "}");
  }
  e->ind--;
  em_line(e, "}");
  tile_store(e, d, T);
}

/* the tile's call: its function and pointers (y at the tile's first column of the vector's
 * first channel row, x at the image, wt at the vector's channels) */
static void direct_call(Em *e, const Direct *d, int R, int ow0, int P, const char *y, const char *x, const char *wt,
                        const char *oh0, const char *chan) {
  DirectTile t = {d, R, ow0, P};
  const Win *w = &d->w;
  const char *real = e->real;
  const char *base = ir_fmt("%s_conv%s_%dx%d%s_c%dk%dx%d%s", e->pre, d->back ? "grad" : "", R, P, ow0 ? ir_fmt("_at%d", ow0) : "", w->C,
                            w->KH, w->KW, d->epi >= 0 ? "_epi" : "");
  const char *name = em_microkernel(
      e, base, ir_fmt("%s *restrict y, const %s *restrict x, const %s *restrict wt, int oh0%s", real, real, real, epi_params(e, d)),
      d->back ? grad_tile : direct_tile, &t, 0, NULL, NULL);
  em_line(e, "%s(%s%s, %s, %s, %s%s);", name, y, ow0 ? ir_fmt(" + %d", ow0) : "", x, wt, oh0, epi_args(d, chan));
}

/* the pixel form's tile: R output rows from oh0 of MR channels (w: their weight rows) */
typedef struct {
  const Direct *d;
  int R;
} PixTile;

/* accumulator i of a pixel tile: channel m, row r, vector q (i = (m R + r) NV + q) */
static const char *pix_acc(int i, const void *ctx) {
  const PixTile *t = ctx;
  int NV = t->d->NV;
  return ir_fmt("r_acc%d_%d_%d", i / NV / t->R, i / NV % t->R, i % NV);
}

static void pixel_tile(Em *e, const void *ctx) {
  const PixTile *t = ctx;
  const Direct *d = t->d;
  const Win *w = &d->w;
  const char *v = em_vtype(e), *real = e->real;
  int L = d->L, NV = d->NV, MR = d->MR;
  zero_accs(e, MR * t->R * NV, pix_acc, t);
  tile_loops(e, w, d->Hp * d->Wp, "w", w->KH * w->KW);
  for (int r = 0; r < t->R; r++)
    em_line(e, "const %s *restrict w_r%d = w_x + (%s + w_kh) * %d;", real, r,
            w->SH > 1 ? (r ? ir_fmt("(oh0 + %d) * %d", r, w->SH) : ir_fmt("oh0 * %d", w->SH)) : r ? ir_fmt("oh0 + %d", r) : "oh0",
            d->Wp);
  for (int kw = 0; kw < w->KW; kw++) {
    em_line(e, "{ /* kernel column %d */", kw);
    e->ind++;
    for (int r = 0; r < t->R; r++)
      for (int q = 0; q < NV; q++)
        em_line(e, "%s r_x%d_%d; memcpy(&r_x%d_%d, w_r%d + %d, sizeof r_x%d_%d);", v, r, q, r, q, r, q * L + kw, r, q);
    for (int m = 0; m < MR; m++) {
      em_line(e, "%s r_a%d = w_w[w_kh * %d + %d];", real, m, w->KW, m * d->K + kw);
      for (int r = 0; r < t->R; r++)
        for (int q = 0; q < NV; q++) em_line(e, "r_acc%d_%d_%d += r_a%d * r_x%d_%d;", m, r, q, m, r, q);
    }
    e->ind--;
    em_line(e, "}");
  }
  tile_loops_end(e, w);
  int cs = chan_stride(d);
  for (int m = 0; m < MR; m++)
    for (int r = 0; r < t->R; r++)
      for (int q = 0; q < NV; q++) {
        int n = w->OW - q * L < L ? w->OW - q * L : L, at = m * cs + r * w->OW + q * L;
        if (d->epi < 0) {
          em_line(e, "memcpy(y + %d, &r_acc%d_%d_%d, %d * sizeof(%s));", at, m, r, q, n, real);
          continue;
        }
        em_line(e, "for (int w_j = 0; w_j < %d; w_j++) /* through the epilogue */", n);
        e->ind++;
        epi_store(e, d, ir_fmt("%d", m), ir_fmt("r_acc%d_%d_%d[w_j]", m, r, q), at ? ir_fmt("%d + w_j", at) : "w_j");
        e->ind--;
      }
}

/* Both forms' loops: images (--openmp: threads take whole images), tiles of R output rows
 * (then the rows left), groups of CG output channels; tiles(..) prints the calls of one row
 * tile for the group at y (its first channel's row, the tile's first column), the image at x
 * and the group's weights at w. */
typedef void (*DirectTiles)(Em *e, const Direct *d, int R, const char *oh0, const char *y, const char *x, const char *w,
                            const char *chan);

static void direct_images(Em *e, const Direct *d, int CG, const char *y, const char *x, int xstride, const char *w, int wstep,
                          DirectTiles tiles) {
  const Win *win = &d->w;
  int ohw = win->OH * win->OW, Rfull = win->OH / d->R * d->R, G = d->M / CG;
  if (e->o->openmp && (double)d->M * d->K * win->N * ohw >= OMP_MIN_MACS) em_line(e, "%s", em_omp(e, "parallel for"));
  em_line(e, "for (int i4 = 0; i4 < %d; i4++) { /* image */", win->N);
  e->ind++;
  const char *xi = ir_fmt("%s + (size_t)i4 * %d", x, xstride);
  for (int part = 0; part < 2; part++) { /* whole tiles of R rows, then the rows left */
    int R = part ? win->OH - Rfull : d->R, from = part ? Rfull : 0, to = part ? win->OH : Rfull;
    if (to <= from) continue;
    const char *oh0 = "i5";
    if (to - from > R) {
      if (R == 1)
        em_line(e, "for (int i5 = %d; i5 < %d; i5++) { /* output row i5 */", from, to);
      else
        em_line(e, "for (int i5 = %d; i5 < %d; i5 += %d) { /* output rows [i5, i5 + %d) */", from, to, R, R);
      e->ind++;
    } else {
      oh0 = ir_fmt("%d", from);
    }
    if (G > 1) {
      em_line(e, "for (int i6 = 0; i6 < %d; i6++) { /* output channels [i6 * %d, i6 * %d + %d) */", G, CG, CG, CG);
      e->ind++;
    }
    const char *rows = strcmp(oh0, "0") ? ir_fmt(" + %s * %d", oh0, win->OW) : "";
    const char *yt = !nchw(d) ? ir_fmt("%s%s + i4 * %d%s", y, G > 1 ? ir_fmt(" + (size_t)i6 * %d", CG * win->N * ohw) : "", ohw, rows)
                                : ir_fmt("%s + (size_t)i4 * %d%s%s", y, d->M * ohw, G > 1 ? ir_fmt(" + i6 * %d", CG * ohw) : "", rows);
    tiles(e, d, R, oh0, yt, xi, G > 1 ? ir_fmt("%s + i6 * %d", w, wstep) : w, G > 1 ? ir_fmt("i6 * %d", CG) : NULL);
    if (G > 1) {
      e->ind--;
      em_line(e, "}");
    }
    if (to - from > R) {
      e->ind--;
      em_line(e, "}");
    }
  }
  if (d->pool >= 0) { /* the pooling of the image's planes, as the tiles stored them */
    int PH = win->OH / 2, PW = win->OW / 2;
    em_line(e, "for (int w_c = 0; w_c < %d; w_c++) { /* the max pooling of channel w_c's plane */", d->M);
    e->ind++;
    em_line(e, "const %s *restrict w_x = %s + (size_t)i4 * %d + w_c * %d;", e->real, y, d->M * ohw, ohw);
    em_line(e, "%s *restrict w_y = %s + (size_t)i4 * %d + w_c * %d;", e->real, d->poolname, d->M * PH * PW, PH * PW);
    pool2_fwd_rows(e, PH, PW, win->OW, "w_x", "w_y");
    e->ind--;
    em_line(e, "}");
  }
  e->ind--;
  em_line(e, "}");
}

static void pixel_tiles(Em *e, const Direct *d, int R, const char *oh0, const char *y, const char *x, const char *w,
                        const char *chan) {
  PixTile t = {d, R};
  const char *real = e->real;
  const char *base = ir_fmt("%s_conv_px%dx%dx%d_c%dk%dx%d%s", e->pre, d->MR, R, d->w.OW, d->w.C, d->w.KH, d->w.KW, d->epi >= 0 ? "_epi" : "");
  const char *name = em_microkernel(
      e, base, ir_fmt("%s *restrict y, const %s *restrict x, const %s *restrict w, int oh0%s", real, real, real, epi_params(e, d)),
      pixel_tile, &t, 0, NULL, NULL);
  em_line(e, "%s(%s, %s, %s, %s%s);", name, y, x, w, oh0, epi_args(d, chan));
}

static void channel_tiles(Em *e, const Direct *d, int R, const char *oh0, const char *y, const char *x, const char *w,
                          const char *chan) {
  for (int s = 0; s < d->S; s++) {
    int ow0 = s * d->P, P = ow0 + d->P <= d->w.OW ? d->P : d->w.OW - ow0;
    direct_call(e, d, R, ow0, P, y, x, w, oh0, chan);
  }
}

/* Planes [0, NC) of img (w's H x W) padded with zeros into pad, Hp x Wp each (the image at
 * row PH, column PW; Hp and Wp at least H + PH and W + PW) */
static void pad_planes(Em *e, const Win *w, const char *pad, const char *img, int64_t NC, int Hp, int Wp) {
  em_split_for(e, "i0", NC, "the images padded: plane i0");
  e->ind++;
  em_line(e, "%s *restrict w_p = %s + (size_t)i0 * %d;", e->real, pad, Hp * Wp);
  if (w->PH) em_line(e, "memset(w_p, 0, %d * sizeof *w_p);", w->PH * Wp);
  em_line(e, "for (int i1 = 0; i1 < %d; i1++) {", w->H);
  e->ind++;
  em_line(e, "%s *restrict w_row = w_p + (i1 + %d) * %d;", e->real, w->PH, Wp);
  if (w->PW) em_line(e, "for (int i2 = 0; i2 < %d; i2++) w_row[i2] = %s;", w->PW, em_lit(e, 0));
  if (w->PW + w->W < Wp) em_line(e, "for (int i2 = %d; i2 < %d; i2++) w_row[i2] = %s;", w->PW + w->W, Wp, em_lit(e, 0));
  em_line(e, "memcpy(w_row + %d, %s + (size_t)i0 * %d + i1 * %d, %d * sizeof *w_row);", w->PW, img, w->H * w->W, w->W, w->W);
  e->ind--;
  em_line(e, "}");
  if (w->PH + w->H < Hp) em_line(e, "memset(w_p + %d, 0, %d * sizeof *w_p);", (w->PH + w->H) * Wp, (Hp - w->PH - w->H) * Wp);
  e->ind--;
  em_line(e, "}");
}

static void direct_pixels_body(Em *e, const Direct *d, const char *pad, const char *a, const char *y, const char *img) {
  const Win *w = &d->w;
  int HWp = d->Hp * d->Wp, C = w->C;
  int64_t NC = (int64_t)w->N * C, slack = d->NV * d->L + w->KW;
  pad_planes(e, w, pad, img, NC, d->Hp, d->Wp);
  em_line(e, "memset(%s + %lld, 0, %lld * sizeof(%s)); /* slack: the last row's vectors read past it */", pad,
          (long long)(NC * HWp), (long long)slack, e->real);
  direct_images(e, d, d->MR, y, pad, C * HWp, a, d->MR * d->K, pixel_tiles);
}

/* ---- a convolution's input gradient, direct: no columns -----------------------------------
 * The scatter-add (col2im) of W^T dY, the product's one reader (plan.c's f->unw), at stride 1
 * with zero padding, the image's channels a whole number of vectors and k = O KH KW (O: dY's
 * channels) at least DIRECT_MIN_K, not under --check-numerics: the kernel computes dX from dY itself,
 * a convolution of dY with the filters flipped and their channels swapped, and never writes
 * the columns.  A register tile holds T pixels of one image of dX times one vector of its
 * channels; for each kernel offset (kh, kw) in order it sums over o in order dY's pixel (row
 * ih + PH - kh, column iw + PW - kw, broadcast) times the weight's (o, c, kh, kw) vector into
 * T partial sums, then adds those into the pixels' sums, leaving out the offsets whose dY
 * pixel is outside dY.  That is the product's element (c, kh, kw) of the column, summed over o
 * from zero in order (the axpy form's order), added into the pixel in the scatter's order,
 * kernel rows then columns, the columns outside dY left out as the scatter leaves them: the
 * same bits.  The weight is rearranged first into the product's storage, [kh, kw, o][c]; the
 * tiles store as the forward's do (transposed in registers), into dX's NCHW planes.  Tiles:
 * T at most (vregs - 2) / 2, the pixels' and the partial sums in registers (ResNet's
 * 64-channel convolutions, 7 x 7: two rows of 7), whole rows when a row fits, else runs of a
 * row cut evenly.  Saves writing and reading the columns (ResNet's 64-channel convolution: 576
 * x 784 a block of 16 images) and the scatter's pass. */
/* (unwindow_cols holds) the convolution over dY into *b, when it can go direct */
static int grad_win(const Em *e, int id, int mm, Win *b) {
  const Graph *g = e->g;
  const Node *c = &g->nodes[mm];
  Win w = win_of(g, &g->nodes[id]);
  const Shape *as = &g->nodes[c->in[0]].shape, *bs = &g->nodes[c->in[1]].shape;
  int M = w.C, O = (int)as->d[0];
  if (w.mode != PAD_ZEROS || w.SH != 1 || w.SW != 1 || !c->ta || c->tb || as->d[1] != (int64_t)M * w.KH * w.KW ||
      bs->d[0] != O || M % em_vlanes(e) || O * w.KH * w.KW < DIRECT_MIN_K)
    return 0;
  *b = w; /* its images dY's, its output dX's, its padding the rest of the kernel's */
  b->C = O, b->H = w.OH, b->W = w.OW, b->OH = w.H, b->OW = w.W, b->PH = w.KH - 1 - w.PH, b->PW = w.KW - 1 - w.PW;
  return 1;
}

/* The fewest images (of the convolution over dY, b) whose columns hold the weight rearranged
 * (O KH KW x M: at least O columns, the product's columns being M KH KW long); else 0 */
static int grad_images(const Win *b) {
  for (int n = 1; n <= b->N; n++)
    if (b->N % n == 0 && (int64_t)n * b->H * b->W >= b->C) return n;
  return 0;
}

static int direct_grad_of(const Em *e, int id, int mm, Direct *d) {
  Win b;
  if (!unwindow_cols(e, id, mm) || !grad_win(e, id, mm, &b) || !grad_images(&b)) return 0;
  int L = em_vlanes(e), T = (em_vregs(e) - 2) / 2;
  if (T > GRAD_TILE_MAX) T = GRAD_TILE_MAX;
  *d = (Direct){b, (int)e->g->nodes[id].shape.d[1], b.C * b.KH * b.KW, L, 1, b.OW, 1, 0, 0, 0, 0, 0, mm, -1, -1, 0,
                {0}, {0}, {0}, NULL, 1, b.N * b.H * b.W};
  tile_pixels(d, T);
  return 1;
}

const Direct *em_direct_grad(Em *e, int id, int mm) {
  Direct d;
  return direct_grad_of(e, id, mm, &d) ? direct_keep(&d) : NULL;
}

/* (d from direct_grad_of: id the scatter, mm the product W^T dY) */
static void direct_grad_body(Em *e, int id, int mm, const Direct *d) {
  const Graph *g = e->g;
  const Node *c = &g->nodes[mm];
  const Win *w = &d->w;
  int O = w->C, KK = w->KH * w->KW;
  const char *wt = em_buffer(e, mm, 1), *a = em_buffer(e, c->in[0], 0);
  em_line(e, "for (int i0 = 0; i0 < %d; i0++) /* the weight rearranged: [kh, kw][out channel][in channel] */", KK);
  em_line(e, "  for (int i1 = 0; i1 < %d; i1++)", O);
  em_line(e, "    for (int i2 = 0; i2 < %d; i2++) %s[(i0 * %d + i1) * %d + i2] = %s[(i1 * %d + i2) * %d + i0];", d->M, wt, O, d->M, a, d->M,
          KK);
  direct_images(e, d, d->L, em_buffer(e, id, 1), em_buffer(e, c->in[1], 0), w->H * w->W, wt, d->L, channel_tiles);
}

void em_direct_conv_body(Em *e, int id, int mm, const Direct *dp) {
  Direct d = *dp;
  const Graph *g = e->g;
  if (d.back) {
    direct_grad_body(e, id, mm, &d);
    return;
  }
  /* the output: the product's, or the epilogue's (the product never stored) */
  const char *y = em_buffer(e, d.epi >= 0 ? d.epi : mm, 1);
  for (int i = 0; i < d.nb; i++) d.bname[i] = em_buffer(e, d.b[i], 0);
  d.poolname = d.pool >= 0 ? em_buffer(e, d.pool, 1) : NULL;
  if (d.pixels) {
    const Node *c = &g->nodes[mm];
    direct_pixels_body(e, &d, em_buffer(e, id, 1), em_buffer(e, c->in[0], 0), y, em_buffer(e, g->nodes[id].in[0], 0));
    return;
  }
  const Node *c = &g->nodes[mm];
  const Win *w = &d.w;
  const char *wt = em_buffer(e, id, 1), *a = em_buffer(e, c->in[0], 0);
  const char *img = em_buffer(e, g->nodes[id].in[0], 0);
  em_line(e, "for (int i0 = 0; i0 < %d; i0++) /* the weight transposed: [c, kh, kw][out channel] */", d.M);
  em_line(e, "  for (int i1 = 0; i1 < %d; i1++) %s[i1 * %d + i0] = %s[i0 * %d + i1];", d.K, wt, d.M, a, d.K);
  direct_images(e, &d, d.L, y, img, w->C * w->H * w->W, wt, d.L, channel_tiles);
}

/* Filter gradient wg = dY X^T of window w, whose forward product mm goes direct in the pixel
 * form (stride 1 along the rows: direct_pixels), each image's OH OW pixels a whole number of
 * vectors and a row at least one: it can read X from the images that form leaves padded in
 * w's storage (emit_matmul.c's dot_window_pixels) instead of gathering them again. */
static int grad_pixels(const Em *e, int w, int mm, int wg, WinPad *p) {
  const Graph *g = e->g;
  const Node *c = &g->nodes[wg];
  Direct d;
  if (c->op != OP_MATMUL || c->ta || !c->tb || ir_root_of(g, c->in[1]) != w || !direct_of(e, w, mm, &d) || !d.pixels) return 0;
  int VL = em_vlanes(e), ohw = d.w.OH * d.w.OW;
  if (d.w.OW < VL || ohw % VL || g->nodes[c->in[0]].shape.d[1] != (int64_t)d.w.N * ohw) return 0;
  if (p) *p = (WinPad){d.w.C, d.w.KH, d.w.KW, d.w.SH, d.w.OH, d.w.OW, d.Hp, d.Wp, 1, d.w.N};
  return 1;
}

int em_window_padded(Em *e, int w, int wg, WinPad *p) {
  const FnPlan *fp = e->fp;
  if (!fp || !fp->win) return 0;
  for (int s = 0; s < fp->nsched; s++) /* the forward product that gathers w */
    if (fp->win[fp->sched[s]] == w) return grad_pixels(e, w, fp->sched[s], wg, p);
  return 0;
}

/* A weight gradient X G over window w by blocks of B images (emit_matmul.c's
 * axpy_window_blocks) can read the block's window tensor, element (c, kh, kw, n, oh, ow), as
 * pixel (oh SH + kh, ow SW + kw) of plane (n, c) of the block's images padded with zeros
 * (em_window_pad_images) instead of gathering them: the same values, padding zeros included,
 * in the product's order of k (n, oh, ow).  The padded images (B C Hp Wp elements, with Hp =
 * H + 2 PH, Wp = W + 2 PW) take the block's storage (B C KH KW OH OW).  1 with *p set when the
 * window pads with zeros (or not at all) and they fit, else 0. */
int em_window_pad_blocks(const Em *e, int w, int B, WinPad *p) {
  const Node *n = &e->g->nodes[w];
  if (n->op != OP_WINDOW) return 0;
  Win x = win_of(e->g, n);
  int Hp = x.H + 2 * x.PH, Wp = x.W + 2 * x.PW;
  if ((x.mode != PAD_ZEROS && (x.PH || x.PW)) || (int64_t)Hp * Wp > (int64_t)x.KH * x.KW * x.OH * x.OW) return 0;
  if (p) *p = (WinPad){x.C, x.KH, x.KW, x.SH, x.OH, x.OW, Hp, Wp, x.SW, B};
  return 1;
}

void em_window_pad_images(Em *e, int w, int B, const char *n0) {
  const Node *n = &e->g->nodes[w];
  Win x = win_of(e->g, n);
  const char *img = ir_fmt("(%s + (size_t)(%s) * %lld)", em_buffer(e, n->in[0], 0), n0, (long long)x.C * x.H * x.W);
  int Hp = x.H + 2 * x.PH, Wp = x.W + 2 * x.PW;
  em_omp_split(e, (int64_t)B * x.C * Hp * Wp); /* --openmp: the planes split across threads, as the gather's loops are */
  pad_planes(e, &x, em_buffer(e, w, 1), img, (int64_t)B * x.C, Hp, Wp);
  e->pragma_next = NULL;
}

/* Images [n0, n0 + B) of window node id, their columns in cols (B * OH * OW of them per row
 * of the window tensor): the gather's loops over B images into cols, or the scatter-add's
 * from cols into the images' planes. */
void em_window_images(Em *e, int id, int B, const char *n0, const char *cols) {
  const Node *n = &e->g->nodes[id];
  Win w = win_of_n(e->g, n, B);
  const char *img = n->op == OP_WINDOW ? em_buffer(e, n->in[0], 0) : em_buffer(e, id, 1);
  w.img = ir_fmt("(%s + (size_t)(%s) * %lld)", img, n0, (long long)w.C * w.H * w.W);
  w.cols = cols;
  window_loops(e, id, w);
}

/* the emitter's view of g and o that the planner's questions below need (no buffers yet) */
static Em plan_em(const Graph *g, const EmitOptions *o) {
  Em e = {0};
  e.g = g, e.o = o, e.d64 = o->dtype64;
  return e;
}

int window_images(const Graph *g, const EmitOptions *o, int w, int mm) {
  Em e = plan_em(g, o);
  return g->nodes[w].op == OP_WINDOW ? window_chunk(&e, w, mm) : unwindow_chunk(&e, w, mm);
}

int window_grad_pixels(const Graph *g, const EmitOptions *o, int w, int mm, int wg) {
  Em e = plan_em(g, o);
  return grad_pixels(&e, w, mm, wg, NULL);
}

/* (w a window gather whose forward product gathers it B images at a time: window_images) */
int window_grad_blocks(const Graph *g, const EmitOptions *o, int w, int wg, int B) {
  Em e = plan_em(g, o);
  const Node *n = &g->nodes[w], *c = &g->nodes[wg];
  Win x = win_of(g, n);
  int ohw = x.OH * x.OW;
  if (c->op != OP_MATMUL || c->dt != n->dt) return 0;
  int64_t k = (int64_t)x.C * x.KH * x.KW, np = (int64_t)x.N * ohw;
  if (c->tb && ir_root_of(g, c->in[1]) == w && ir_root_of(g, c->in[0]) != w) /* dY X^T */
    return c->shape.d[1] == k && g->nodes[c->in[0]].shape.d[1] == np && em_matmul_blocks_ok(&e, wg, B * ohw);
  if (!c->tb && !c->ta && ir_root_of(g, c->in[0]) == w && ir_root_of(g, c->in[1]) != w) /* X G, (dY X^T)^T */
    return c->shape.d[0] == k && g->nodes[c->in[1]].shape.d[0] == np && em_matmul_blocks_ok(&e, wg, B * ohw);
  return 0;
}
