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
 * A sum of products whose innermost dims are summed away (a batched product's backward,
 * attention's dS K) is summed with its last kept dim innermost instead, one operand copied
 * transposed when needed (sum_inner, below).
 *
 * Then the relayout (below): an elementwise block whose permute is copied for a product
 * (a convolution's output gradient, [N, C, H, W] copied to [C, N, H, W]) is computed in the
 * permuted order instead, and is a view for its other readers.
 *
 * Runs after simplification, which would fold the transposes back. */
#include "ir.h"

enum { MIN_ROWS_FOR_COPY = 4 };

/* (B A^T)^T for A B^T: A at least TRANS_MIN_ROWS rows (four 16-float vectors of the new
 * product's row), B at least as many, k at least TRANS_MIN_K; or A at least TRANS_MIN_WIN_ROWS
 * (two vectors) when B is a convolution's windows: resnet's 32-channel blocks' filter
 * gradient, 32 x 288 with k = 12544, whose dot form's lanes (32 x 288 x 16 floats, 590 KB)
 * do not fit the stack, so that it could not gather its windows a block of images at a time
 * and the forward stored them all for it (14.4 MB).  A Linear's forward at batch 32 keeps the
 * dot form (tests/fused/linear_strips.lua). */
enum { TRANS_MIN_ROWS = 64, TRANS_MIN_WIN_ROWS = 32, TRANS_MIN_K = 2048 };

/* whether x is a convolution's windows, through reshapes (its weight gradient's B) */
static int windows(const Graph *og, int x) { return og->nodes[ir_root_of(og, x)].op == OP_WINDOW; }

static int transposed_product(const Graph *og, const Node *o, int K) {
  int M = o->shape.d[0], N = o->shape.d[1];
  int rows = windows(og, o->in[1]) ? TRANS_MIN_WIN_ROWS : TRANS_MIN_ROWS;
  return !o->ta && o->tb && M >= rows && M % 16 == 0 && N >= M && K >= TRANS_MIN_K &&
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

/* x permuted by d: a reshape when only dims of size 1 move (their order is the memory order).
 * Here, not in ir_permute: the model file's graph is hashed for its checkpoints (ir_graph_hash),
 * and a batch of 1 would then build another graph than the same model at batch 32. */
static int permute_view(Graph *g, int x, const int *d) {
  const Shape *s = &g->nodes[x].shape;
  Shape t = {s->n, {0}};
  int last = -1, order = 1;
  for (int i = 0; i < s->n; i++) {
    t.d[i] = s->d[d[i]];
    if (s->d[d[i]] == 1) continue;
    order &= d[i] > last;
    last = d[i];
  }
  return order ? ir_reshape(g, x, t) : ir_permute(g, x, d);
}

/* ---- a sum of products whose innermost dim is summed ------------------------------------
 *
 * sum_to(a * b) down to a shape whose innermost dims are summed away, fewer than SUM_INNER_MAX
 * elements (a batched product A B^T in a backward: attention's dP V^T and dS K over a head's 16
 * dims, each output a chain of 16 scalar additions, which a C compiler vectorizes across the
 * outputs only with gathers and scatters) is summed with its last kept dim J moved innermost:
 * a and b are read in that order (a view when only dims of size 1 move, else a copy of the
 * operand transposed, as the forward copies K^T), and the sum's loop walks J in vector lanes,
 * the summed dims outside it.  Each output element adds the same products in the same order,
 * from zero: the same bits.  Not when the product has other readers (it is stored anyway) or
 * J is shorter than SUM_LANES_MIN. */
enum { SUM_INNER_MAX = 32, SUM_LANES_MIN = 8 };

typedef struct {
  int changed;
  int *users; /* per old node: how many nodes read it */
  const char *root;
} LayoutCtx;

/* an operand of the product: the tensor before an explicit broadcast of the same rank */
static int unbroadcast(const Graph *og, int x) {
  const Node *n = &og->nodes[x];
  return n->op == OP_BROADCAST && og->nodes[n->in[0]].shape.n == n->shape.n ? n->in[0] : x;
}

static int sum_inner(Graph *g, const Graph *og, int old, const int *map, const LayoutCtx *c) {
  const Node *o = &og->nodes[old];
  if (o->op != OP_SUM_TO || c->root[old]) return -1;
  int x = o->in[0], n = o->shape.n;
  const Node *xn = &og->nodes[x];
  if (xn->op != OP_MUL || c->users[x] != 1 || c->root[x] || xn->shape.n != n || n < 2) return -1;
  int64_t inner = 1;
  int J = n - 1;
  for (; J >= 0 && o->shape.d[J] == 1; J--) inner *= xn->shape.d[J];
  if (J < 0 || J == n - 1 || inner >= SUM_INNER_MAX || o->shape.d[J] < SUM_LANES_MIN) return -1;
  int a = unbroadcast(og, xn->in[0]), b = unbroadcast(og, xn->in[1]);
  if (og->nodes[a].shape.n != n || og->nodes[b].shape.n != n || xn->dt != o->dt) return -1;
  int d[MAX_DIMS], k = 0;
  for (int i = 0; i < n; i++)
    if (i != J) d[k++] = i;
  d[n - 1] = J;
  Shape t = {n, {0}};
  for (int i = 0; i < n; i++) t.d[i] = o->shape.d[d[i]];
  g->cur = xn->loc, g->cur_flags = xn->flags;
  int prod = ir_binary(g, OP_MUL, permute_view(g, map[a], d), permute_view(g, map[b], d));
  g->cur = o->loc, g->cur_flags = o->flags;
  return ir_reshape(g, ir_sum_to(g, prod, t), o->shape);
}

/* the axpy form for A B^T (B^T copied): k of a few vectors and N of whole ones (ir.h); from
 * AXPY_WIN_MAX_K on, not when B is a convolution's windows (its weight gradient's: the emitter
 * gathers them from the image itself, emit_window.c, and a copy of B^T would store them) */
static int short_k(const Graph *og, const Node *o, int K) {
  return o->shape.d[1] % 16 == 0 && (K < AXPY_WIN_MAX_K || (K <= AXPY_MAX_K && !windows(og, o->in[1])));
}

static int rewrite(Graph *g, const Graph *og, int old, const int *map, void *ctx) {
  LayoutCtx *c = ctx;
  int *changed = &c->changed;
  const Node *o = &og->nodes[old];
  if (o->op == OP_SUM_TO) {
    int r = sum_inner(g, og, old, map, c);
    g->cur_flags = 0;
    if (r >= 0) *changed = 1;
    return r;
  }
  if (o->op != OP_MATMUL || !o->tb || o->shape.d[0] < MIN_ROWS_FOR_COPY) return -1;
  int K = o->ta ? og->nodes[o->in[0]].shape.d[0] : og->nodes[o->in[0]].shape.d[1];
  g->cur = o->loc;
  g->cur_flags = o->flags;
  int r = -1;
  if (transposed_product(og, o, K))
    r = ir_transpose(g, ir_matmul(g, map[o->in[1]], transposed(g, map[o->in[0]]), 0, 0));
  else if (o->ta || K < DOT_MIN_K || short_k(og, o, K)) /* else the dot form reads B^T in place */
    r = ir_matmul(g, map[o->in[0]], ir_transpose(g, map[o->in[1]]), o->ta, 0);
  g->cur_flags = 0;
  if (r >= 0) *changed = 1;
  return r;
}

/* ---- an elementwise block stored in the order its copy wants ----------------------------
 *
 * A convolution's backward computes its output's gradient E elementwise in [N, C, H, W] order
 * (batch norm's or ReLU's backward), then copies it to [C, N, H, W] for the products
 * (permute -> reshape -> matmul: the weights' product and the windows' gradient).  When E
 * has such a copied permute P with dims D keeping the innermost dim in place, E is computed
 * as E' = P directly: the permute pushed down through E's expression (through elementwise
 * ops and broadcasts read by E alone, to the tensors it reads, which the block reads through
 * the permute in its loop, still unit-stride inside), and E becomes the view permute(E', D^-1)
 * for its other readers.  P itself folds into E' (a permute of a permute); a sum over E, batch
 * norm's bias gradient computed in E's loop, becomes the sum over E' into the permuted shape,
 * still in E''s loop.  Every element is the same expression of the same values, and the
 * sums add the same elements in the same order (per image and channel, images in order):
 * the bits are unchanged, and the copy (fashion_cnn: two, 1.6 and 3.2 MB) is gone. */

typedef struct {
  int *users;       /* per old node: its readers */
  int **readers;    /* per old node: their ids */
  int *dims;        /* per old node: the permutation E' is stored in (MAX_DIMS each) */
  int *relaid;      /* per old node: 1 + E' in the new graph, 0: not relaid */
  char *root;       /* per old node: a function's root (computed as it is, never a view) */
  int changed;
} Relayout;

static int kept_inner(const int *d, int n) { return n >= 3 && d[n - 1] == n - 1; }


/* a permute P of E whose result is copied for a product (its reader, or its reshape's reader,
 * is a matmul) */
static int copied_permute(const Graph *og, const Relayout *r, int p) {
  if (og->nodes[p].op != OP_PERMUTE) return 0;
  for (int i = 0; i < r->users[p]; i++) {
    int u = r->readers[p][i];
    if (og->nodes[u].op == OP_MATMUL) return 1;
    if (og->nodes[u].op == OP_RESHAPE)
      for (int j = 0; j < r->users[u]; j++)
        if (og->nodes[r->readers[u][j]].op == OP_MATMUL) return 1;
  }
  return 0;
}

static int elementwise(const Node *n) { return op_info[n->op].kind == K_E1 || op_info[n->op].kind == K_E2; }

/* old node x, permuted by d, in the new graph: x's expression rebuilt when it is E or an
 * elementwise op or broadcast of E's shape that E alone reads, else the view of x's value
 * (a tensor E reads, a broadcast's source); -1 when E itself cannot be rebuilt */
static int push_permute(Graph *g, const Graph *og, const Relayout *r, int x, int e, const int *d, const int *map) {
  int top = x == e;
  const Node *o = &og->nodes[x];
  int n = o->shape.n;
  if (o->op == OP_CONST) return map[x];
  int pushable = (top || r->users[x] == 1) && (elementwise(o) || o->op == OP_BROADCAST) &&
                 shape_eq(&o->shape, &og->nodes[e].shape);
  for (int j = 0; pushable && j < o->nin; j++) {
    const Node *in = &og->nodes[o->in[j]];
    pushable = in->op == OP_CONST || in->shape.n == n;
  }
  if (!pushable) return top ? -1 : permute_view(g, map[x], d);
  Node c = *o;
  for (int j = 0; j < o->nin; j++) c.in[j] = push_permute(g, og, r, o->in[j], e, d, map);
  for (int i = 0; i < n; i++) c.shape.d[i] = o->shape.d[d[i]];
  g->cur = o->loc; /* each node rebuilt where its model line is */
  g->cur_flags = o->flags;
  return ir_add_node(g, c);
}

static int relayout_node(Graph *g, const Graph *og, int old, const int *map, Relayout *r) {
  const Node *o = &og->nodes[old];
  int *d = r->dims + (size_t)old * MAX_DIMS, n = o->shape.n;
  if (o->op == OP_SUM_TO && r->relaid[o->in[0]]) { /* a sum over E: over E' */
    const int *e = r->dims + (size_t)o->in[0] * MAX_DIMS;
    Shape t = {n, {0}};
    int inv[MAX_DIMS];
    for (int i = 0; i < n; i++) t.d[i] = o->shape.d[e[i]], inv[e[i]] = i;
    /* first over the dims E and E' share innermost (per image and channel), then the rest:
     * the partial sums E's own nest adds, in its order */
    int src = r->relaid[o->in[0]] - 1, k = n;
    while (k > 0 && e[k - 1] == k - 1) k--;
    Shape t1 = g->nodes[src].shape;
    for (int i = k; i < n; i++) t1.d[i] = t.d[i];
    if (!shape_eq(&t1, &g->nodes[src].shape) && !shape_eq(&t1, &t)) src = ir_sum_to(g, src, t1);
    return permute_view(g, ir_sum_to(g, src, t), inv);
  }
  if (o->op == OP_PERMUTE && r->relaid[o->in[0]]) /* P itself, or another permute of E: of E' */
    return ir_permute(g, map[o->in[0]], o->attr);
  if (!elementwise(o) || n < 3 || r->root[old]) return -1;
  int p = -1;
  for (int i = 0; i < r->users[old] && p < 0; i++) {
    int u = r->readers[old][i];
    if (copied_permute(og, r, u) && kept_inner(og->nodes[u].attr, n)) p = u;
  }
  if (p < 0) return -1;
  int inv[MAX_DIMS];
  for (int i = 0; i < n; i++) d[i] = og->nodes[p].attr[i], inv[d[i]] = i;
  int e = push_permute(g, og, r, old, old, d, map);
  if (e < 0) return -1;
  r->relaid[old] = 1 + e;
  r->changed = 1;
  g->cur = o->loc;
  g->cur_flags = o->flags;
  return ir_permute(g, e, inv);
}

static int relayout(Graph *g, const Graph *og, int old, const int *map, void *ctx) {
  g->cur = og->nodes[old].loc;
  g->cur_flags = og->nodes[old].flags;
  int r = relayout_node(g, og, old, map, ctx);
  g->cur_flags = 0;
  return r;
}

/* per node of g: 1 when it is a function's root or the loss (computed as it is, never a view) */
static char *roots_of(const Graph *g) {
  char *root = ir_alloc((size_t)g->nnodes + 1);
  for (int f = 0; f < FN_COUNT; f++)
    for (int i = 0; i < g->roots[f].n; i++) root[g->roots[f].v[i]] = 1;
  if (g->loss >= 0) root[g->loss] = 1;
  return root;
}

Graph *opt_layout(const Graph *g, int *changed) {
  LayoutCtx c = {0};
  int **readers;
  ir_readers(g, &c.users, &readers);
  c.root = roots_of(g);
  Graph *ng = ir_rebuild(g, rewrite, &c);
  *changed = c.changed;
  /* the readers of every node, for the relayout */
  Relayout r = {0};
  ir_readers(ng, &r.users, &r.readers);
  r.dims = ir_alloc((size_t)ng->nnodes * MAX_DIMS * sizeof(int) + 1);
  r.relaid = ir_alloc((size_t)ng->nnodes * sizeof(int) + 1);
  r.root = roots_of(ng);
  Graph *out = ir_rebuild(ng, relayout, &r);
  *changed |= r.changed;
  return out;
}
