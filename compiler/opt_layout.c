/* opt_layout.c - layout choice for the emitter.
 *
 * The matmul emitter streams rows of its right operand (C[i,:] += A[i,k] * B[k,:]), or, for
 * A B^T with a long inner dimension, walks rows of both operands (dot products: no copy).  A
 * right operand used transposed with a short inner dimension is first materialized in
 * row-major order when the product has enough rows to amortize the copy.
 *
 * A B^T with a very long inner dimension and a wide A (a convolution's weight gradient: the
 * output's gradient [Cout, N*H*W] times the windows [Cin*KH*KW, N*H*W] transposed) is
 * computed as (B A^T)^T instead: A^T, the smaller operand, is copied once, and the product
 * becomes the axpy form (k chunked, no horizontal sums; B's rows broadcast, A^T's rows
 * vectors), whose C tile stays in registers across a chunk.  The transpose of the result
 * is as small as the weight; the training step's fused update reads the tiles transposed
 * (emit_c.c).  fashion_cnn's second convolution: 64 x 288, k = 6272.
 *
 * Runs after simplification, which would fold the transposes back. */
#include "ir.h"

enum { MIN_ROWS_FOR_COPY = 4 };

/* (B A^T)^T for A B^T: A at least TRANS_MIN_ROWS rows (four 16-float vectors of the new
 * product's row), B at least as many, k at least TRANS_MIN_K */
enum { TRANS_MIN_ROWS = 64, TRANS_MIN_K = 2048 };

static int transposed_product(const Graph *og, const Node *o, int K) {
  int M = o->shape.d[0], N = o->shape.d[1];
  return !o->ta && o->tb && M >= TRANS_MIN_ROWS && M % 16 == 0 && N >= M && K >= TRANS_MIN_K &&
         og->nodes[o->in[0]].shape.n == 2 && og->nodes[o->in[1]].shape.n == 2;
}

/* A^T for the product: when A is a reshape merging all but the first dim of Y (a convolution's
 * output gradient, itself a permute of the layer's [N, C, H, W] gradient), Y's dims rotated,
 * reshaped: ir_permute folds a permute of a permute, so A^T is copied from the gradient in
 * one pass instead of from A's own copy. */
static int transposed(Graph *g, int a) {
  Node an = g->nodes[a];
  if (an.op == OP_RESHAPE && an.shape.n == 2) {
    int y = an.in[0];
    Shape ys = g->nodes[y].shape;
    if (ys.n > 2 && ys.d[0] == an.shape.d[0]) {
      int rot[MAX_DIMS];
      for (int i = 0; i < ys.n; i++) rot[i] = (i + 1) % ys.n;
      return ir_reshape(g, ir_permute(g, y, rot), (Shape){2, {an.shape.d[1], an.shape.d[0]}});
    }
  }
  return ir_transpose(g, a);
}

static int rewrite(Graph *g, const Graph *og, int old, const int *map, void *ctx) {
  int *changed = ctx;
  const Node *o = &og->nodes[old];
  if (o->op != OP_MATMUL || !o->tb || o->shape.d[0] < MIN_ROWS_FOR_COPY) return -1;
  int K = o->ta ? og->nodes[o->in[0]].shape.d[0] : og->nodes[o->in[0]].shape.d[1];
  g->cur = o->loc;
  g->cur_flags = o->flags;
  int r = -1;
  if (transposed_product(og, o, K))
    r = ir_transpose(g, ir_matmul(g, map[o->in[1]], transposed(g, map[o->in[0]]), 0, 0));
  else if (o->ta || K < DOT_MIN_K) /* else the dot form reads B^T in place */
    r = ir_matmul(g, map[o->in[0]], ir_transpose(g, map[o->in[1]]), o->ta, 0);
  g->cur_flags = 0;
  if (r >= 0) *changed = 1;
  return r;
}

Graph *opt_layout(const Graph *g, int *changed) {
  *changed = 0;
  return ir_rebuild(g, rewrite, changed);
}
