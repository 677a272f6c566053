/* emit_matmul.c - matrix products: C = op(A) op(B) with literal sizes.
 *
 * Three forms, chosen per product from its shape: a register-tiled "axpy" kernel (B
 * row-major), a register-tiled "dot" kernel (A B^T, both walked along k, k cut into chunks
 * that fit in L2), and plain loops for what is too small to tile.  Every element of C is
 * summed in a fixed order whatever the thread count (--openmp splits whole rows or columns). */
#include "emit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int id;
  int store; /* K == 1: each element of C is one product, stored (no zero fill first) */
} Mm;

/* the inner dimension k of product n: A is M x K, or K x M transposed */
static int inner_k(const Em *e, const Node *n) { return e->g->nodes[n->in[0]].shape.d[n->ta ? 0 : 1]; }

static void mm_body(Em *e, void *ctx) {
  const Node *n = &e->g->nodes[((Mm *)ctx)->id];
  int M = n->shape.d[0], N = n->shape.d[1];
  int K = inner_k(e, n);
  int tb_order = n->tb; /* i, j, k */
  int vi = 0, vk = tb_order ? 2 : 1, vj = tb_order ? 1 : 2;
  Aff c = em_aff_zero(), a = em_aff_zero(), b = em_aff_zero();
  c.k[vi] = N, c.k[vj] = 1;
  if (n->ta) a.k[vk] = M, a.k[vi] = 1;
  else a.k[vi] = K, a.k[vk] = 1;
  if (n->tb) b.k[vj] = K, b.k[vk] = 1;
  else b.k[vk] = N, b.k[vj] = 1;
  const char *cn = em_buffer(e, ((Mm *)ctx)->id, 1);
  em_line(e, "%s[%s] %s %s[%s] * %s[%s];", cn, em_aff_str(e, &c), ((Mm *)ctx)->store ? "=" : "+=", em_buffer(e, n->in[0], 0), em_aff_str(e, &a),
       em_buffer(e, n->in[1], 0), em_aff_str(e, &b));
}

/* Register-tiled products (vector extensions, so any ISA), two forms:
 *  - C = op(A) B with B row-major ("axpy" form): a tile of up to MR rows x NV vectors of C
 *    (the target's tile, target.c)
 *    stays in registers for the whole k loop, each step broadcasting one A element per row;
 *    leftover rows get a smaller tile, leftover columns single vectors, then scalar dots.
 *    Every element of C is the sum over k in order, as the plain loops compute it.
 *  - C = A B^T, both operands walked along k ("dot" form, no transposed copy): a tile of up
 *    to DR x DC elements of C, each a vector of partial sums over k, reduced at the end in a
 *    fixed order.  Used when k is long (Linear's forward, convolution's weight gradient). */
/* The dot form's tile: DR x DC elements of C.  generic: 4 x 4.  Other targets pick, per
 * product, the tile that reads the fewest rows of A and B over all tiles (each tile streams
 * DR + DC rows along k), with its DR x DC accumulators, DC vectors of B and one of A in the
 * target's registers (32 on avx512 and neon, 16 on avx2): LeNet's first weight gradient
 * (6 x 25 elements, k = 25088) as 6 x 4 tiles reads 70 rows per k where 4 x 4 tiles read 112. */
typedef struct {
  int r, c;
} DotShape;

static DotShape dot_shape(const Em *e, int M, int N) {
  if (e->o->target == TARGET_GENERIC) return (DotShape){4, 4};
  int regs = em_vregs(e);
  DotShape best = {1, 1};
  long best_rows = -1;
  for (int r = 1; r <= 8 && r <= M; r++)
    for (int c = 1; c <= 8 && c <= N; c++) {
      if (r * c + c + 1 > regs) continue;
      long rows = (long)((M + r - 1) / r) * ((N + c - 1) / c) * (r + c);
      if (best_rows < 0 || rows < best_rows || (rows == best_rows && r * c > best.r * best.c)) best = (DotShape){r, c}, best_rows = rows;
    }
  return best;
}

static const char *a_at(Em *e, const Node *n, const char *a, int M, int K, const char *i, const char *k) {
  (void)e;
  return n->ta ? ir_fmt("%s[(%s) * %d + %s]", a, k, M, i) : ir_fmt("%s[(%s) * %d + %s]", a, i, K, k);
}

static const char *plus(const char *base, int r) { return r ? ir_fmt("%s + %d", base, r) : base; }
static const char *times_k(const char *v, int k) { return k == 1 ? v : ir_fmt("%s * %d", v, k); } /* "v * k", or v */

/* ---- microkernels: one static inline function per register tile --------------------------
 * A tile's code is generated once, as a function of pointers to the tile's corners (its
 * strides are literals), and called wherever that tile is needed: the kernels read as loops
 * over tiles, and the C compiler inlines the tile back. */

/* The buffers of a fused update (e->fuse) a tile kernel takes besides A and B: their names in
 * the product's kernel, which the tile kernel calls u0, u1, ... (so the tiles of two
 * parameters of one shape and optimizer are one kernel) */
typedef struct {
  int n;
  const char *name[MAXBUF], *pos[MAXBUF];
  int written[MAXBUF], full[MAXBUF], row[MAXBUF]; /* full: C's shape; row: one of C's rows (a bias) */
} UpdBufs;

/* The microkernel whose body gen prints, named base (base_2, ... when another microkernel
 * with different code has that name); printed before the kernel that first calls it. */
static const char *microkernel(Em *e, const char *base, const char *params, TileGen gen, const void *ctx,
                               const UpdBufs *u) {
  return em_microkernel(e, base, params, gen, ctx, u ? u->n : 0, u ? u->name : NULL, u ? u->pos : NULL);
}

const char *em_microkernel(Em *e, const char *base, const char *params, TileGen gen, const void *ctx, int nren,
                           const char *const *from, const char *const *to) {
  FILE *out = e->f;
  int ind = e->ind;
  char *body = NULL;
  size_t len = 0;
  e->f = open_memstream(&body, &len);
  if (!e->f) die("open_memstream failed");
  e->ind = 1;
  gen(e, ctx);
  fclose(e->f);
  e->f = out;
  e->ind = ind;
  const char *text = nren ? em_rename(body, nren, from, to) : body;
  int *known = em_sm_get(&e->micro, ir_fmt("%s(%s) {\n%s", base, params, text));
  if (!*known) {
    if (e->nm == e->capm) {
      e->capm = e->capm ? 2 * e->capm : 32;
      e->mname = realloc(e->mname, (size_t)e->capm * sizeof *e->mname);
      if (!e->mname) die("out of memory");
    }
    int twins = (*em_sm_get(&e->twins, base))++;
    const char *name = twins ? ir_fmt("%s_%d", base, twins + 1) : base;
    fprintf(e->kf, "static inline void %s(%s) {\n%s}\n\n", name, params, text);
    e->mname[e->nm++] = name;
    *known = e->nm;
  }
  free(body);
  return e->mname[*known - 1];
}

/* Element (row, col) of C (M x N), whose value is g, into the fused update (at the gradient's
 * element, or its transposed position) or through the elementwise epilogue (e->fuse->epi). */
static void tile_epilogue(Em *e, const char *g, const char *row, const char *col, int M, int N) {
  if (e->fuse->epi) em_elem_epilogue(e, g, row, col);
  else if (e->fuse->trans >= 0) em_update_epilogue(e, g, ir_fmt(strchr(col, ' ') ? "(%s) * %d + %s" : "%s * %d + %s", col, M, row));
  else em_update_epilogue(e, g, ir_fmt(strchr(row, ' ') ? "(%s) * %d + %s" : "%s * %d + %s", row, N, col));
}

/* rows i0 .. i0+R-1, columns [j0, N): scalar dot products */
static void scalar_dots(Em *e, const Node *n, const char *c, const char *a, const char *b, int M, int N, int K,
                        const char *i0, int R, int j0) {
  for (int r = 0; r < R; r++) {
    const char *i = plus(i0, r);
    em_line(e, "for (int i1 = %d; i1 < %d; i1++) {", j0, N);
    em_line(e, "  %s r_acc = 0;", e->real);
    em_line(e, "  for (int i2 = 0; i2 < %d; i2++) r_acc += %s * %s[i2 * %d + i1];", K, a_at(e, n, a, M, K, i, "i2"), b, N);
    if (e->fuse) {
      e->ind++;
      tile_epilogue(e, "r_acc", i, "i1", M, N);
      e->ind--;
    } else {
      em_line(e, "  %s[(%s) * %d + i1] = r_acc;", c, i, N);
    }
    em_line(e, "}");
  }
}

/* A fused update's epilogue (e->fuse) for a tile of R x W elements of C (M x N): the
 * elements, named by acc ("%d_%d": row, then vector of VL lanes, or element when VL is 1), go
 * into a local array, then the update's statements run once per element in two loops.  The
 * gradient is C, or C transposed (e->fuse->trans: element (r, l) of the tile is the
 * gradient's l * M + r from the corner). */
static void upd_tile(Em *e, int R, int W, int M, int N, const char *acc, int VL) {
  em_line(e, "%s r_g[%d][%d];", e->real, R, W);
  for (int r = 0; r < R; r++)
    for (int q = 0; q < W / VL; q++) {
      const char *v = ir_fmt(acc, r, q);
      if (VL > 1) em_line(e, "memcpy(&r_g[%d][%d], &%s, sizeof %s);", r, q * VL, v, v);
      else em_line(e, "r_g[%d][%d] = %s;", r, q, v);
    }
  em_line(e, "for (int r_r = 0; r_r < %d; r_r++) {", R);
  em_line(e, "  for (int r_l = 0; r_l < %d; r_l++) {", W);
  e->ind += 2;
  tile_epilogue(e, "r_g[r_r][r_l]", "r_r", "r_l", M, N);
  e->ind -= 2;
  em_line(e, "  }");
  em_line(e, "}");
}

/* R rows x nv vectors of C, accumulated over a chunk of k (KL of the K, all of it when not
 * chunked): c, a and b point at the tile's corner, a and b at the chunk's first k; acc: the
 * chunk adds to C's sums of the chunks before (loaded into the registers, stored back: the
 * same bits as one unbroken loop over k); upd: the last chunk of a fused update's product */
typedef struct {
  const Node *n;
  int M, N, K, R, nv, KL, acc, upd;
  int ldb; /* B's row stride: N, or more for a block of B's columns (em_matmul_cols) */
  int ldc; /* C's row stride: N, or more for a block of C's columns (em_matmul_cols) */
  int lda; /* A's row stride (not transposed): K, or a block of A's k (axpy_window_blocks) */
  const WinPad *px; /* A's rows read from the block's padded images, from tile row r0 on */
} Axpy;

/* A tile over the padded images (axpy_window_blocks): row r0 + r of A, the window row (c, kh,
 * kw), starts at w_a<r>, pixel (kh, kw) of plane c; its element k = (n, oh, ow) is at
 * w_a<r>[n C Hp Wp + oh SH Wp + ow SW] */
static void axpy_pixel_rows(Em *e, const Axpy *t) {
  const WinPad *px = t->px;
  for (int r = 0; r < t->R; r++) {
    const char *j = plus("r0", r), *off = ir_fmt("(%s) %% %d", j, px->KW);
    if (px->KH > 1) off = ir_fmt("(%s) / %d %% %d * %d + %s", j, px->KW, px->KH, px->Wp, off);
    if (px->C > 1) off = ir_fmt("(%s) / %d * %d + %s", j, px->KH * px->KW, px->Hp * px->Wp, off);
    em_line(e, "const %s *restrict w_a%d = a + %s;", e->real, r, off);
  }
}

static void axpy_tile(Em *e, const void *ctx) {
  const Axpy *t = ctx;
  const char *v = em_vtype(e);
  int VL = em_vlanes(e);
  for (int r = 0; r < t->R; r++) {
    char decl[256] = "";
    for (int q = 0, k = 0; q < t->nv; q++) k += snprintf(decl + k, sizeof decl - (size_t)k, "%sr_acc%d_%d%s", q ? ", " : "", r, q, t->acc ? "" : " = {0}");
    em_line(e, "%s %s;", v, decl);
    for (int q = 0; t->acc && q < t->nv; q++) {
      int off = r * t->ldc + q * VL;
      em_line(e, "memcpy(&r_acc%d_%d, c%s, sizeof r_acc%d_%d);", r, q, off ? ir_fmt(" + %d", off) : "", r, q);
    }
  }
  const WinPad *px = t->px;
  if (px) { /* k = (n, oh, ow) of the block's images */
    if (t->n->ta || t->KL != px->N * px->OH * px->OW) die("a tile over padded images: k %d, not their pixels", t->KL);
    axpy_pixel_rows(e, t);
    if (px->N > 1) em_line(e, "for (int w_n = 0; w_n < %d; w_n++)", px->N), e->ind++;
    em_line(e, "for (int w_oh = 0; w_oh < %d; w_oh++)", px->OH);
    em_line(e, "  for (int w_ow = 0; w_ow < %d; w_ow++, b += %d) {", px->OW, t->ldb);
    e->ind += 2;
  } else {
    em_line(e, "for (int i2 = 0; i2 < %d; i2++) {", t->KL);
    e->ind++;
  }
  for (int q = 0; q < t->nv; q++)
    em_line(e, "%s r_b%d; memcpy(&r_b%d, b + %s, sizeof r_b%d);", v, q, q,
            px ? ir_fmt("%d", q * VL) : ir_fmt("i2 * %d%s", t->ldb, q ? ir_fmt(" + %d", q * VL) : ""), q);
  const char *pix = px ? ir_fmt("%s%s + w_ow%s", px->N > 1 ? ir_fmt("w_n * %d + ", px->C * px->Hp * px->Wp) : "",
                                times_k("w_oh", px->SH * px->Wp), px->SW > 1 ? ir_fmt(" * %d", px->SW) : "")
                       : NULL;
  for (int r = 0; r < t->R; r++) /* A[r, k]: a[r * K + k], or a[k * M + r] transposed */
    if (px) em_line(e, "%s r_a%d = w_a%d[%s];", e->real, r, r, pix);
    else em_line(e, "%s r_a%d = a[%s];", e->real, r, t->n->ta ? plus(ir_fmt("i2 * %d", t->M), r) : plus("i2", r * t->lda));
  for (int r = 0; r < t->R; r++)
    for (int q = 0; q < t->nv; q++) em_line(e, "r_acc%d_%d += r_a%d * r_b%d;", r, q, r, q);
  if (px) {
    e->ind -= 2;
    em_line(e, "  }");
    e->ind -= px->N > 1;
  } else {
    e->ind--;
    em_line(e, "}");
  }
  if (t->upd) { /* the tile's gradient into the update, in loops the C compiler vectorizes */
    upd_tile(e, t->R, t->nv * VL, t->M, t->N, "r_acc%d_%d", VL);
    return;
  }
  for (int r = 0; r < t->R; r++)
    for (int q = 0; q < t->nv; q++) {
      int off = r * t->ldc + q * VL;
      em_line(e, "memcpy(c%s, &r_acc%d_%d, sizeof r_acc%d_%d);", off ? ir_fmt(" + %d", off) : "", r, q, r, q);
    }
}

/* ---- the training step's fused update (e->fuse) ---------------------------------------------
 * A tile kernel of a weight-gradient product that updates the parameter instead of storing the
 * gradient takes the update's buffers too: those of the parameter's size (the parameter, its
 * optimizer state) at the tile's corner, the scalars (a bias correction, the rate) whole.
 * Their names are the product kernel's, found by printing the update once into nothing. */
static void upd_bufs(Em *e, UpdBufs *u) {
  FILE *f = e->f;
  char *text = NULL;
  size_t len = 0;
  e->f = open_memstream(&text, &len);
  if (!e->f) die("open_memstream failed");
  int nb0 = e->nbuf;
  if (e->fuse->epi) em_elem_epilogue(e, "0", "0", "0");
  else em_update_epilogue(e, "0", "0");
  fclose(e->f);
  free(text);
  e->f = f;
  int64_t numel = shape_numel(&e->g->nodes[e->fuse->els[0].src].shape), N = e->g->nodes[e->fuse->mm].shape.d[1];
  u->n = 0;
  for (int i = nb0; i < e->nbuf; i++, u->n++) {
    u->name[u->n] = e->buf[i].name;
    u->pos[u->n] = ir_fmt("u%d", u->n);
    u->written[u->n] = e->buf[i].written;
    int64_t nb = shape_numel(&e->g->nodes[e->buf[i].node].shape);
    u->full[u->n] = nb == numel;
    u->row[u->n] = nb != numel && nb == N && e->fuse->epi;
  }
}

static const char *upd_params(const Em *e, const UpdBufs *u) {
  const char *p = "";
  for (int i = 0; i < u->n; i++)
    p = ir_fmt("%s, %s%s *restrict %s", p, u->written[i] ? "" : "const ", e->real, u->pos[i]);
  return p;
}

/* the arguments for a tile whose corner is element at of C, in column col */
static const char *upd_args(const UpdBufs *u, const char *at, const char *col) {
  const char *a = "";
  for (int i = 0; i < u->n; i++)
    a = ir_fmt("%s, %s%s", a, u->name[i], u->full[i] ? ir_fmt(" + %s", at) : u->row[i] ? ir_fmt(" + %s", col) : "");
  return a;
}

/* The base name of a tile kernel that updates a parameter: "..._upd" (_upd_2, ... for other
 * updates); that applies an elementwise epilogue: "..._epi" */
static const char *upd_name(const Em *e, const char *base) { return ir_fmt("%s_%s", base, e->fuse->epi ? "epi" : "upd"); }

typedef struct {
  int mr, nv;
} AxpyShape;

/* An axpy-form product being emitted: C (NULL when a fused update takes all of it from the
 * tiles), A and B, the sizes, the tile and the fused update's buffers */
typedef struct {
  const Node *n;
  const char *c, *a, *b;
  int M, N, K;
  AxpyShape t;
  const UpdBufs *u;
  int ldb, ldc; /* B's and C's row strides (Axpy) */
  int lda;      /* A's (not transposed): K, or a block's k when A is a block of windows */
  int a_block;  /* A holds only the chunk's k (a block of windows): its first k is 0 */
  const WinPad *px; /* A read from the block's padded images (axpy_window_blocks), or NULL */
} AxProd;

/* A chunk of k: its first k (a C expression), length, and whether it adds to C and ends in the
 * fused update */
typedef struct {
  const char *k0;
  int KL, acc, upd;
} KChunk;

static void axpy_block(Em *e, const AxProd *p, const char *i0, int R, const char *i1, int nv, const KChunk *ch) {
  const Node *n = p->n;
  int M = p->M, N = p->N;
  Axpy t = {n, M, N, p->K, R, nv, ch->KL, ch->acc, ch->upd, p->ldb, p->ldc, p->lda, p->px};
  const char *real = e->real;
  const char *base = ir_fmt("%s_axpy%s_%dx%d_k%d%s%s", e->pre, n->ta ? "_ta" : "", R, nv * em_vlanes(e), ch->KL, ch->acc ? "_acc" : "",
                            p->px ? "_px" : "");
  const char *ab = ir_fmt("const %s *restrict a, const %s *restrict b%s", real, real, p->px ? ", int r0" : "");
  const char *corner = ir_fmt("(%s) * %d + %s", i0, p->ldc, i1);
  const char *k0 = strcmp(ch->k0, "0") ? ch->k0 : NULL, *ak0 = p->a_block ? NULL : k0;
  const char *ca = n->ta ? ir_fmt("%s + %s%s", p->a, ak0 ? ir_fmt("(%s) * %d + ", ak0, M) : "", i0)
                         : ir_fmt("%s + (%s) * %d%s", p->a, i0, p->lda, ak0 ? ir_fmt(" + %s", ak0) : "");
  const char *cb = ir_fmt("%s + %s%s", p->b, k0 ? ir_fmt("(%s) * %d + ", k0, p->ldb) : "", i1);
  if (p->px) ca = p->a, cb = ir_fmt("%s, %s", cb, i0); /* the padded images; after b, the tile's first row */
  if (ch->upd) { /* the update's buffers (at the gradient's corner: C's, or C^T's) */
    const char *at = e->fuse->trans >= 0 ? ir_fmt("(%s) * %d + %s", i1, M, i0) : corner;
    const char *cp = ch->acc ? ir_fmt("const %s *restrict c, ", real) : "";
    const char *name = microkernel(e, upd_name(e, base), ir_fmt("%s%s%s", cp, ab, upd_params(e, p->u)), axpy_tile, &t, p->u);
    em_line(e, "%s(%s%s, %s%s);", name, ch->acc ? ir_fmt("%s + %s, ", p->c, corner) : "", ca, cb, upd_args(p->u, at, i1));
    return;
  }
  const char *name = microkernel(e, base, ir_fmt("%s *restrict c, %s", real, ab), axpy_tile, &t, NULL);
  em_line(e, "%s(%s + %s, %s, %s);", name, p->c, corner, ca, cb);
}

/* A loop over tiles, "for (int var = 0; var < n; var += step) {", preceded by pragma when
 * not NULL; a loop that would run once is not written and its variable is "0". */
static const char *tiles_open(Em *e, const char *var, int n, int step, const char *pragma) {
  if (n == step) return "0";
  if (pragma) em_line(e, "%s", pragma);
  em_line(e, "for (int %s = 0; %s < %d; %s += %d) {", var, var, n, var, step);
  e->ind++;
  return var;
}

static void tiles_close(Em *e, const char *v) {
  if (strcmp(v, "0") == 0) return;
  e->ind--;
  em_line(e, "}");
}

/* The tiles of a loop over [0, n) in steps of step, each emitted by body(e, ctx, at, w,
 * in_block): the tile at C expression at, w wide, in_block when it is alone in a block (a
 * loop's body or a test's branch).  The whole tiles in a loop under pragma (--openmp's split,
 * or NULL), then the short one.  Split when the whole tiles would not halve evenly between two
 * threads (an odd count, or a short tile left to one), the loop goes over the two halves of n
 * instead, each half its whole tiles then its short one, at most gran apart (a vector's lanes,
 * or 1): on 2 threads each thread takes one half (the static schedule's contiguous shares).
 * The halves balance the threads (the MLP's first Linear: 26 and 25 tiles of 5 columns, the
 * last column after them on one thread), and every product that splits a dimension of the same
 * size splits it at the same place: a weight's rows updated by one core are those it reads in
 * the next forward, the gradient columns it reads those it just wrote.  Each tile sums its
 * elements as any other: the same bits.  (Not in a team's loops, dot_window_blocks: whole
 * rows of tiles, which its windows' blocks share.) */
typedef void (*TileFn)(Em *e, const void *ctx, const char *at, int w, int in_block);

static void split_tiles(Em *e, const char *var, int n, int step, int gran, const char *pragma, TileFn body, const void *ctx) {
  int nt = n / step * step, H = n / 2, q = H / step, t = H - q * step;
  if (pragma && !e->team && !(nt == n && nt / step % 2 == 0) && n % (2 * gran) == 0 && q >= 1 && t > 0) {
    em_line(e, "%s", pragma);
    em_line(e, "for (int r_h = 0; r_h < %d; r_h++) { /* both halves of %d, each %d tile%s of %d then one of %d */", 2 * (q + 1), n, q,
            q > 1 ? "s" : "", step, t);
    e->ind++;
    em_line(e, "int %s = r_h / %d * %d + r_h %% %d * %d;", var, q + 1, H, q + 1, step);
    em_line(e, "if (r_h %% %d < %d) {", q + 1, q);
    e->ind++;
    body(e, ctx, var, step, 1);
    e->ind--;
    em_line(e, "} else {");
    e->ind++;
    body(e, ctx, var, t, 1);
    e->ind--;
    em_line(e, "}");
    e->ind--;
    em_line(e, "}");
    return;
  }
  if (nt) {
    const char *v = tiles_open(e, var, nt, step, pragma);
    body(e, ctx, v, step, strcmp(v, "0") != 0);
    tiles_close(e, v);
  }
  if (nt < n) body(e, ctx, ir_fmt("%d", nt), n - nt, 0);
}

/* The axpy form's tile, MR rows x NV vectors of C: the target's (target.c) on generic; on the
 * others the one that loads the fewest vectors of B and elements of A over the product (each
 * k step of a tile loads NV vectors and broadcasts MR elements), with its MR x NV
 * accumulators, NV vectors of B and a broadcast in the target's registers: LeNet's first
 * convolution (6 rows of C) as one 6-row tile instead of a 4-row and a 2-row one. */

static AxpyShape axpy_shape(const Em *e, int M, int N) {
  AxpyShape best = {em_tile_rows(e), em_tile_vecs(e)};
  if (e->o->target == TARGET_GENERIC) return best;
  int regs = em_vregs(e), vecs = N / em_vlanes(e);
  long best_loads = -1;
  for (int mr = 1; mr <= 8 && mr <= M; mr++)
    for (int nv = 1; nv <= 4 && nv <= vecs; nv++) {
      if (mr * nv + nv + 1 > regs) continue;
      long loads = (long)((M + mr - 1) / mr) * ((vecs + nv - 1) / nv) * (mr + nv);
      if (best_loads < 0 || loads < best_loads || (loads == best_loads && mr * nv > best.mr * best.nv))
        best = (AxpyShape){mr, nv}, best_loads = loads;
    }
  return best;
}

/* Do the chunk's tiles go into a fused update (e->fuse) whose buffers are laid out as C (not
 * C^T): the parameter and its optimizer state, R rows of a tile NR columns wide each? */
static int upd_rows(const Em *e, const KChunk *ch) { return ch->upd && !e->fuse->epi && e->fuse->trans < 0; }

/* Before a tile that goes into a fused update: the next tile's lines of the update's buffers of
 * C's size (the parameter and its optimizer state), R rows from row0, W columns from col0,
 * prefetched while this tile computes, when guard holds (the next tile is a whole one, so no
 * address leaves the buffers).  The update reads and writes those buffers in tiles of R short
 * rows a weight row apart, which the hardware prefetchers do not follow: fashion_cnn's first
 * Linear (128 x 3136, Adam, its state evicted by the convolutions between two steps) spent
 * 540 us a step in its fused update, about 390 us with the next tile's state prefetched.  (Rows
 * of tiles outside as well saved 40 us more there, but cost the MLP's update, whose state stays
 * in cache, 5 % by reading B from L2 instead of L1: not done.) */
static void upd_prefetch(Em *e, const AxProd *p, const char *guard, const char *row0, int R, const char *col0, int W) {
  int line = 64 / (e->d64 ? 8 : 4);
  em_line(e, "if (%s) { /* the next tile's rows of the update's buffers, fetched while this tile computes */", guard);
  e->ind++;
  em_line(e, "for (int r_r = 0; r_r < %d; r_r++)", R);
  em_line(e, "  for (int r_l = 0; r_l < %d; r_l += %d) {", W, line);
  for (int b = 0; b < p->u->n; b++)
    if (p->u->full[b])
      em_line(e, "    DLC_PREFETCH%s(%s, (%s + r_r) * %d + %s + r_l);", p->u->written[b] ? "_W" : "", p->u->name[b], row0, p->N, col0);
  em_line(e, "  }");
  e->ind--;
  em_line(e, "}");
}

/* Column blocks outside, row tiles inside: a block of B's columns (a chunk of k x NR) stays in
 * cache while every row tile of A passes over it. */
static void axpy_cols(Em *e, const AxProd *p, const char *i1, int nv, const KChunk *ch) {
  int MR = p->t.mr, Mt = p->M / MR * MR;
  if (Mt) {
    const char *i0 = tiles_open(e, "i0", Mt, MR, NULL);
    if (strcmp(i0, "0") && upd_rows(e, ch))
      upd_prefetch(e, p, ir_fmt("i0 + %d < %d", MR, Mt), ir_fmt("i0 + %d", MR), MR, i1, nv * em_vlanes(e));
    axpy_block(e, p, i0, MR, i1, nv, ch);
    tiles_close(e, i0);
  }
  if (Mt < p->M) {
    em_line(e, "{");
    e->ind++;
    axpy_block(e, p, ir_fmt("%d", Mt), p->M - Mt, i1, nv, ch);
    e->ind--;
    em_line(e, "}");
  }
}

/* R rows of C from row i0: every column block, then the block of fewer vectors */
static void axpy_row_tile(Em *e, const AxProd *p, const char *i0, int R, const KChunk *ch) {
  int VL = em_vlanes(e), NV = p->t.nv, NR = NV * VL, Nt = p->N / NR * NR, Nv = p->N / VL * VL;
  const char *i1 = tiles_open(e, "i1", Nt, NR, NULL);
  if (strcmp(i1, "0") && upd_rows(e, ch)) upd_prefetch(e, p, ir_fmt("i1 + %d < %d", NR, Nt), i0, R, ir_fmt("i1 + %d", NR), NR);
  axpy_block(e, p, i0, R, i1, NV, ch);
  tiles_close(e, i1);
  if (Nt < Nv) axpy_block(e, p, i0, R, ir_fmt("%d", Nt), (Nv - Nt) / VL, ch);
}

typedef struct {
  const AxProd *p;
  const KChunk *ch;
} AxTiles;

static void axpy_row_tile_at(Em *e, const void *ctx, const char *at, int w, int in_block) {
  const AxTiles *x = ctx;
  if (!in_block) em_line(e, "{"), e->ind++;
  axpy_row_tile(e, x->p, at, w, x->ch);
  if (!in_block) e->ind--, em_line(e, "}");
}

/* Row tiles outside, split across threads; the short last tile after them (split_tiles). */
static void axpy_rows(Em *e, const AxProd *p, const KChunk *ch) {
  split_tiles(e, "i0", p->M, p->t.mr, 1, em_omp(e, "parallel for"), axpy_row_tile_at, &(AxTiles){p, ch});
}

static int tiled(const Em *e, const Node *n, int M, int N, int K) {
  int VL = em_vlanes(e);
  return !n->tb && N >= VL && K >= 4 && !em_unrolled(e, M) && !em_unrolled(e, K);
}

/* The chunks of k, KC long (the last one shorter), in order: chunk(e, ctx, &ch) for each.  The
 * first stores into C, unless C was zeroed first (zeroed); the others add to it; a fused update
 * (e->fuse) takes the last.  The whole chunks in between run in a loop over i3. */
typedef void (*ChunkFn)(Em *e, void *ctx, const KChunk *ch);

static void k_chunks(Em *e, int K, int KC, int zeroed, ChunkFn chunk, void *ctx) {
  int n = (K + KC - 1) / KC, last = n - 1, last_len = K - last * KC;
  int lo = zeroed ? 0 : 1, hi = n > lo && (e->fuse || last_len < KC) ? last : n; /* the loop's chunks */
  if (!zeroed) chunk(e, ctx, &(KChunk){"0", n == 1 ? K : KC, 0, e->fuse && n == 1});
  if (hi - lo >= 2) {
    em_line(e, "for (int i3 = %d; i3 < %d; i3 += %d) { /* chunks of k */", lo * KC, hi * KC, KC);
    e->ind++;
    chunk(e, ctx, &(KChunk){"i3", KC, 1, 0});
    e->ind--;
    em_line(e, "}");
  } else if (hi - lo == 1) {
    chunk(e, ctx, &(KChunk){ir_fmt("%d", lo * KC), KC, 1, 0});
  }
  if (hi < n) chunk(e, ctx, &(KChunk){ir_fmt("%d", last * KC), last_len, 1, e->fuse != NULL});
}

/* A long k is cut into chunks whose slice of B's column block (k x NR) fits in half of L2
 * (--l2) with room to spare, so every row tile of the chunk finds it there: a (B A^T)^T weight
 * gradient (opt_layout.c) streams A^T's 1.6 MB once instead of once per row tile. */

static void axpy_cols_at(Em *e, const void *ctx, const char *at, int w, int in_block) {
  const AxTiles *x = ctx;
  (void)in_block;
  axpy_cols(e, x->p, at, w / em_vlanes(e), x->ch); /* (fewer vectors in the short one) */
}

static void axpy_chunk(Em *e, void *ctx, const KChunk *ch) {
  const AxProd *p = ctx;
  int VL = em_vlanes(e), NR = p->t.nv * VL, Nt = p->N / NR * NR, Nv = p->N / VL * VL;
  /* --openmp: threads take whole columns of C, or whole rows when there are too few column
   * blocks to share (a (B A^T)^T weight gradient: 64 columns, 288 rows; the same rows go to
   * the same thread in every chunk of k), each element summed in the same order whatever the
   * thread count (bit-identical results) */
  int omp = Nt && e->o->openmp && (double)p->M * p->N * ch->KL >= OMP_MIN_MACS;
  if (omp && (Nt / NR < OMP_MIN_TILES || (e->fuse && !e->fuse->epi)) && p->M / p->t.mr >= OMP_MIN_TILES) {
    /* rows outside: also for a weight gradient whose tiles go into the update, each thread
     * taking whole rows of the weight (and of its optimizer state), those it reads in the
     * forward (dot_chunk); the column blocks of B inside, which all fit in L2 */
    axpy_rows(e, p, ch);
    return;
  }
  split_tiles(e, "i1", Nv, NR, VL, omp ? em_omp(e, "parallel for") : NULL, axpy_cols_at, &(AxTiles){p, ch});
}

/* the axpy form's chunk of k (all of it when not chunked) */
static int axpy_kc(const Em *e, AxpyShape t, int N, int K) {
  int VL = em_vlanes(e), Nv = N / VL * VL, esz = e->d64 ? 8 : 4;
  int64_t chunk_bytes = em_l2_bytes(e) / 2;
  int nchunks = (int)(((int64_t)K * t.nv * VL * esz + chunk_bytes - 1) / chunk_bytes);
  if (nchunks < 1 || Nv < N) nchunks = 1; /* scalar leftover columns: one pass over all of k */
  return (K + nchunks - 1) / nchunks;
}

/* the gather of a block of images' windows (a weight gradient's sub-kernel) */
typedef struct {
  int w, B;
} WinBlock;

static int win_block_gen(Em *e, void *ctx) {
  const WinBlock *x = ctx;
  em_window_images(e, x->w, x->B, "i4", em_buffer(e, x->w, 1));
  return 1;
}

static int win_pad_gen(Em *e, void *ctx) {
  const WinBlock *x = ctx;
  em_window_pad_images(e, x->w, x->B, "i4");
  return 1;
}

/* A weight gradient over window w's NI images, B at a time (the forward's block, plan.c):
 * opens the loop over the blocks, i4, and gathers the block's windows into w's storage (one
 * block), or pads its images there (padded); the caller adds the block's k and closes the loop. */
static void open_window_blocks(Em *e, int w, int NI, int B, int padded) {
  em_line(e, "for (int i4 = 0; i4 < %d; i4 += %d) { /* images [i4, i4 + %d): their %s, then their terms of k */", NI, B, B,
          padded ? "images padded" : "windows");
  e->ind++;
  WinBlock x = {w, B};
  if (padded) em_sub_kernel(e, win_pad_gen, &x, w, "_pad", "i4", 0, "the block's images, padded");
  else em_sub_kernel(e, win_block_gen, &x, w, "_block", "i4", 0, "the block's windows");
}

/* X G with X the window tensor (im2col, [c kh kw][n oh ow]) of a convolution whose forward
 * computes from the image directly or a block of images at a time (plan.c's product_readers)
 * and G the output's gradient, [n oh ow][out channel]: the (B A^T)^T form of a weight gradient
 * (opt_layout.c; fashion_cnn's second convolution, 288 x 64, k = 6272).  As dot_window_blocks
 * does for dY X^T, the product gathers the windows of B images at a time into the window's
 * storage (one block, the forward's) and adds their k to C: the first block's tiles start at
 * zero, the others load C's sums and go on (axpy_tile's acc), the last ends in the fused update.
 * Each element sums its k in order, as the product over the whole window tensor does in any
 * chunks of k: the same bits, without the 7.2 MB window tensor written by the forward and read
 * back here, and the forward direct from the image. */
static void axpy_window_blocks(Em *e, const AxProd *p, int w) {
  const Graph *g = e->g;
  int B = e->fp->win_images[w], NI = g->nodes[g->nodes[w].in[0]].shape.d[0], ohw = p->K / NI, KB = B * ohw;
  WinPad px;
  int padded = em_window_pad_blocks(e, w, B, &px);
  open_window_blocks(e, w, NI, B, padded);
  AxProd q = *p;
  q.a = em_buffer(e, w, 0), q.lda = KB, q.a_block = 1, q.px = padded ? &px : NULL;
  const char *k0 = ir_fmt("i4 * %d", ohw);
  em_line(e, "if (i4 == 0) { /* the first block's sums start C */");
  e->ind++;
  axpy_chunk(e, &q, &(KChunk){"0", KB, 0, 0});
  e->ind--;
  if (NI > 2 * B || !e->fuse) {
    em_line(e, "} else%s {", e->fuse ? ir_fmt(" if (i4 < %d)", NI - B) : "");
    e->ind++;
    axpy_chunk(e, &q, &(KChunk){k0, KB, 1, 0});
    e->ind--;
  }
  if (e->fuse) {
    em_line(e, "} else { /* the last block's sums end C's, into the update */");
    e->ind++;
    axpy_chunk(e, &q, &(KChunk){k0, KB, 1, 1});
    e->ind--;
  }
  em_line(e, "}");
  e->ind--;
  em_line(e, "}");
}

static void emit_matmul_tiled(Em *e, int id, int M, int N, int K) {
  const Node *n = &e->g->nodes[id];
  UpdBufs u = {0};
  if (e->fuse) upd_bufs(e, &u);
  AxpyShape t = axpy_shape(e, M, N);
  int VL = em_vlanes(e), Nv = N / VL * VL, KC = axpy_kc(e, t, N, K);
  int w = e->fp && e->fp->wgr ? e->fp->wgr[id] : -1; /* A, its window, gathered by it by blocks (plan.c) */
  /* C holds the chunks' (blocks') sums unless the update takes all of k from the tiles */
  AxProd p = {n, e->fuse && KC == K && w < 0 ? NULL : em_buffer(e, id, 1), em_buffer(e, n->in[0], 0), em_buffer(e, n->in[1], 0),
              M, N, K, t, &u, N, N, K, 0, NULL};
  if (w >= 0) {
    axpy_window_blocks(e, &p, w);
    return;
  }
  k_chunks(e, K, KC, 0, axpy_chunk, &p);
  if (Nv < N) {
    em_line(e, "for (int i0 = 0; i0 < %d; i0++) {", M);
    e->ind++;
    scalar_dots(e, n, p.c, p.a, p.b, M, N, K, "i0", 1, Nv);
    e->ind--;
    em_line(e, "}");
  }
}

static int dot_form(Em *e, const Node *n, int K) {
  return n->tb && !n->ta && K >= DOT_MIN_K && !em_unrolled(e, K);
}

/* C[i0.., j0..] (R x Cn elements) = (or +=) A[i, k0 .. k0+KL) . B[j, k0 .. k0+KL) */
typedef struct {
  const char *c, *a, *b;
  int N, K;
  DotShape t;     /* the tile */
  const char *k0; /* first k of the chunk */
  int KL;         /* chunk length */
  int acc;        /* add to C (chunked) instead of storing */
  const UpdBufs *upd; /* the last chunk of a fused update's product: C's elements go into it */
  int b_param;        /* B is a parameter (--openmp splits its rows) */
  int lanes;          /* L2 chunks (dot_lanes): LANES_OUT, LANES_IO, LANES_IN; 0 */
  int strip;          /* the lanes are a strip's (dot_lane_strips): STRIP_COLS, STRIP_ROWS; 0: all of C's */
  const char *bk0;    /* B's first k of the chunk, and its rows ldb elements apart, when B is a */
  int ldb;            /* block of its columns (dot_window_blocks); else NULL and 0: k0 and K */
  const WinPad *px;   /* B's rows read from the padded images, b the chunk's (dot_window_pixels) */
} Dot;

/* the lanes of a column of tiles (M x Cn vectors), of a row (R x N), or of all of C (M x N) */
enum { STRIP_COLS = 1, STRIP_ROWS };

/* A chunk of k whose tiles keep their accumulators' lanes in r_lanes (dot_lanes): the first
 * chunk stores them, the middle ones load and store them, the last loads them and ends as an
 * unchunked tile does (lane sums, C or the fused update). */
enum { LANES_OUT = 1, LANES_IO, LANES_IN };

/* R x Cn elements of C from dot products over a chunk of k: c, a and b point at the tile's
 * corner (a and b at the chunk's first k) */
typedef struct {
  const Dot *d;
  int R, Cn;
} DotTile;

/* The lanes of the tile's n accumulators r_acc<r>_<q> (row-major) summed into r_sum[n]: each
 * group of VL accumulators folded pairwise into one vector whose lane i holds accumulator i's sum,
 * in the order of a horizontal sum (dlc_fold in dlc_kernel.h; missing ones are zero vectors). */
static void dot_sums(Em *e, int n, int Cn) {
  int VL = em_vlanes(e), G = (n + VL - 1) / VL;
  const char *v = em_vtype(e);
  em_line(e, "%s r_sum[%d]; /* the elements' sums, lanes folded %d accumulators at a time */", e->real, G * VL, VL);
  for (int g = 0; g < G; g++) {
    const char *x[64] = {0}; /* the level's vectors (NULL: zero) */
    for (int i = 0; i < VL && g * VL + i < n; i++) x[i] = ir_fmt("r_acc%d_%d", (g * VL + i) / Cn, (g * VL + i) % Cn);
    em_line(e, "{");
    e->ind++;
    for (int W = VL, m = VL, lv = 1; W > 1; W /= 2, m /= 2, lv++)
      for (int i = 0; i < m / 2; i++) {
        const char *a = x[2 * i], *b = x[2 * i + 1];
        x[i] = NULL;
        if (!a && !b) continue;
        x[i] = ir_fmt("r_f%d_%d", lv, i);
        em_line(e, "%s %s; dlc_fold%d_%s(&%s, %s, %s);", v, x[i], W, v + 4, x[i], a ? ir_fmt("&%s", a) : ir_fmt("&(%s){0}", v),
                b ? ir_fmt("&%s", b) : ir_fmt("&(%s){0}", v));
      }
    em_line(e, "memcpy(r_sum + %d, &%s, sizeof %s);", g * VL, x[0], x[0]);
    e->ind--;
    em_line(e, "}");
  }
}

static void dot_body(Em *e, const void *ctx) {
  const DotTile *t = ctx;
  const Dot *d = t->d;
  const char *v = em_vtype(e);
  int VL = em_vlanes(e), Kv = d->KL / VL * VL, load = d->lanes == LANES_IO || d->lanes == LANES_IN, ldb = d->ldb ? d->ldb : d->K;
  for (int r = 0; r < t->R; r++) {
    char decl[256] = "";
    for (int q = 0, k = 0; q < t->Cn; q++)
      k += snprintf(decl + k, sizeof decl - (size_t)k, "%sr_acc%d_%d%s", q ? ", " : "", r, q, load ? "" : " = {0}");
    em_line(e, "%s %s;", v, decl);
    for (int q = 0; load && q < t->Cn; q++) /* the lanes of the chunks before */
      em_line(e, "memcpy(&r_acc%d_%d, s%s, sizeof r_acc%d_%d);", r, q, plus("", (r * t->Cn + q) * VL), r, q);
  }
  const WinPad *px = d->px;
  for (int q = 0; px && q < t->Cn; q++) { /* column j0 + q: the window row (c, kh, kw) */
    const char *j = plus("j0", q), *kk = ir_fmt("(%s) / %d %% %d * %d + (%s) %% %d", j, px->KW, px->KH, px->Wp, j, px->KW);
    if (px->C > 1) kk = ir_fmt("(%s) / %d * %d + %s", j, px->KH * px->KW, px->Hp * px->Wp, kk);
    em_line(e, "const %s *restrict w_b%d = b + %s;", e->real, q, kk);
  }
  em_line(e, "for (int i2 = 0; i2 < %d; i2 += %d) {", Kv, VL);
  e->ind++;
  for (int r = 0; r < t->R; r++) em_line(e, "%s r_a%d; memcpy(&r_a%d, a + %s, sizeof r_a%d);", v, r, r, plus("i2", r * d->K), r);
  if (px) { /* pixels i2.. of output row w_oh, the next row's from lane w_sp on (dlc_rows2) */
    int dr = px->SH * px->Wp - px->OW;
    em_line(e, "int w_oh = i2 / %d, w_sp = (w_oh + 1) * %d - i2, w_o = i2 + w_oh * %d, w_d = w_sp < %d ? %d : 0;", px->OW, px->OW,
            dr, VL, dr);
    for (int q = 0; q < t->Cn; q++) em_line(e, "%s r_b%d; dlc_rows2_%s(&r_b%d, w_b%d + w_o, w_sp, w_d);", v, q, v + 4, q, q);
  } else {
    for (int q = 0; q < t->Cn; q++) em_line(e, "%s r_b%d; memcpy(&r_b%d, b + %s, sizeof r_b%d);", v, q, q, plus("i2", q * ldb), q);
  }
  for (int r = 0; r < t->R; r++)
    for (int q = 0; q < t->Cn; q++) em_line(e, "r_acc%d_%d += r_a%d * r_b%d;", r, q, r, q);
  e->ind--;
  em_line(e, "}");
  if (d->lanes == LANES_OUT || d->lanes == LANES_IO) { /* the lanes, for the next chunk */
    for (int r = 0; r < t->R; r++)
      for (int q = 0; q < t->Cn; q++) em_line(e, "memcpy(s%s, &r_acc%d_%d, sizeof r_acc%d_%d);", plus("", (r * t->Cn + q) * VL), r, q, r, q);
    return;
  }
  dot_sums(e, t->R * t->Cn, t->Cn);
  const char *op = d->acc ? "+=" : "=";
  for (int r = 0; r < t->R; r++) {
    if (!d->upd && Kv == d->KL) { /* a row of C: its sums in a row of r_sum */
      if (d->acc)
        em_line(e, "for (int j = 0; j < %d; j++) c[%s] += r_sum[%s];", t->Cn, plus("j", r * d->N), plus("j", r * t->Cn));
      else
        em_line(e, "memcpy(c + %d, r_sum + %d, %d * sizeof *c);", r * d->N, r * t->Cn, t->Cn);
      continue;
    }
    for (int q = 0; q < t->Cn; q++) {
      const char *cell = ir_fmt("c[%d]", r * d->N + q), *sum = ir_fmt("r_sum[%d]", r * t->Cn + q);
      if (d->upd) { /* the element, summed as below, for the update */
        em_line(e, "%s r_s%d_%d = %s;", e->real, r, q, sum);
        if (Kv < d->KL)
          em_line(e, "for (int i2 = %d; i2 < %d; i2++) r_s%d_%d += a[%s] * b[%s];", Kv, d->KL, r, q, plus("i2", r * d->K),
                  plus("i2", q * ldb));
        if (d->acc) em_line(e, "r_s%d_%d = %s + r_s%d_%d;", r, q, cell, r, q);
        continue;
      }
      em_line(e, "{");
      em_line(e, "  %s r_s = %s;", e->real, sum);
      em_line(e, "  for (int i2 = %d; i2 < %d; i2++) r_s += a[%s] * b[%s];", Kv, d->KL, plus("i2", r * d->K),
              plus("i2", q * ldb));
      em_line(e, "  %s %s r_s;", cell, op);
      em_line(e, "}");
    }
  }
  if (d->upd) upd_tile(e, t->R, t->Cn, 0, d->N, "r_s%d_%d", 1);
}

static void dot_tile(Em *e, const Dot *d, const char *i0, int R, const char *j0, int Cn) {
  DotTile t = {d, R, Cn};
  const char *real = e->real;
  static const char *const lanes_sfx[] = {"", "_lanes_out", "_lanes_io", "_lanes_in"};
  const char *base = ir_fmt("%s_dot_%dx%d_k%d%s%s", e->pre, R, Cn, d->KL, d->acc ? "_acc" : "", lanes_sfx[d->lanes]);
  const char *params = ir_fmt("const %s *restrict a, const %s *restrict b", real, real);
  const char *corner = ir_fmt("(%s) * %d + %s", i0, d->N, j0);
  const char *k0 = strcmp(d->k0, "0") ? ir_fmt(" + %s", d->k0) : "", *bk0 = d->bk0 ? d->bk0 : d->k0;
  bk0 = strcmp(bk0, "0") ? ir_fmt(" + %s", bk0) : "";
  const char *ab = ir_fmt("%s + (%s) * %d%s, %s + (%s) * %d%s", d->a, i0, d->K, k0, d->b, j0, d->ldb ? d->ldb : d->K, bk0);
  if (d->px) { /* b: the chunk's padded images; the kernel finds the columns' rows from j0 */
    base = ir_fmt("%s_px", base);
    params = ir_fmt("%s, int j0", params);
    ab = ir_fmt("%s + (%s) * %d%s, %s, %s", d->a, i0, d->K, k0, d->b, j0);
  }
  if (d->lanes) { /* the tile's lanes: R x Cn vectors at its place in r_lanes (rows of tiles R x N, or of the strip) */
    params = ir_fmt("%s, %s%s *restrict s", params, d->lanes == LANES_IN ? "const " : "", real);
    const char *at = d->strip == STRIP_COLS   ? ir_fmt("(%s) * %d", i0, Cn)
                     : d->strip == STRIP_ROWS ? ir_fmt("(%s) * %d", j0, R)
                                              : ir_fmt("(%s) * %d + (%s) * %d", i0, d->N, j0, R);
    ab = ir_fmt("%s, r_lanes + (%s) * %d", ab, at, em_vlanes(e));
    if (d->lanes != LANES_IN) { /* no C yet */
      em_line(e, "%s(%s);", microkernel(e, base, params, dot_body, &t, NULL), ab);
      return;
    }
  }
  if (d->upd) { /* C only as the sums of the chunks before */
    params = ir_fmt("%s%s%s", d->acc ? ir_fmt("const %s *restrict c, ", real) : "", params, upd_params(e, d->upd));
    const char *name = microkernel(e, upd_name(e, base), params, dot_body, &t, d->upd);
    em_line(e, "%s(%s%s%s);", name, d->acc ? ir_fmt("%s + %s, ", d->c, corner) : "", ab, upd_args(d->upd, corner, j0));
    return;
  }
  const char *name = microkernel(e, base, ir_fmt("%s *restrict c, %s", real, params), dot_body, &t, NULL);
  em_line(e, "%s(%s + %s, %s);", name, d->c, corner, ab);
}

/* R rows of C from row i0, every column */
static void dot_rows(Em *e, const Dot *d, const char *i0, int R) {
  int DC = d->t.c, Nt = d->N / DC * DC;
  if (Nt) {
    const char *i1 = tiles_open(e, "i1", Nt, DC, NULL);
    dot_tile(e, d, i0, R, i1, DC);
    tiles_close(e, i1);
  }
  if (Nt < d->N) dot_tile(e, d, i0, R, ir_fmt("%d", Nt), d->N - Nt);
}

/* Cn columns of C from column j0, every row */
static void dot_cols(Em *e, const Dot *d, int M, const char *j0, int Cn) {
  int DR = d->t.r, Mt = M / DR * DR;
  if (Mt) {
    const char *i0 = tiles_open(e, "i0", Mt, DR, NULL);
    dot_tile(e, d, i0, DR, j0, Cn);
    tiles_close(e, i0);
  }
  if (Mt < M) dot_tile(e, d, ir_fmt("%d", Mt), M - Mt, j0, Cn);
}

/* The order of the tiles: a row of tiles at a time (A's rows read once, B's whole chunk once per
 * row of tiles) or a column at a time (B's rows once, A's chunk once per column), whichever
 * reads less from beyond L2; an operand's chunk that fits in L2 (--l2) counts once however
 * often it is walked (the MLP's 800 KB weight, walked once per row of tiles, stays there).
 * LeNet's second convolution's weight gradient (16 x 150, k = 3200: B 1.9 MB, A 205 KB) a
 * column at a time: its step 5-10 % faster; each element is summed as before. */
static int cols_outer(const Em *e, const Dot *d, int M) {
  double esz = e->d64 ? 8 : 4, a = (double)M * d->KL * esz, b = (double)d->N * d->KL * esz, l2 = em_l2_bytes(e);
  double rows = a + b * (b > l2 ? (M + d->t.r - 1) / d->t.r : 1);
  double cols = b + a * (a > l2 ? (d->N + d->t.c - 1) / d->t.c : 1);
  return cols < rows;
}

/* --openmp: whether the product is big enough to split */
static int dot_omp(const Em *e, const Dot *d, int M) { return e->o->openmp && (double)M * d->N * d->KL >= OMP_MIN_MACS; }

/* whether the tiles go a column at a time (dot_chunk) */
static int dot_by_cols(const Em *e, const Dot *d, int M) {
  if (e->team) return 0; /* a team's rows of tiles (dot_window_blocks) */
  return dot_omp(e, d, M) ? d->b_param && d->N / d->t.c >= OMP_MIN_TILES : cols_outer(e, d, M);
}

typedef struct {
  const Dot *d;
  int M;
} DotTiles;

static void dot_cols_at(Em *e, const void *ctx, const char *at, int w, int in_block) {
  const DotTiles *x = ctx;
  (void)in_block;
  dot_cols(e, x->d, x->M, at, w);
}

static void dot_rows_at(Em *e, const void *ctx, const char *at, int w, int in_block) {
  const DotTiles *x = ctx;
  (void)in_block;
  dot_rows(e, x->d, at, w);
}

static void dot_chunk(Em *e, const Dot *d, int M) {
  int DR = d->t.r, DC = d->t.c;
  int omp = dot_omp(e, d, M) || e->team;
  /* --openmp, x W^T with W a parameter: threads take whole columns of C, i.e. rows of W, so
   * that each core reads its part of W alone, the part it updates (emit_matmul_tiled: a
   * weight gradient's rows), which stays in its cache from step to step.  Split by rows of
   * x instead, every core reads all of W, half of it just written by the other core: on
   * vCPUs far apart that made the MLP's step on 2 threads slower than on one.  One thread:
   * a column at a time when that reads less (cols_outer). */
  DotTiles x = {d, M};
  if (dot_by_cols(e, d, M)) split_tiles(e, "i1", d->N, DC, 1, omp ? em_omp(e, "parallel for") : NULL, dot_cols_at, &x);
  else split_tiles(e, "i0", M, DR, 1, omp ? em_omp(e, "parallel for") : NULL, dot_rows_at, &x);
}

/* A very long k is cut into chunks whose slices of A and B fit in 8 MB together (a last-level
 * cache), C summed chunk by chunk.  Every chunk ends in the lane sums of its tiles (dot_sums)
 * and a pass over C: chunks sized for a 1 MB L2 made fashion_cnn's second convolution's weight
 * gradient (64 x 288, k = 6272) 13 % slower and LeNet's 5-9 % (perf, Zen 4, when each sum was
 * a horizontal sum); with the folded sums (Zen 5) 256-512 KB chunks made LeNet's step 5-10 %
 * faster and the MLP's forward 5-20 % slower, so the size stays. */
enum { DOT_CHUNK_BYTES = 8 * 1024 * 1024 };

typedef struct {
  const Dot *d;
  const UpdBufs *u;
  int M;
} DotK;

static void dot_k_chunk(Em *e, void *ctx, const KChunk *ch) {
  const DotK *x = ctx;
  Dot d = *x->d;
  d.k0 = ch->k0, d.KL = ch->KL, d.acc = ch->acc, d.upd = ch->upd ? x->u : NULL;
  dot_chunk(e, &d, x->M);
}

static int dot_kc(const Em *e, int M, int N) {
  int VL = em_vlanes(e), esz = e->d64 ? 8 : 4, KC = DOT_CHUNK_BYTES / (esz * (M + N)) / VL * VL;
  return KC < 8 * VL ? 8 * VL : KC;
}

static int dot_chunked(const Em *e, int M, int N, int K) {
  int KC = dot_kc(e, M, N);
  return K > KC + KC / 2;
}

/* Chunks whose tiles keep their lanes (r_lanes, M x N vectors on the kernel's stack) from one
 * chunk of k to the next: each lane sums its k in the same order as one unbroken loop, so C's
 * bits are those of the unchunked product.  Used when a tile's R + C rows over all of k do not
 * fit in L1 (then every tile reads them from L2, and its multiply-adds wait on L2: LeNet's
 * second weight gradient, 16 x 150, k = 3200, at 58 % of peak), or when neither order of the
 * tiles keeps its reused operand in L2 next to the tiles that stream past it (the whole of B
 * and a row of tiles of A, or the whole of A and a column of tiles of B, in 3/4 of L2, --l2):
 * LeNet's first weight gradient (6 x 25, k = 25088: A 600 KB, B 2.5 MB) re-read A from beyond
 * L2 for every column of tiles, fashion_cnn's (32 x 9: A 3.2 MB, B 900 KB) B for every row.
 * A chunk's rows of a tile take at most DOT_L1_BYTES, its slices of A and B at most half of
 * L2 (cols_outer orders the chunk's tiles; LeNet's both go a row of tiles at a time, B's chunk
 * staying in L2 across the rows).  LeNet's step, alternating builds: chunks of 512 in both
 * weight gradients 5 % faster than one unbroken k in the second and chunks of 4224 in the
 * first; 256 or 1024, or a column of tiles (or a row) through all chunks with only its lanes
 * kept, slower.  The lanes take at most LANES_MAX_BYTES of stack (LeNet's second: 150 KB; the
 * README says so).  Returns the chunk's length, or 0. */
enum { LANES_MAX_BYTES = 160 * 1024, DOT_L1_BYTES = 20 * 1024 };

/* the longest chunk of k, in whole vectors, whose rows of tile t take at most DOT_L1_BYTES */
static int dot_l1_kc(const Em *e, DotShape t) {
  int VL = em_vlanes(e);
  return DOT_L1_BYTES / ((e->d64 ? 8 : 4) * (t.r + t.c)) / VL * VL;
}

static int dot_lanes(const Em *e, int M, int N, int K) {
  int VL = em_vlanes(e), esz = e->d64 ? 8 : 4;
  DotShape t = dot_shape(e, M, N);
  double fit = 0.75 * em_l2_bytes(e), row = (double)K * esz;
  int in_l2 = (N + t.r) * row <= fit || (M + t.c) * row <= fit;
  int KC = em_l2_bytes(e) / 2 / (esz * (M + N)) / VL * VL, KC1 = dot_l1_kc(e, t);
  if (KC1 < KC) KC = KC1;
  if (in_l2 && (t.r + t.c) * row <= 2 * DOT_L1_BYTES) return 0; /* the tile's rows fit in L1 (or nearly) */
  return KC >= 8 * VL && K >= 2 * KC ? KC : 0;
}

/* the lanes' walk over the tiles of a chunk: all of C, or the strip from x0, w wide (a column
 * of tiles) or high (a row) */
static void lane_walk(Em *e, const Dot *c, int M, const char *x0, int w) {
  if (c->strip == STRIP_COLS)
    dot_cols(e, c, M, x0, w);
  else if (c->strip == STRIP_ROWS)
    dot_rows(e, c, x0, w);
  else
    dot_chunk(e, c, M);
}

/* the chunks of k with their lanes kept: the first, a loop over the middle ones, the last */
static void dot_lane_chunks(Em *e, const Dot *d, int M, int KC, const UpdBufs *u, const char *x0, int w) {
  int K = d->K, n = (K + KC - 1) / KC, last = (n - 1) * KC, VL = em_vlanes(e);
  int cells = d->strip == STRIP_COLS ? M * w : d->strip == STRIP_ROWS ? w * d->N : M * d->N;
  static const char *const strip[] = {"", " in this column of tiles", " in this row of tiles"};
  em_line(e, "%s r_lanes[%d]; /* each element's %d partial sums (lanes)%s, from one chunk of k to the next */", e->real,
          cells * VL, VL, strip[d->strip]);
  Dot c = *d;
  c.k0 = "0", c.KL = KC, c.lanes = LANES_OUT;
  lane_walk(e, &c, M, x0, w);
  if (n > 2) {
    if (n > 3) {
      em_line(e, "for (int i3 = %d; i3 < %d; i3 += %d) { /* chunks of k */", KC, last, KC);
      e->ind++;
    }
    c.k0 = n > 3 ? "i3" : ir_fmt("%d", KC), c.lanes = LANES_IO;
    lane_walk(e, &c, M, x0, w);
    if (n > 3) {
      e->ind--;
      em_line(e, "}");
    }
  }
  c.k0 = ir_fmt("%d", last), c.KL = K - last, c.lanes = LANES_IN, c.upd = e->fuse ? u : NULL;
  lane_walk(e, &c, M, x0, w);
}

/* When all of C's lanes would take more than LANES_MAX_BYTES, each strip of tiles (a column,
 * or a row, in dot_chunk's order) goes through all the chunks of k with its own lanes (each
 * lane still sums its k in order: the same bits).  fashion_cnn's first Linear on avx512 (32 x
 * 128, k = 3136: 256 KB of lanes) a column of tiles at a time, the column's chunk of W in L1
 * while the 8 row tiles pass: 195 -> 156 us alone, in the training step 3.5 -> 3.1 % of the
 * time (perf).  --openmp splits the strips, each thread's lanes on its stack.  Returns whether
 * the lanes fit in LANES_MAX_BYTES: all of C's (d->strip 0), or a strip's (d->strip set). */
static int dot_strips(const Em *e, Dot *d, int M) {
  int VL = em_vlanes(e), esz = e->d64 ? 8 : 4;
  if ((double)M * d->N * VL * esz <= LANES_MAX_BYTES) return 1;
  d->strip = dot_by_cols(e, d, M) ? STRIP_COLS : STRIP_ROWS;
  double cells = d->strip == STRIP_COLS ? (double)M * d->t.c : (double)d->t.r * d->N;
  if (cells * VL * esz <= LANES_MAX_BYTES) return 1;
  d->strip = 0;
  return 0;
}

typedef struct {
  const Dot *d;
  int M, KC;
  const UpdBufs *u;
} LaneTiles;

static void dot_lane_strip(Em *e, const void *ctx, const char *at, int w, int in_block) {
  const LaneTiles *x = ctx;
  if (!in_block) em_line(e, "{"), e->ind++; /* a block for the strip's lanes */
  dot_lane_chunks(e, x->d, x->M, x->KC, x->u, at, w);
  if (!in_block) e->ind--, em_line(e, "}");
}

static void dot_lane_strips(Em *e, const Dot *d, int M, int KC, const UpdBufs *u) {
  int cols = d->strip == STRIP_COLS, S = cols ? d->t.c : d->t.r, n = cols ? d->N : M;
  split_tiles(e, cols ? "i1" : "i0", n, S, 1, dot_omp(e, d, M) ? em_omp(e, "parallel for") : NULL, dot_lane_strip,
              &(LaneTiles){d, M, KC, u});
}

/* ---- a convolution's weight gradient over its windows, a block of images at a time ---------
 * dY X^T with X the window tensor (im2col) of a convolution whose forward computed from the
 * image directly or a block of images at a time (plan.c's product_readers: the window's two
 * readers): instead of the whole window tensor, written by the forward and read back here
 * (LeNet's first convolution: 25 x 25088, 2.5 MB; its second: 150 x 3200, 1.9 MB), the
 * product gathers the windows of B images at a time into the window's storage, which holds
 * one block (the forward's), and sums their k (the block's pixels) into its lanes: chunks of
 * the block sized as dot_lanes' for L1, the lanes kept from block to block (zeroed first: +0,
 * as a first chunk's accumulators start), the last block's last chunk ending in the lane sums
 * (C, or the fused update).  Each lane sums its k in order, as the unchunked product's: the
 * same bits.  Used when all of C's lanes fit in LANES_MAX_BYTES and the unchunked product is
 * not cut into chunks summed through C (dot_chunked), whose sums differ. */
int em_matmul_blocks_ok(const Em *e, int id, int KB) {
  const Node *n = &e->g->nodes[id];
  int M = n->shape.d[0], N = n->shape.d[1], K = inner_k(e, n), VL = em_vlanes(e), esz = e->d64 ? 8 : 4;
  if (KB <= 0 || K % KB || K <= KB || n->ta) return 0;
  if (!n->tb) return tiled(e, n, M, N, K) && N % VL == 0; /* the window is A: axpy_window_blocks */
  return K >= DOT_MIN_K && !em_unrolled(e, K) && !dot_chunked(e, M, N, K) && KB % VL == 0 &&
         (double)M * N * VL * esz <= LANES_MAX_BYTES;
}

static void dot_window_blocks(Em *e, const Dot *d, int M, const UpdBufs *u, int w) {
  const Graph *g = e->g;
  int VL = em_vlanes(e), B = e->fp->win_images[w], NI = g->nodes[g->nodes[w].in[0]].shape.d[0];
  int ohw = d->K / NI, KB = B * ohw, KC = dot_l1_kc(e, d->t);
  if (KC < 8 * VL) KC = 8 * VL;
  int n = (KB + KC - 1) / KC; /* the block's chunks, of even lengths */
  KC = ((KB + n - 1) / n + VL - 1) / VL * VL, n = (KB + KC - 1) / KC;
  int last = (n - 1) * KC;
  em_line(e, "%s r_lanes[%d]; /* each element's %d partial sums (lanes), from one chunk of k to the next */", e->real,
          M * d->N * VL, VL);
  em_line(e, "memset(r_lanes, 0, sizeof r_lanes); /* +0, as a first chunk's accumulators start */");
  /* --openmp: one parallel region for all the blocks (a team, Em.team), each thread the same
   * rows of tiles in every chunk, so that it alone touches their lanes: no barrier from one
   * chunk to the next, one after each block's gather and one before the next block's (the
   * block's windows read by all).  A region per chunk, as dot_chunk's own split would open,
   * cost fashion_cnn's first convolution (27 chunks a block, each ~3 us of work) a fork and
   * a join per chunk: its weight gradient was no faster on 2 threads than on one. */
  Dot blk = *d; /* a whole block's k */
  blk.KL = KB;
  int team = dot_omp(e, &blk, M) && M % d->t.r == 0 && M / d->t.r >= 2; /* rows of tiles, no short one */
  if (team) {
    em_line(e, "%s /* a team: its loops only call kernels */", em_omp(e, "parallel"));
    em_line(e, "{");
    e->ind++;
    e->team = 1;
  }
  open_window_blocks(e, w, NI, B, 0);
  Dot c = *d;
  c.b = em_buffer(e, w, 0), c.ldb = KB, c.lanes = LANES_IO, c.KL = KC, c.upd = NULL;
  if (n > 2) {
    em_line(e, "for (int i3 = 0; i3 < %d; i3 += %d) { /* chunks of the block's k */", last, KC);
    e->ind++;
    c.k0 = ir_fmt("i4 * %d + i3", ohw), c.bk0 = "i3";
    dot_chunk(e, &c, M);
    e->ind--;
    em_line(e, "}");
  } else if (n == 2) {
    c.k0 = ir_fmt("i4 * %d", ohw), c.bk0 = "0";
    dot_chunk(e, &c, M);
  }
  c.k0 = ir_fmt("i4 * %d + %d", ohw, last), c.bk0 = ir_fmt("%d", last), c.KL = KB - last;
  em_line(e, "if (i4 < %d) {", NI - B);
  e->ind++;
  dot_chunk(e, &c, M);
  e->ind--;
  em_line(e, "} else { /* the last block's last chunk: the lanes summed, into %s */", e->fuse ? "the update" : "C");
  e->ind++;
  c.lanes = LANES_IN, c.upd = e->fuse ? u : NULL;
  dot_chunk(e, &c, M);
  e->ind--;
  em_line(e, "}");
  if (team && NI > B) em_line(e, "#pragma omp barrier /* the block's windows read by all, before the next block's */");
  e->ind--;
  em_line(e, "}");
  if (team) {
    e->team = 0;
    e->ind--;
    em_line(e, "} /* the team's end */");
  }
}

/* The same product when the window's forward, the direct convolution's pixel form, left the
 * images padded in the window's storage (em_window_padded) at stride 1 along the rows, each
 * image's k = OH OW a whole number of vectors and a row at least one: B is never gathered.
 * Each vector of a window row, VL pixels of one image from output row w_oh on, is the padded
 * plane's row oh SH + kh from column ow + kw, the lanes past the row's end from the next row's
 * (dlc_rows2): the window tensor's values, zeros of the padding included, in the lanes the
 * product sums them in, image by image in order: the same bits.  LeNet's first convolution
 * gathered 25 x 3136 values a block of 4 images for it: 5 % of its training step. */
static int dot_window_pixels(Em *e, int id, const Dot *d, int M, const UpdBufs *u, int w) {
  const Graph *g = e->g;
  WinPad px;
  int VL = em_vlanes(e), NI = g->nodes[g->nodes[w].in[0]].shape.d[0];
  if (!em_window_padded(e, w, id, &px)) return 0;
  int ohw = px.OH * px.OW;
  em_line(e, "%s r_lanes[%d]; /* each element's %d partial sums (lanes), from one image to the next */", e->real,
          M * d->N * VL, VL);
  em_line(e, "memset(r_lanes, 0, sizeof r_lanes); /* +0, as a first chunk's accumulators start */");
  Dot c = *d;
  c.px = &px, c.KL = ohw, c.upd = NULL;
  const char *pad = em_buffer(e, w, 0);
  if (NI > 1) {
    em_line(e, "for (int i4 = 0; i4 < %d; i4++) { /* image i4: its window rows read from its padded planes */", NI - 1);
    e->ind++;
    c.b = ir_fmt("%s + (size_t)i4 * %d", pad, px.C * px.Hp * px.Wp), c.k0 = ir_fmt("i4 * %d", ohw), c.lanes = LANES_IO;
    dot_chunk(e, &c, M);
    e->ind--;
    em_line(e, "}");
  }
  em_line(e, "/* the last image: the lanes summed, into %s */", e->fuse ? "the update" : "C");
  c.b = ir_fmt("%s + %lld", pad, (long long)(NI - 1) * px.C * px.Hp * px.Wp), c.k0 = ir_fmt("%d", (NI - 1) * ohw);
  c.lanes = LANES_IN, c.upd = e->fuse ? u : NULL;
  dot_chunk(e, &c, M);
  return 1;
}

static void emit_matmul_dot(Em *e, int id, int M, int N, int K) {
  const Node *n = &e->g->nodes[id];
  UpdBufs u = {0};
  if (e->fuse) upd_bufs(e, &u);
  int chunked = dot_chunked(e, M, N, K), KC = chunked ? 0 : dot_lanes(e, M, N, K);
  /* C is stored unless the update takes it whole from the tiles */
  Dot d = {e->fuse && !chunked ? NULL : em_buffer(e, id, 1), em_buffer(e, n->in[0], 0), em_buffer(e, n->in[1], 0),
           N, K, dot_shape(e, M, N), "0", K, 0, NULL, e->g->nodes[ir_root_of(e->g, n->in[1])].op == OP_PARAM, 0, 0, NULL, 0, NULL};
  int w = e->fp && e->fp->wgr ? e->fp->wgr[id] : -1; /* B, its window, gathered by it (plan.c; never chunked) */
  if (w >= 0) {
    if (!dot_window_pixels(e, id, &d, M, &u, w)) dot_window_blocks(e, &d, M, &u, w);
    return;
  }
  if (KC && dot_strips(e, &d, M)) {
    if (d.strip)
      dot_lane_strips(e, &d, M, KC, &u);
    else
      dot_lane_chunks(e, &d, M, KC, &u, NULL, 0);
    return;
  }
  if (!chunked) {
    d.upd = e->fuse ? &u : NULL;
    dot_chunk(e, &d, M);
    return;
  }
  em_fill(e, id, em_lit(e, 0));
  DotK x = {&d, &u, M};
  k_chunks(e, K, dot_kc(e, M, N), 1, dot_k_chunk, &x);
}

/* A product over k = 1 (a weight gradient at batch 1: the outer product of two vectors) whose
 * update is fused (e->fuse): each element a_i b_j, the same bits as the plain loops store, goes
 * straight into the update; rows of C outermost, contiguous in the update's buffers (at the
 * transposed position when e->fuse->trans).  The MLP at batch 1 stored its 800 KB gradient
 * and read it back in the update. */
int em_matmul_outer(const Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  return inner_k(e, n) == 1;
}

static void emit_outer_update(Em *e, int id, int M, int N) {
  const Node *n = &e->g->nodes[id];
  const char *a = em_buffer(e, n->in[0], 0), *b = em_buffer(e, n->in[1], 0);
  em_omp_split(e, (int64_t)M * N);
  if (em_pragma(e, M)) em_line(e, "for (int i0 = r_lo; i0 < r_hi; i0++) { /* this thread's share of %d */", M);
  else em_line(e, "for (int i0 = 0; i0 < %d; i0++) {", M);
  em_line(e, "  const %s r_a = %s[i0];", e->real, a);
  em_line(e, "  for (int i1 = 0; i1 < %d; i1++) {", N);
  em_line(e, "    const %s r_acc = r_a * %s[i1];", e->real, b);
  e->ind += 2;
  em_update_epilogue(e, "r_acc", e->fuse->trans >= 0 ? ir_fmt("i1 * %d + i0", M) : ir_fmt("i0 * %d + i1", N));
  e->ind -= 2;
  em_line(e, "  }");
  em_line(e, "}");
}

/* register-tiled over all of k at once (not in chunks summed through C): every element of C
 * is final when its tile stores it, so it can go through an elementwise epilogue */
int em_matmul_whole_tiles(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  int M = n->shape.d[0], N = n->shape.d[1];
  int K = inner_k(e, n);
  if (tiled(e, n, M, N, K)) return axpy_kc(e, axpy_shape(e, M, N), N, K) == K;
  return dot_form(e, n, K) && !dot_chunked(e, M, N, K);
}

int em_matmul_tiled(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  int K = inner_k(e, n);
  return tiled(e, n, n->shape.d[0], n->shape.d[1], K) || dot_form(e, n, K);
}

/* Product id (C = A B in the axpy form, over all of k at once, no scalar columns) one block of
 * Nc of its columns at a time: em_matmul_cols then computes the block from b into c (C
 * expressions), their rows ldc and ldb elements apart: each is either the whole matrix's
 * buffer plus the block's first column (rows N apart) or a buffer of the block's size (rows
 * Nc apart): a scatter's block of columns from all of B, a forward's from a block of windows
 * into all of C.  Each element is the same sum as in the whole product (the tiles sum over k in
 * order whatever the columns around them): the same bits. */
int em_matmul_cols_ok(const Em *e, int id, int Nc) {
  const Node *n = &e->g->nodes[id];
  int M = n->shape.d[0], K = inner_k(e, n);
  return !n->tb && tiled(e, n, M, Nc, K) && Nc % em_vlanes(e) == 0 && axpy_kc(e, axpy_shape(e, M, Nc), Nc, K) == K;
}

void em_matmul_cols(Em *e, int id, int Nc, const char *c, int ldc, const char *b, int ldb) {
  const Node *n = &e->g->nodes[id];
  int M = n->shape.d[0], K = inner_k(e, n);
  AxProd p = {n, c, em_buffer(e, n->in[0], 0), b, M, Nc, K, axpy_shape(e, M, Nc), NULL, ldb, ldc, K, 0, NULL};
  axpy_chunk(e, &p, &(KChunk){"0", K, 0, 0});
}

void emit_matmul(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  int K = inner_k(e, n);
  if (tiled(e, n, n->shape.d[0], n->shape.d[1], K)) {
    emit_matmul_tiled(e, id, n->shape.d[0], n->shape.d[1], K);
    return;
  }
  if (dot_form(e, n, K)) {
    emit_matmul_dot(e, id, n->shape.d[0], n->shape.d[1], K);
    return;
  }
  if (e->fuse) { /* k = 1 (fuse_param) */
    emit_outer_update(e, id, n->shape.d[0], n->shape.d[1]);
    return;
  }
  if (K > 1) em_fill(e, id, em_lit(e, 0));
  int64_t sizes[3] = {n->shape.d[0], n->tb ? n->shape.d[1] : K, n->tb ? K : n->shape.d[1]};
  Mm mm = {id, K == 1};
  em_plain_vars(e, 3);
  /* --openmp: threads take whole rows of C, so every element is summed in the same order
   * whatever the thread count (bit-identical results); small products stay serial */
  if (e->o->openmp && !em_unrolled(e, sizes[0]) && (double)sizes[0] * (double)sizes[1] * (double)sizes[2] >= OMP_MIN_MACS)
    em_line(e, "%s", em_omp(e, "parallel for"));
  em_nest(e, sizes, 3, mm_body, &mm);
}
