/* emit_rows.c - row-wise ops along an axis (softmax, log-softmax, argmax mask, the fused
 * softmax cross-entropy), pick (one element per row) and the 2-D transpose. */
#include "emit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void tr_body(Em *e, void *ctx) {
  int id = *(int *)ctx;
  const Node *n = &e->g->nodes[id];
  Aff o = em_aff_zero(), i = em_aff_zero();
  o.k[0] = n->shape.d[1], o.k[1] = 1;
  i.k[1] = n->shape.d[0], i.k[0] = 1;
  em_line(e, "%s[%s] = %s[%s];", em_buffer(e, id, 1), em_aff_str(e, &o), em_buffer(e, n->in[0], 0), em_aff_str(e, &i));
}

/* A transpose of at least TR_BLOCK x TR_BLOCK goes block by block, so the lines it reads and
 * writes stay in L1 while a block is copied (a plain row-by-row copy misses on every read). */
enum { TR_BLOCK = 16 };

/* One register tile of L x L (the target's vector lanes) transposed: row var of the source,
 * src (a C expression in var), loaded as a vector; the tile transposed in registers
 * (dlc_transpose in dlc_kernel.h); row var stored to dst. */
static void tile_transpose(Em *e, const char *var, const char *src, const char *dst) {
  int L = em_vlanes(e);
  const char *v = em_vtype(e);
  em_line(e, "%s r_t[%d];", v, L);
  em_line(e, "for (int %s = 0; %s < %d; %s++) memcpy(&r_t[%s], %s, sizeof r_t[%s]);", var, var, L, var, var, src, var);
  em_line(e, "dlc_transpose_%s(r_t);", v + 4);
  em_line(e, "for (int %s = 0; %s < %d; %s++) memcpy(%s, &r_t[%s], sizeof r_t[%s]);", var, var, L, var, dst, var, var);
}

/* out[b][y][x] = in[b][x][y] for B batch entries of X x Y elements, X and Y whole numbers of
 * vectors, by register tiles of L x L: L rows of the input loaded as vectors, transposed in
 * registers (dlc_transpose in dlc_kernel.h), stored as L rows of the output.  fashion_cnn's
 * second convolution's output gradient, [64, 32 x 14 x 14] to [32 x 14 x 14, 64] for its
 * weight gradient: 113 -> 47 us (the loops below read a line per element).  Pure moves: the
 * same bits.  Not under --check-numerics (the reference the fused tests compare with).
 * Returns 0 when the shapes do not allow it. */
static int transpose_tiles(Em *e, const char *out, const char *in, int64_t B, int64_t X, int64_t Y) {
  int L = em_vlanes(e);
  if (e->o->check_numerics || X % L || Y % L || X < L || Y < L) return 0;
  int64_t tiles = B * (X / L);
  em_omp_split(e, tiles * Y * L);
  em_split_for(e, "i0", tiles, ir_fmt("a row of tiles: %d of the input's rows", L));
  e->ind++;
  em_line(e, "const %s *restrict r_in = %s + (size_t)i0 * %lld;", e->real, in, (long long)L * Y);
  if (B > 1)
    em_line(e, "%s *restrict r_out = %s + (size_t)(i0 / %lld) * %lld + (size_t)(i0 %% %lld) * %d;", e->real, out, (long long)(X / L),
            (long long)(X * Y), (long long)(X / L), L);
  else
    em_line(e, "%s *restrict r_out = %s + (size_t)i0 * %d;", e->real, out, L);
  em_line(e, "for (int i1 = 0; i1 < %lld; i1 += %d) {", (long long)Y, L);
  e->ind++;
  tile_transpose(e, "i2", ir_fmt("r_in + (size_t)i2 * %lld + i1", (long long)Y), ir_fmt("r_out + (size_t)(i1 + i2) * %lld", (long long)X));
  e->ind--;
  em_line(e, "}");
  e->ind--;
  em_line(e, "}");
  return 1;
}

/* A permute that moves a trailing run of the input's dims before the run ahead of it, after
 * a prefix of dims that stay (its batch), reading a stored input: a batch of transposes
 * (transpose_tiles).  Returns 0 when it is not one, or the shapes do not allow the tiles. */
int emit_permute_tiles(Em *e, int id) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id];
  const Shape *is = &g->nodes[n->in[0]].shape;
  int nd = n->shape.n, b = 0;
  if (n->op != OP_PERMUTE || e->fp->inl[n->in[0]]) return 0;
  while (b < nd && n->attr[b] == b) b++; /* the batch prefix */
  if (b == nd) return 0;
  int k = n->attr[b]; /* out dims b.. = in dims k..nd-1, then b..k-1 */
  for (int i = b; i < nd; i++)
    if (n->attr[i] != (i - b < nd - k ? k + (i - b) : b + (i - b - (nd - k)))) return 0;
  int64_t B = 1, X = 1, Y = 1;
  for (int d = 0; d < b; d++) B *= is->d[d];
  for (int d = b; d < k; d++) X *= is->d[d];
  for (int d = k; d < nd; d++) Y *= is->d[d];
  return transpose_tiles(e, em_buffer(e, id, 1), em_buffer(e, n->in[0], 0), B, X, Y);
}

void emit_transpose(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  int64_t R = n->shape.d[0], C = n->shape.d[1];
  if (transpose_tiles(e, em_buffer(e, id, 1), em_buffer(e, n->in[0], 0), 1, C, R)) return;
  if (R < TR_BLOCK || C < TR_BLOCK || em_unrolled(e, R) || em_unrolled(e, C)) {
    int64_t sizes[2] = {R, C};
    em_plain_vars(e, 2);
    em_nest(e, sizes, 2, tr_body, &id);
    return;
  }
  const char *out = em_buffer(e, id, 1), *in = em_buffer(e, n->in[0], 0);
  em_line(e, "for (int i0 = 0; i0 < %lld; i0 += %d) {", (long long)R, TR_BLOCK);
  em_line(e, "  int r_end = i0 + %d < %lld ? i0 + %d : %lld;", TR_BLOCK, (long long)R, TR_BLOCK, (long long)R);
  em_line(e, "  for (int i1 = 0; i1 < %lld; i1 += %d) {", (long long)C, TR_BLOCK);
  em_line(e, "    int r_cend = i1 + %d < %lld ? i1 + %d : %lld;", TR_BLOCK, (long long)C, TR_BLOCK, (long long)C);
  em_line(e, "    for (int i2 = i0; i2 < r_end; i2++)");
  em_line(e, "      for (int i3 = i1; i3 < r_cend; i3++) %s[i2 * %lld + i3] = %s[i3 * %lld + i2];", out, (long long)C, in,
          (long long)R);
  em_line(e, "  }");
  em_line(e, "}");
}

/* Row-wise ops: the axis splits the shape into outer x len x inner; variables 0 = outer,
 * 1 = inner, 2 = position along the axis. */
typedef struct {
  int id;
  int64_t len, inner;
  const char *stmt; /* statement with %1$s = x[...] and %2$s = y[...] */
  int phase;
  int sib;     /* a cross-entropy's: the softmax of its rows computed with it (emit_row), or -1 */
  int softmax; /* the rows' output is a softmax's (the node's, or sib's) */
  int stored;  /* phase 1 stores the exps (in the softmax's output or row_e), phase 3 sums them */
} Row;

#define ROW_E_MAX 4096 /* the longest row whose exps go in row_e, a local array (16 KB of float) */

static Aff row_at(const Row *r) {
  Aff a = em_aff_zero();
  a.k[0] = r->len * r->inner, a.k[1] = 1, a.k[2] = r->inner;
  return a;
}

static void row_inner(Em *e, void *ctx) {
  Row *r = ctx;
  const Node *n = &e->g->nodes[r->id];
  Aff a = row_at(r);
  const char *ix = em_aff_str(e, &a);
  const char *x = ir_fmt("%s[%s]", em_buffer(e, n->in[0], 0), ix);
  /* a cross-entropy with its softmax (sib) stores the softmax's exps, which it sums */
  int out = r->sib >= 0 ? r->sib : r->id;
  const char *y = e->g->nodes[out].op == OP_XENT ? "" : ir_fmt("%s[%s]", em_buffer(e, out, 1), ix);
  /* where phase 1 stores the exps and phase 3 sums them: the softmax's output, else row_e */
  const char *ex = r->softmax ? y : ir_fmt("row_e[%s]", em_aff_str(e, &(Aff){0, {[2] = 1}}));
  switch (r->phase) {
  case 0: em_line(e, "row_max = %s(row_max, %s);", em_fn(e, "dlc_max"), x); break;
  case 1:
    if (n->op == OP_ARGMAX_MASK) em_line(e, "if (%s > row_max) { row_max = %s; row_at = %s; }", x, x, em_aff_str(e, &(Aff){0, {[2] = 1}}));
    else if (r->stored) em_line(e, "%s = %s(%s - row_max);", ex, em_fn(e, "dlc_exp"), x);
    else em_line(e, "row_sum += %s(%s - row_max);", em_fn(e, "dlc_exp"), x);
    break;
  case 3: em_line(e, "row_sum += %s;", ex); break;
  case 2:
    if (r->softmax) em_line(e, "%s = %s / row_sum;", y, y);
    else if (n->op == OP_LOG_SOFTMAX) em_line(e, "%s = %s - row_max - row_lse;", y, x);
    else em_line(e, "%s = %s == row_at ? %s : %s;", y, em_aff_str(e, &(Aff){0, {[2] = 1}}), em_lit(e, 1), em_lit(e, 0));
    break;
  }
}

static void row_outer(Em *e, void *ctx) {
  Row *r = ctx;
  const Graph *g = e->g;
  const Node *n = &g->nodes[r->id];
  e->L.nov = 3;
  e->L.ov[2].lv = e->L.nlv, e->L.ov[2].last = 1;
  em_line(e, "{");
  e->ind++;
  Aff first = row_at(r);
  first.k[2] = 0; /* the row's first element: the loop along the axis is not open yet */
  const char *x0 = ir_fmt("%s[%s]", em_buffer(e, n->in[0], 0), em_aff_str(e, &first));
  em_line(e, "%s row_max = %s, row_sum = %s;", e->real, n->op == OP_ARGMAX_MASK ? x0 : "-INFINITY", em_lit(e, 0));
  if (n->op == OP_ARGMAX_MASK) em_line(e, "int row_at = 0;");
  if (n->op != OP_ARGMAX_MASK) {
    r->phase = 0;
    em_loop(e, r->len, row_inner, r);
  }
  /* The exps of a row in one loop, which vectorizes (dlc_expf is straight-line arithmetic), and
   * their sum in order in the next: in the softmax's output, or in row_e, a row of them on the
   * stack (up to ROW_E_MAX; a longer row sums them as computed, one at a time). */
  r->stored = n->op != OP_ARGMAX_MASK && (r->softmax || r->len <= ROW_E_MAX);
  if (r->stored && !r->softmax) em_line(e, "%s row_e[%lld];", e->real, (long long)r->len);
  r->phase = 1;
  em_loop(e, r->len, row_inner, r);
  if (r->stored) {
    r->phase = 3;
    em_loop(e, r->len, row_inner, r);
  }
  if (n->op == OP_XENT) {
    Aff t = em_aff_zero();
    t.k[0] = 1;
    const char *ti = ir_fmt("%s[%s]", em_buffer(e, n->in[1], 0), em_aff_str(e, &t));
    Aff xr = em_aff_zero();
    xr.k[0] = r->len;
    em_line(e, "%s[%s] = %s(row_sum) + row_max - %s[%s + %s];", em_buffer(e, r->id, 1), em_aff_str(e, &t), em_fn(e, "log"),
         em_buffer(e, n->in[0], 0), em_aff_str(e, &xr), ti);
    if (r->sib >= 0) {
      r->phase = 2;
      em_loop(e, r->len, row_inner, r);
    }
  } else {
    if (n->op == OP_LOG_SOFTMAX) em_line(e, "%s row_lse = %s(row_sum);", e->real, em_fn(e, "log"));
    r->phase = 2;
    em_loop(e, r->len, row_inner, r);
  }
  if (n->op != OP_LOG_SOFTMAX && n->op != OP_XENT && n->op != OP_SOFTMAX) em_line(e, "(void)row_sum;");
  e->ind--;
  em_line(e, "}");
}

/* A softmax or log-softmax along the last dim whose rows are short (attention's scores: rows of
 * 16 keys, 4096 of them): one row at a time, its maximum and its sum are chains of dependent
 * scalar operations (the transformer's softmax: 2.7 ns an element, 7 % of its step).  Instead
 * VL rows at a time, one in each lane: the group's rows copied transposed into r_x (lengths a
 * whole number of vectors: by register tiles, dlc_transpose), then each loop over the row's
 * positions updates all lanes, and the result copied back.  Each row's maximum, exps, sum (in
 * the row's order) and quotients are those of the row-at-a-time loops: the same bits (the
 * fused tests compare them, the reference built with --check-numerics keeps those loops).
 * Rows left after the last whole group run the same loops on fewer lanes. */
enum { ROW_LANES_MAX = 64 }; /* the longest such row (r_x: 64 x 16 floats, 4 KB of stack) */

static void row_lanes_group(Em *e, const Node *n, const char *in, const char *out, const char *at, int nl, int64_t L) {
  int VL = em_vlanes(e), tiles = nl == VL && L % VL == 0;
  const char *R = e->real, *lanes = ir_fmt("for (int r_l = 0; r_l < %d; r_l++)", nl);
  const char *pos = ir_fmt("DLC_NO_VEC for (int i2 = 0; i2 < %lld; i2++)", (long long)L); /* its loop over the lanes, a vector */
  em_line(e, "{");
  e->ind++;
  em_line(e, "const %s *restrict r_in = %s + (size_t)(%s) * %lld;", R, in, at, (long long)L);
  em_line(e, "%s *restrict r_out = %s + (size_t)(%s) * %lld;", R, out, at, (long long)L);
  em_line(e, "%s r_x[%lld][%d], r_max[%d], r_sum[%d];", R, (long long)L, VL, VL, VL);
  if (tiles) {
    em_line(e, "for (int i2 = 0; i2 < %lld; i2 += %d) { /* the rows' next %d positions, transposed */", (long long)L, VL, VL);
    e->ind++;
    tile_transpose(e, "r_l", ir_fmt("r_in + (size_t)r_l * %lld + i2", (long long)L), "r_x[i2 + r_l]");
    e->ind--;
    em_line(e, "}");
  } else {
    em_line(e, "%s", pos);
    em_line(e, "  %s r_x[i2][r_l] = r_in[(size_t)r_l * %lld + i2];", lanes, (long long)L);
  }
  em_line(e, "%s r_max[r_l] = -INFINITY, r_sum[r_l] = %s;", lanes, em_lit(e, 0));
  em_line(e, "%s", pos);
  em_line(e, "  %s r_max[r_l] = %s(r_max[r_l], r_x[i2][r_l]);", lanes, em_fn(e, "dlc_max"));
  em_line(e, "%s", pos);
  if (n->op == OP_SOFTMAX) {
    em_line(e, "  %s r_x[i2][r_l] = %s(r_x[i2][r_l] - r_max[r_l]);", lanes, em_fn(e, "dlc_exp"));
    em_line(e, "%s", pos);
    em_line(e, "  %s r_sum[r_l] += r_x[i2][r_l];", lanes);
    em_line(e, "%s", pos);
    em_line(e, "  %s r_x[i2][r_l] = r_x[i2][r_l] / r_sum[r_l];", lanes);
  } else { /* log-softmax: x - max - log(sum of the exps), the exps summed as they are computed */
    em_line(e, "  %s r_sum[r_l] += %s(r_x[i2][r_l] - r_max[r_l]);", lanes, em_fn(e, "dlc_exp"));
    em_line(e, "%s r_sum[r_l] = %s(r_sum[r_l]); /* the rows' log of the sum */", lanes, em_fn(e, "log"));
    em_line(e, "%s", pos);
    em_line(e, "  %s r_x[i2][r_l] = r_x[i2][r_l] - r_max[r_l] - r_sum[r_l];", lanes);
  }
  if (tiles) {
    em_line(e, "for (int i2 = 0; i2 < %lld; i2 += %d) { /* back, transposed */", (long long)L, VL);
    e->ind++;
    tile_transpose(e, "r_l", "r_x[i2 + r_l]", ir_fmt("r_out + (size_t)r_l * %lld + i2", (long long)L));
    e->ind--;
    em_line(e, "}");
  } else {
    em_line(e, "%s", pos);
    em_line(e, "  %s r_out[(size_t)r_l * %lld + i2] = r_x[i2][r_l];", lanes, (long long)L);
  }
  e->ind--;
  em_line(e, "}");
}

static int row_lanes(Em *e, int id, int sib, int64_t outer, int64_t len, int64_t inner) {
  const Node *n = &e->g->nodes[id];
  int VL = em_vlanes(e);
  if ((n->op != OP_SOFTMAX && n->op != OP_LOG_SOFTMAX) || sib >= 0 || inner != 1 || len < 2 || len > ROW_LANES_MAX ||
      outer < VL || e->o->check_numerics || e->fp->inl[n->in[0]])
    return 0;
  const char *in = em_buffer(e, n->in[0], 0), *out = em_buffer(e, id, 1);
  int64_t groups = outer / VL;
  em_omp_split(e, groups * VL * len);
  em_split_for(e, "i0", groups, ir_fmt("%d rows at a time, one in each lane", VL));
  e->ind++;
  row_lanes_group(e, n, in, out, ir_fmt("i0 * %d", VL), VL, len);
  if (outer % VL) { /* in the loop: with --openmp, on the thread of the last group only */
    em_line(e, "if (i0 == %lld) /* the rows after the last whole group */", (long long)(groups - 1));
    row_lanes_group(e, n, in, out, ir_fmt("%lld", (long long)(groups * VL)), (int)(outer % VL), len);
  }
  e->ind--;
  em_line(e, "}");
  return 1;
}

/* A row-wise op (K_ROW, K_XENT); a cross-entropy with, when sib >= 0, the softmax of its rows
 * (node sib: its backward's, plan.c hoist_softmax): each row's maximum, exps and their sum
 * computed once, the exps stored into the softmax's output and divided by the sum after the
 * row's loss.  The softmax's own block computes the same exps and sums them in the same order:
 * the same bits. */
void emit_row(Em *e, int id, int sib) {
  const Node *n = &e->g->nodes[id];
  const Shape *s = &e->g->nodes[n->in[0]].shape;
  int axis = n->op == OP_XENT ? 1 : n->axis;
  Row r = {id, s->d[axis], 1, NULL, 0, sib, e->g->nodes[sib >= 0 ? sib : id].op == OP_SOFTMAX, 0};
  int64_t outer = 1;
  for (int d = 0; d < axis; d++) outer *= s->d[d];
  for (int d = axis + 1; d < s->n; d++) r.inner *= s->d[d];
  if (row_lanes(e, id, sib, outer, r.len, r.inner)) return;
  int64_t sizes[2] = {outer, r.inner};
  e->L.nov = 3;
  e->L.ov[0].lv = e->L.nlv, e->L.ov[0].last = 1;
  e->L.ov[1].lv = e->L.nlv + 1, e->L.ov[1].last = 1;
  em_nest(e, sizes, 2, row_outer, &r);
}

static void pick_body(Em *e, void *ctx) {
  int id = *(int *)ctx;
  const Node *n = &e->g->nodes[id];
  Aff i = em_aff_var(0), xr = em_aff_zero();
  xr.k[0] = e->g->nodes[n->in[0]].shape.d[1];
  const char *t = ir_fmt("%s[%s]", em_buffer(e, n->in[1], 0), em_aff_str(e, &i));
  em_line(e, "%s[%s] = %s[%s + %s];", em_buffer(e, id, 1), em_aff_str(e, &i), em_buffer(e, n->in[0], 0),
       em_aff_str(e, &xr), t);
}

void emit_pick(Em *e, int id) {
  em_plain_vars(e, 1);
  em_loop(e, e->g->nodes[id].shape.d[0], pick_body, &id);
}

/* ---- gather and scatter-add along an axis (K_GATHER) --------------------------------------
 * One plain loop per dim of the indexed shape; the index is read where it broadcasts.  An
 * index outside 0..size-1 of the axis reads 0 (gather) or adds nothing (scatter): generated
 * code never reads or writes outside a buffer, whatever the data. */
typedef struct {
  int id;
} Gather;

static void gather_body(Em *e, void *ctx) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[((Gather *)ctx)->id];
  int scatter = n->op == OP_SCATTER;
  const Shape *walk = scatter ? &g->nodes[n->in[0]].shape : &n->shape; /* the indexed shape */
  const Shape *big = scatter ? &n->shape : &g->nodes[n->in[0]].shape;   /* the one indexed into */
  Aff idx[MAX_DIMS], ci[MAX_DIMS];
  for (int d = 0; d < walk->n; d++) idx[d] = walk->d[d] == 1 ? em_aff_zero() : em_aff_var(d);
  em_child_idx(g, walk, n->in[1], idx, ci);
  const char *k = em_read(e, n->in[1], ci);
  Aff bi[MAX_DIMS];
  for (int d = 0; d < big->n; d++) bi[d] = d == n->axis || big->d[d] == 1 ? em_aff_zero() : idx[d];
  Aff lin = em_linear(big, bi);
  int64_t stride = 1;
  for (int d = big->n - 1; d > n->axis; d--) stride *= big->d[d];
  const char *at = stride == 1 ? ir_fmt("%s + k", em_aff_str(e, &lin))
                                : ir_fmt("%s + %lld * (int64_t)k", em_aff_str(e, &lin), (long long)stride);
  Aff wl = em_linear(walk, idx);
  em_line(e, "{");
  e->ind++;
  em_line(e, "const int32_t k = %s;", k);
  if (scatter) {
    const char *skip = n->attr[0] ? ir_fmt(" && k != %d", n->attr[0] - 1) : ""; /* no gradient for that index */
    em_line(e, "if ((uint32_t)k < %du%s) %s[%s] += %s[%s];", big->d[n->axis], skip, em_buffer(e, ((Gather *)ctx)->id, 1),
            at, em_buffer(e, n->in[0], 0), em_aff_str(e, &wl));
  } else {
    em_line(e, "%s[%s] = (uint32_t)k < %du ? %s[%s] : %s;", em_buffer(e, ((Gather *)ctx)->id, 1), em_aff_str(e, &wl),
            big->d[n->axis], em_buffer(e, n->in[0], 0), at, em_lit(e, 0));
  }
  e->ind--;
  em_line(e, "}");
}

void emit_gather(Em *e, int id) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id];
  const Shape *walk = n->op == OP_SCATTER ? &g->nodes[n->in[0]].shape : &n->shape;
  if (n->op == OP_SCATTER) em_fill(e, id, em_lit(e, 0));
  Gather ga = {id};
  int64_t sizes[MAX_DIMS];
  for (int d = 0; d < walk->n; d++) sizes[d] = walk->d[d];
  em_plain_vars(e, walk->n);
  em_nest(e, sizes, walk->n, gather_body, &ga);
}
