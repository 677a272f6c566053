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
} Mm;

static void mm_body(Em *e, void *ctx) {
  const Node *n = &e->g->nodes[((Mm *)ctx)->id];
  int M = n->shape.d[0], N = n->shape.d[1];
  int K = n->ta ? e->g->nodes[n->in[0]].shape.d[0] : e->g->nodes[n->in[0]].shape.d[1];
  int tb_order = n->tb; /* i, j, k */
  int vi = 0, vk = tb_order ? 2 : 1, vj = tb_order ? 1 : 2;
  Aff c = em_aff_zero(), a = em_aff_zero(), b = em_aff_zero();
  c.k[vi] = N, c.k[vj] = 1;
  if (n->ta) a.k[vk] = M, a.k[vi] = 1;
  else a.k[vi] = K, a.k[vk] = 1;
  if (n->tb) b.k[vj] = K, b.k[vk] = 1;
  else b.k[vk] = N, b.k[vj] = 1;
  const char *cn = em_buffer(e, ((Mm *)ctx)->id, 1);
  em_line(e, "%s[%s] += %s[%s] * %s[%s];", cn, em_aff_str(e, &c), em_buffer(e, n->in[0], 0), em_aff_str(e, &a),
       em_buffer(e, n->in[1], 0), em_aff_str(e, &b));
}

/* Register-tiled products (vector extensions, so any ISA), two forms:
 *  - C = op(A) B with B row-major ("axpy" form): a tile of up to MR rows x NV vectors of C
 *    stays in registers for the whole k loop, each step broadcasting one A element per row;
 *    leftover rows get a smaller tile, leftover columns single vectors, then scalar dots.
 *    Every element of C is the sum over k in order, as the plain loops compute it.
 *  - C = A B^T, both operands walked along k ("dot" form, no transposed copy): a tile of up
 *    to DR x DC elements of C, each a vector of partial sums over k, reduced at the end in a
 *    fixed order.  Used when k is long (Linear's forward, convolution's weight gradient). */
enum { MR = 4, NV = 2, DR = 4, DC = 4 };

static const char *a_at(Em *e, const Node *n, const char *a, int M, int K, const char *i, const char *k) {
  (void)e;
  return n->ta ? ir_fmt("%s[(%s) * %d + %s]", a, k, M, i) : ir_fmt("%s[(%s) * %d + %s]", a, i, K, k);
}

static const char *plus(const char *base, int r) { return r ? ir_fmt("%s + %d", base, r) : base; }

/* rows i0 .. i0+R-1, columns [j0, N): scalar dot products */
static void scalar_dots(Em *e, const Node *n, const char *c, const char *a, const char *b, int M, int N, int K,
                        const char *i0, int R, int j0) {
  for (int r = 0; r < R; r++) {
    const char *i = plus(i0, r);
    em_line(e, "for (int i1 = %d; i1 < %d; i1++) {", j0, N);
    em_line(e, "  %s r_acc = 0;", e->real);
    em_line(e, "  for (int i2 = 0; i2 < %d; i2++) r_acc += %s * %s[i2 * %d + i1];", K, a_at(e, n, a, M, K, i, "i2"), b, N);
    em_line(e, "  %s[(%s) * %d + i1] = r_acc;", c, i, N);
    em_line(e, "}");
  }
}

/* R rows from i0 x nv vectors from column i1 of C, accumulated over all of k */
static void axpy_block(Em *e, const Node *n, const char *c, const char *a, const char *b, int M, int N, int K,
                       const char *i0, int R, const char *i1, int nv) {
  const char *v = em_vtype(e);
  int VL = em_vlanes(e);
  for (int r = 0; r < R; r++)
    em_line(e, "%s r_acc%d_0 = {0}%s;", v, r, nv > 1 ? ir_fmt(", r_acc%d_1 = {0}", r) : "");
  em_line(e, "for (int i2 = 0; i2 < %d; i2++) {", K);
  e->ind++;
  for (int q = 0; q < nv; q++)
    em_line(e, "%s r_b%d; memcpy(&r_b%d, %s + i2 * %d + %s, sizeof r_b%d);", v, q, q, b, N, plus(i1, q * VL), q);
  for (int r = 0; r < R; r++) em_line(e, "%s r_a%d = %s;", e->real, r, a_at(e, n, a, M, K, plus(i0, r), "i2"));
  for (int r = 0; r < R; r++)
    for (int q = 0; q < nv; q++) em_line(e, "r_acc%d_%d += r_a%d * r_b%d;", r, q, r, q);
  e->ind--;
  em_line(e, "}");
  for (int r = 0; r < R; r++)
    for (int q = 0; q < nv; q++)
      em_line(e, "memcpy(%s + (%s) * %d + %s, &r_acc%d_%d, sizeof r_acc%d_%d);", c, plus(i0, r), N, plus(i1, q * VL), r, q,
           r, q);
}

/* Column blocks outside, row tiles inside: a block of B's columns (K x NR) stays in cache
 * while every row tile of A passes over it. */
static void axpy_cols(Em *e, const Node *n, const char *c, const char *a, const char *b, int M, int N, int K,
                      const char *i1, int nv) {
  int Mt = M / MR * MR;
  if (Mt) {
    em_line(e, "for (int i0 = 0; i0 < %d; i0 += %d) {", Mt, MR);
    e->ind++;
    axpy_block(e, n, c, a, b, M, N, K, "i0", MR, i1, nv);
    e->ind--;
    em_line(e, "}");
  }
  if (Mt < M) {
    em_line(e, "{");
    e->ind++;
    axpy_block(e, n, c, a, b, M, N, K, ir_fmt("%d", Mt), M - Mt, i1, nv);
    e->ind--;
    em_line(e, "}");
  }
}

static int tiled(Em *e, const Node *n, int M, int N, int K) {
  int VL = em_vlanes(e);
  return !n->tb && N >= VL && K >= 4 && !em_unrolled(e, M) && !em_unrolled(e, K);
}

static void emit_matmul_tiled(Em *e, int id, int M, int N, int K) {
  const Node *n = &e->g->nodes[id];
  const char *c = em_buffer(e, id, 1), *a = em_buffer(e, n->in[0], 0), *b = em_buffer(e, n->in[1], 0);
  int VL = em_vlanes(e), NR = NV * VL, Nt = N / NR * NR, Nv = N / VL * VL;
  if (Nt) {
    /* --openmp: threads take whole columns of C, each element summed in the same order
     * whatever the thread count (bit-identical results) */
    if (e->o->openmp && (double)M * N * K >= OMP_MIN_MACS) em_line(e, "#pragma omp parallel for");
    em_line(e, "for (int i1 = 0; i1 < %d; i1 += %d) {", Nt, NR);
    e->ind++;
    axpy_cols(e, n, c, a, b, M, N, K, "i1", NV);
    e->ind--;
    em_line(e, "}");
  }
  for (int j = Nt; j < Nv; j += VL) axpy_cols(e, n, c, a, b, M, N, K, ir_fmt("%d", j), 1);
  if (Nv < N) {
    em_line(e, "for (int i0 = 0; i0 < %d; i0++) {", M);
    e->ind++;
    scalar_dots(e, n, c, a, b, M, N, K, "i0", 1, Nv);
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
  const char *k0; /* first k of the chunk */
  int KL;         /* chunk length */
  int acc;        /* add to C (chunked) instead of storing */
} Dot;

static void dot_tile(Em *e, const Dot *d, const char *i0, int R, const char *j0, int Cn) {
  const char *v = em_vtype(e);
  int VL = em_vlanes(e), Kv = d->KL / VL * VL;
  const char *k0 = strcmp(d->k0, "0") ? ir_fmt(" + %s", d->k0) : "";
  em_line(e, "{");
  e->ind++;
  for (int r = 0; r < R; r++) {
    char decl[256] = "";
    for (int q = 0, k = 0; q < Cn; q++) k += snprintf(decl + k, sizeof decl - (size_t)k, "%sr_acc%d_%d = {0}", q ? ", " : "", r, q);
    em_line(e, "%s %s;", v, decl);
  }
  em_line(e, "for (int i2 = 0; i2 < %d; i2 += %d) {", Kv, VL);
  e->ind++;
  for (int r = 0; r < R; r++)
    em_line(e, "%s r_a%d; memcpy(&r_a%d, %s + (%s) * %d%s + i2, sizeof r_a%d);", v, r, r, d->a, plus(i0, r), d->K, k0, r);
  for (int q = 0; q < Cn; q++)
    em_line(e, "%s r_b%d; memcpy(&r_b%d, %s + (%s) * %d%s + i2, sizeof r_b%d);", v, q, q, d->b, plus(j0, q), d->K, k0, q);
  for (int r = 0; r < R; r++)
    for (int q = 0; q < Cn; q++) em_line(e, "r_acc%d_%d += r_a%d * r_b%d;", r, q, r, q);
  e->ind--;
  em_line(e, "}");
  const char *op = d->acc ? "+=" : "=";
  for (int r = 0; r < R; r++)
    for (int q = 0; q < Cn; q++) {
      const char *cell = ir_fmt("%s[(%s) * %d + %s]", d->c, plus(i0, r), d->N, plus(j0, q));
      if (Kv == d->KL) {
        em_line(e, "%s %s dlc_hsum_%s(&r_acc%d_%d);", cell, op, em_vtype(e) + 4, r, q);
        continue;
      }
      em_line(e, "{");
      em_line(e, "  %s r_s = dlc_hsum_%s(&r_acc%d_%d);", e->real, em_vtype(e) + 4, r, q);
      em_line(e, "  for (int i2 = %d; i2 < %d; i2++) r_s += %s[(%s) * %d%s + i2] * %s[(%s) * %d%s + i2];", Kv, d->KL, d->a,
           plus(i0, r), d->K, k0, d->b, plus(j0, q), d->K, k0);
      em_line(e, "  %s %s r_s;", cell, op);
      em_line(e, "}");
    }
  e->ind--;
  em_line(e, "}");
}

/* R rows of C from row i0, every column */
static void dot_rows(Em *e, const Dot *d, const char *i0, int R) {
  int Nt = d->N / DC * DC;
  if (Nt) {
    em_line(e, "for (int i1 = 0; i1 < %d; i1 += %d)", Nt, DC);
    e->ind++;
    dot_tile(e, d, i0, R, "i1", DC);
    e->ind--;
  }
  if (Nt < d->N) dot_tile(e, d, i0, R, ir_fmt("%d", Nt), d->N - Nt);
}

static void dot_chunk(Em *e, const Dot *d, int M) {
  int Mt = M / DR * DR;
  if (Mt) {
    if (e->o->openmp && (double)M * d->N * d->KL >= OMP_MIN_MACS) em_line(e, "#pragma omp parallel for");
    em_line(e, "for (int i0 = 0; i0 < %d; i0 += %d) {", Mt, DR);
    e->ind++;
    dot_rows(e, d, "i0", DR);
    e->ind--;
    em_line(e, "}");
  }
  if (Mt < M) dot_rows(e, d, ir_fmt("%d", Mt), M - Mt);
}

/* A long k is cut into chunks whose slices of A and B fit in a typical L2 cache together,
 * so every tile of the chunk finds them there; C is summed chunk by chunk. */
enum { DOT_CHUNK_BYTES = 512 * 1024 };

static void emit_matmul_dot(Em *e, int id, int M, int N, int K) {
  const Node *n = &e->g->nodes[id];
  int VL = em_vlanes(e), esz = e->d64 ? 8 : 4;
  Dot d = {em_buffer(e, id, 1), em_buffer(e, n->in[0], 0), em_buffer(e, n->in[1], 0), N, K, "0", K, 0};
  int KC = DOT_CHUNK_BYTES / (esz * (M + N)) / VL * VL;
  if (KC < 8 * VL) KC = 8 * VL;
  if (K <= KC + KC / 2) {
    dot_chunk(e, &d, M);
    return;
  }
  em_fill(e, id, em_lit(e, 0));
  int nfull = K / KC, rem = K - nfull * KC;
  d.acc = 1, d.KL = KC, d.k0 = "i3";
  em_line(e, "for (int i3 = 0; i3 < %d; i3 += %d) { /* chunks of k */", nfull * KC, KC);
  e->ind++;
  dot_chunk(e, &d, M);
  e->ind--;
  em_line(e, "}");
  if (rem) {
    d.KL = rem, d.k0 = ir_fmt("%d", nfull * KC);
    dot_chunk(e, &d, M);
  }
}

void emit_matmul(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  int K = n->ta ? e->g->nodes[n->in[0]].shape.d[0] : e->g->nodes[n->in[0]].shape.d[1];
  if (tiled(e, n, n->shape.d[0], n->shape.d[1], K)) {
    emit_matmul_tiled(e, id, n->shape.d[0], n->shape.d[1], K);
    return;
  }
  if (dot_form(e, n, K)) {
    emit_matmul_dot(e, id, n->shape.d[0], n->shape.d[1], K);
    return;
  }
  em_fill(e, id, em_lit(e, 0));
  int64_t sizes[3] = {n->shape.d[0], n->tb ? n->shape.d[1] : K, n->tb ? K : n->shape.d[1]};
  Mm mm = {id};
  em_plain_vars(e, 3);
  /* --openmp: threads take whole rows of C, so every element is summed in the same order
   * whatever the thread count (bit-identical results); small products stay serial */
  if (e->o->openmp && !em_unrolled(e, sizes[0]) && (double)sizes[0] * (double)sizes[1] * (double)sizes[2] >= OMP_MIN_MACS)
    em_line(e, "#pragma omp parallel for");
  em_nest(e, sizes, 3, mm_body, &mm);
}
