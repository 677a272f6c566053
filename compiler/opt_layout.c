/* opt_layout.c - layout choice for the emitter.
 *
 * The matmul emitter streams rows of its right operand (C[i,:] += A[i,k] * B[k,:]), or, for
 * A B^T with a long inner dimension, walks rows of both operands (dot products: no copy).  A
 * right operand used transposed with a short inner dimension is first materialized in
 * row-major order when the product has enough rows to amortize the copy.  Runs after
 * simplification, which would fold the transpose back. */
#include "ir.h"

enum { MIN_ROWS_FOR_COPY = 4 };

static int rewrite(Graph *g, const Graph *og, int old, const int *map, void *ctx) {
  int *changed = ctx;
  const Node *o = &og->nodes[old];
  if (o->op != OP_MATMUL || !o->tb || o->shape.d[0] < MIN_ROWS_FOR_COPY) return -1;
  int K = o->ta ? og->nodes[o->in[0]].shape.d[0] : og->nodes[o->in[0]].shape.d[1];
  if (!o->ta && K >= DOT_MIN_K) return -1; /* the dot form reads B^T in place */
  g->cur = o->loc;
  g->cur_flags = o->flags;
  int bt = ir_transpose(g, map[o->in[1]]);
  int r = ir_matmul(g, map[o->in[0]], bt, o->ta, 0);
  g->cur_flags = 0;
  *changed = 1;
  return r;
}

Graph *opt_layout(const Graph *g, int *changed) {
  *changed = 0;
  return ir_rebuild(g, rewrite, changed);
}
