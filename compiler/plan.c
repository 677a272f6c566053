/* plan.c - fusion, scheduling and memory planning of each emitted function.
 *
 * Per function (forward, grad, update), from its roots:
 *  1. fusion: an elementwise node used once, by an elementwise node, a reduction or an
 *     assign, over the same number of elements, is computed inside its user's loop (inl); a
 *     cheap one used several times is recomputed in each user's loop when that saves a pass
 *     (none under --check-numerics: each node's output is then stored and checked);
 *  2. schedule: the materialized nodes in id order (a topological order), then the assigns
 *     (the update: each assign as soon as what it needs is computed, schedule_update); a sum
 *     moved up next to a sibling sum over the same elements (hoist_sums);
 *  3. storage: leaves live in the model slabs or the caller's buffers, reshapes alias their
 *     input, an assign's value is computed straight into the destination when nothing reads
 *     the destination afterwards (coalescing), everything else gets an arena slot (a product
 *     whose columns a convolution's input gradient scatters a block of images at a time, a
 *     slot for one block: product_readers);
 *  4. arena offsets: greedy by size over live ranges [def, last use], 64-byte aligned; the
 *     update's above the gradient's (the training step runs them interleaved).
 * Invariant checked by the emitter: a block never reads an arena slot it also writes, unless
 * it is the same element (in-place elementwise update of a coalesced assign). */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

enum { ALIGN_ELEMS = 16 }; /* 64 bytes of f32; 128 of f64 */

static int64_t align_up(int64_t n) { return (n + ALIGN_ELEMS - 1) / ALIGN_ELEMS * ALIGN_ELEMS; }

static int elementwise(OpKind k) {
  return k == K_E1 || k == K_E2 || k == K_BCAST || k == K_PERMUTE || k == K_SHIFT || k == K_ONEHOT || k == K_RAND;
}

typedef struct {
  Graph *g;
  char *reach;    /* node belongs to this function */
  int *uses;      /* uses within this function */
  int *user;      /* the last user seen (meaningful when uses == 1) */
  char *inl;
  int *pos;       /* schedule position, -1 if not scheduled */
  Store *store;
  int *coalesced;
  int *epi;       /* epilogue candidates (product_readers) */
  int *unw;       /* products scattered block by block (product_readers) */
  int *unw_images; /* and the images of a block */
  int *win;       /* products that gather their window block by block (product_readers) */
  int *win_images; /* and the images of a window's block */
  int *wgr;       /* products that gather their B, a window, block by block (product_readers) */
  FnPlan *fp;
  int fuse;       /* blocks may be fused (not with --check-numerics) */
} Fn;

static void count_uses(Fn *f) {
  Graph *g = f->g;
  for (int i = 0; i < g->nnodes; i++) {
    if (!f->reach[i]) continue;
    for (int k = 0; k < g->nodes[i].nin; k++) {
      f->uses[g->nodes[i].in[k]]++;
      f->user[g->nodes[i].in[k]] = i;
    }
  }
}

static int64_t iter_numel(const Graph *g, int id) {
  const Node *n = &g->nodes[id];
  if (n->op == OP_ASSIGN) return shape_numel(&g->nodes[n->in[1]].shape);
  if (op_info[n->op].kind == K_REDUCE) return shape_numel(&g->nodes[n->in[0]].shape);
  return shape_numel(&n->shape);
}

enum { MAX_FUSE_DEPTH = 32 };

/* An elementwise op worth recomputing rather than storing: an operation or two per element. */
static int cheap_op(Op op) {
  return op == OP_ADD || op == OP_SUB || op == OP_MUL || op == OP_NEG || op == OP_RELU || op == OP_STEP;
}

/* What computing node id inside a loop costs: its operations and those of the nodes computed
 * inside it (cheap ones and broadcasts only), and the stored tensors of numel elements read. */
enum { MAX_RECOMPUTE_OPS = 4 };

typedef struct {
  int64_t numel;
  int ops, big, ok;
} Recompute;

static void recompute_cost(const Fn *f, int id, Recompute *r) {
  const Graph *g = f->g;
  const Node *n = &g->nodes[id];
  r->ops += op_info[n->op].kind != K_BCAST;
  for (int k = 0; k < n->nin && r->ok; k++) {
    int x = n->in[k];
    const Node *xn = &g->nodes[x];
    if (f->inl[x] && (cheap_op(xn->op) || op_info[xn->op].kind == K_BCAST)) recompute_cost(f, x, r);
    else if (f->inl[x] || op_info[xn->op].kind == K_RAND) r->ok = 0;
    else r->big += shape_numel(&xn->shape) == r->numel;
  }
}

/* Does node id's expression (through the nodes computed inside it) read only constants, node
 * skip and tensors of shape s and type dt, walked whole (at most MAX_EPILOGUE_READS reads),
 * or such tensors of other planes: a stored tensor read through a plane swap computed inside
 * it (ir_plane_swap: its image planes, whole, in another order), but never one tensor in both
 * orders (the emitter reads each tensor through one pointer to its plane)? */
enum { MAX_EPILOGUE_READS = PLAN_MAX_READS };
typedef PlanReads Reads;

static int add_read(const Graph *g, Reads *r, int x, int swap) {
  int root = ir_root_of(g, x);
  for (int i = 0; i < r->n; i++)
    if (r->root[i] == root) return r->swap[i] == swap;
  if (r->n == MAX_EPILOGUE_READS) return 0;
  r->root[r->n] = root, r->swap[r->n++] = swap;
  return 1;
}

static int walks_whole(const Fn *f, int id, int skip, const Shape *s, DType dt, Reads *r) {
  const Graph *g = f->g;
  const Node *n = &g->nodes[id];
  for (int k = 0; k < n->nin; k++) {
    int x = n->in[k];
    const Node *xn = &g->nodes[x];
    if (x == skip || g->nodes[ir_root_of(g, x)].op == OP_CONST) continue;
    if (!shape_eq(&xn->shape, s) || xn->dt != dt) return 0;
    if (!f->inl[x]) {
      if (!add_read(g, r, x, 0)) return 0;
      continue;
    }
    if (ir_plane_swap(g, x) && !f->inl[xn->in[0]]) { /* a stored tensor's planes swapped */
      if (!add_read(g, r, xn->in[0], 1)) return 0;
      continue;
    }
    OpKind xk = op_info[xn->op].kind;
    if ((xk != K_E1 && xk != K_E2) || !walks_whole(f, x, skip, s, dt, r)) return 0;
  }
  return 1;
}

/* Epilogues: max pooling's adjoint whose windows tile the image (it stores each pixel once),
 * used once, by an elementwise node over the same elements (ReLU's mask: g * step(x)) that
 * is stored and reads only tensors of its shape, is computed inside that node's block: the
 * pooling's gradient of a pixel goes through the node's expression as it is stored, instead
 * of being stored, then read back (emit_pool_epilogue).  Same operations, same bits.  The
 * node may also take the adjoint with its planes swapped (a convolution without batch norm
 * after it: LeNet's mask runs in the product's CNHW layout, g * step(x) of permuted N and C,
 * reading x, NCHW, swapped too): each plane of the adjoint is then stored, through the
 * expression, as the node's plane of the other order. */
static void decide_epilogues(Fn *f) {
  Graph *g = f->g;
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = &g->nodes[i];
    if (!f->reach[i] || n->op != OP_MAXPOOL_BACK || f->uses[i] != 1 || !ir_pool_tiles(g, i)) continue;
    int u = f->user[i], via = i; /* via: the node the user reads the adjoint through */
    if (ir_plane_swap(g, u) && f->inl[u] && f->uses[u] == 1) via = u, u = f->user[u];
    const Node *un = &g->nodes[u], *vn = &g->nodes[via];
    OpKind uk = op_info[un->op].kind;
    if ((uk != K_E1 && uk != K_E2) || f->inl[u] || u == g->loss || un->dt != n->dt) continue;
    Reads r = {0};
    if (shape_eq(&un->shape, &vn->shape) && walks_whole(f, u, via, &un->shape, n->dt, &r)) f->inl[i] = 1;
  }
}

static void decide_inline(Fn *f) {
  Graph *g = f->g;
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = &g->nodes[i];
    if (!f->reach[i] || !elementwise(op_info[n->op].kind) || i == g->loss) continue;
    if (f->uses[i] != 1) continue;
    int u = f->user[i];
    OpKind uk = op_info[g->nodes[u].op].kind;
    if (!(elementwise(uk) || uk == K_REDUCE || (uk == K_ASSIGN && g->nodes[u].in[1] == i))) continue;
    if (uk == K_ONEHOT) continue;
    if (n->op != OP_ONEHOT && iter_numel(g, u) != shape_numel(&n->shape)) continue;
    f->inl[i] = 1;
  }
  /* Recomputation: a cheap elementwise node with several users, each a loop over its elements,
   * whose expression (through the cheap operations and broadcasts computed inside it) costs at
   * most MAX_RECOMPUTE_OPS operations per element and reads at most one stored tensor as large
   * as the node (the others per channel, per row, constants), is computed again in each user's
   * loop instead of being stored: the users read that one tensor instead of the node, so a
   * write and a read of the node are saved for a few operations per element (batch norm's
   * x - mean, read by the variance and by the backward; the backward's 2 (x - mean) k, read by
   * a sum and by the input's gradient).  A broadcast read by several loops is never stored.
   * Same expression, same bits. */
  char *loop_users = ir_alloc((size_t)g->nnodes + 1); /* 1: every user loops over the node's elements */
  for (int i = 0; i < g->nnodes; i++) loop_users[i] = 1;
  for (int u = 0; u < g->nnodes; u++) {
    const Node *un = &g->nodes[u];
    OpKind uk = op_info[un->op].kind;
    for (int k = 0; f->reach[u] && k < un->nin; k++) {
      int x = un->in[k];
      int fits = (elementwise(uk) && uk != K_ONEHOT) || uk == K_REDUCE || (uk == K_ASSIGN && k == 1);
      if (!fits || iter_numel(g, u) != shape_numel(&g->nodes[x].shape)) loop_users[x] = 0;
    }
  }
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = &g->nodes[i];
    int bcast = op_info[n->op].kind == K_BCAST; /* no operation at all: read the small tensor */
    if (!f->reach[i] || f->inl[i] || f->uses[i] < 2 || i == g->loss || !(cheap_op(n->op) || bcast) || !loop_users[i])
      continue;
    Recompute r = {shape_numel(&n->shape), 0, 0, 1};
    recompute_cost(f, i, &r);
    if (r.ok && r.big <= 1 && r.ops <= MAX_RECOMPUTE_OPS) f->inl[i] = 1;
  }
  /* A fused expression nests at most MAX_FUSE_DEPTH operations: deeper chains are cut by
   * materializing a node, so the emitter's recursion and the C compiler's bracket depth stay
   * bounded whatever the model (a chain of 10^5 additions). */
  int *depth = ir_alloc((size_t)g->nnodes * sizeof(int) + 1);
  for (int i = 0; i < g->nnodes; i++) {
    if (!f->reach[i]) continue;
    const Node *n = &g->nodes[i];
    for (int k = 0; k < n->nin; k++)
      if (f->inl[n->in[k]] && depth[n->in[k]] > depth[i]) depth[i] = depth[n->in[k]];
    if (++depth[i] >= MAX_FUSE_DEPTH && f->inl[i]) f->inl[i] = 0, depth[i] = 1;
  }
  decide_epilogues(f);
}

static int is_computed(const Graph *g, int id) {
  OpKind k = op_info[g->nodes[id].op].kind;
  return k != K_LEAF && k != K_CONST && k != K_RESHAPE && k != K_ASSIGN;
}

/* Visit the materialized nodes and leaves an expression reads, through inlined nodes. */
typedef void (*ReadFn)(Fn *f, int reader, int read, void *ctx);

static void reads(Fn *f, int reader, int id, ReadFn fn, void *ctx) {
  const Node *n = &f->g->nodes[id];
  for (int k = n->op == OP_ASSIGN; k < n->nin; k++) {
    int x = n->in[k];
    if (f->inl[x]) reads(f, reader, x, fn, ctx);
    else fn(f, reader, x, ctx);
  }
}

static int scheduled(const Fn *f, int i) {
  return f->reach[i] && !f->inl[i] && (is_computed(f->g, i) || f->g->nodes[i].op == OP_ASSIGN);
}

/* Depth first through the scheduled nodes id needs (its inputs, through inlined and reshape
 * nodes), in a topological order; done[] marks what is placed. */
static void place_with_inputs(Fn *f, int id, char *done) {
  if (done[id]) return;
  done[id] = 1;
  const Node *n = &f->g->nodes[id];
  for (int k = 0; k < n->nin; k++) place_with_inputs(f, n->in[k], done);
  if (scheduled(f, id)) f->fp->sched[f->fp->nsched++] = id;
}

typedef struct {
  int dst, hit;
} ReadsLeaf;

static void reads_leaf(Fn *f, int reader, int read, void *ctx) {
  (void)reader;
  ReadsLeaf *r = ctx;
  if (ir_root_of(f->g, read) == r->dst) r->hit = 1;
}

/* The optimizer's update: each assign right after what it needs, so one parameter's update
 * (momentum, then the parameter; Adam's two moments, then the parameter) is a run of blocks
 * over the same elements, which the emitter fuses into one loop (emit_c.c).  An assign whose
 * destination something not yet placed still reads (the step count every bias correction
 * reads) waits until the end, as in the default order. */
static void mark_inputs(const Graph *g, int id, const char *done, char *mark) {
  if (done[id] || mark[id]) return;
  mark[id] = 1;
  for (int k = 0; k < g->nodes[id].nin; k++) mark_inputs(g, g->nodes[id].in[k], done, mark);
}

static void schedule_update(Fn *f, char *done) {
  Graph *g = f->g;
  char *late = ir_alloc((size_t)g->nnodes + 1), *needs = ir_alloc((size_t)g->nnodes + 1);
  for (int a = 0; a < g->nnodes; a++) {
    if (!f->reach[a] || g->nodes[a].op != OP_ASSIGN) continue;
    ReadsLeaf r = {ir_root_of(g, g->nodes[a].in[0]), 0};
    memset(needs, 0, (size_t)g->nnodes);
    mark_inputs(g, a, done, needs); /* placed before a: their reads see the old value */
    for (int i = 0; i < g->nnodes && !r.hit; i++)
      if (!needs[i] && !done[i] && scheduled(f, i)) reads(f, i, i, reads_leaf, &r);
    if (r.hit) late[a] = 1;
    else place_with_inputs(f, a, done);
  }
  for (int a = 0; a < g->nnodes; a++)
    if (late[a]) place_with_inputs(f, a, done);
}

/* Sibling sums: a sum_to block moves up to right after an earlier one (or the run of them)
 * over a tensor of the same shape into an output of the same shape, when everything it reads
 * is computed by then, so that the emitter sums both in one pass (emit_c.c emit_sums).  Batch
 * norm's backward sums 2 (x - mean) (opt_simplify.c sum_factor): it moves into the forward's
 * pass that sums (x - mean)^2.  Each sum is the same; only when it is computed changes. */
static void last_input(Fn *f, int reader, int read, void *ctx) {
  (void)reader;
  int *last = ctx, p = f->pos[ir_root_of(f->g, read)];
  if (p > *last) *last = p;
}

static int sibling_sums(const Graph *g, int a, int b) {
  const Node *x = &g->nodes[a], *y = &g->nodes[b];
  return x->op == OP_SUM_TO && y->op == OP_SUM_TO && shape_eq(&x->shape, &y->shape) &&
         shape_eq(&g->nodes[x->in[0]].shape, &g->nodes[y->in[0]].shape);
}

/* Moves the block at schedule position t up to position to (< t), the blocks in between one
 * down. */
static void sched_move(Fn *f, int t, int to) {
  FnPlan *fp = f->fp;
  int b = fp->sched[t];
  memmove(fp->sched + to + 1, fp->sched + to, (size_t)(t - to) * sizeof *fp->sched);
  fp->sched[to] = b;
  for (int s = to; s <= t; s++) f->pos[fp->sched[s]] = s;
}

static void hoist_sums(Fn *f) {
  Graph *g = f->g;
  FnPlan *fp = f->fp;
  for (int t = 0; t < fp->nsched; t++) {
    int b = fp->sched[t], last = -1;
    if (g->nodes[b].op != OP_SUM_TO) continue;
    reads(f, b, b, last_input, &last);
    int to = -1;
    for (int s = last + 1; s < t - 1 && to < 0; s++)
      if (sibling_sums(g, fp->sched[s], b)) to = s + 1;
    while (to >= 0 && to < t && sibling_sums(g, fp->sched[to], b)) to++; /* after the run */
    if (to >= 0 && to < t) sched_move(f, t, to);
  }
}

/* The softmax of a cross-entropy's logits over its rows (the cross-entropy's backward,
 * autodiff.c: softmax(x) - onehot) moves up to right after the cross-entropy, which reads the
 * same logits: the emitter computes both in one pass over each row (emit_rows.c
 * emit_row), each row's exps once instead of twice (the MLP's step: 640 expf fewer,
 * 1-2 us of a serial part on 2 threads).  The same exps, summed in the same order: the same
 * bits; its output is live from there on instead. */
int plan_xent_softmax(const Graph *g, int x, int sm) {
  const Node *a = &g->nodes[x], *b = &g->nodes[sm];
  return a->op == OP_XENT && b->op == OP_SOFTMAX && b->nin == 1 && b->in[0] == a->in[0] && b->axis == 1 &&
         g->nodes[b->in[0]].shape.n == 2;
}

static void hoist_softmax(Fn *f) {
  FnPlan *fp = f->fp;
  for (int t = 0; t < fp->nsched; t++) {
    for (int s = 0; s < t - 1; s++)
      if (plan_xent_softmax(f->g, fp->sched[s], fp->sched[t])) {
        sched_move(f, t, s + 1);
        break;
      }
  }
}

static void schedule(Fn *f, FnKind k) {
  Graph *g = f->g;
  FnPlan *fp = f->fp;
  fp->sched = ir_alloc((size_t)g->nnodes * sizeof(int) + 1);
  fp->nsched = 0;
  if (k == FN_UPDATE) {
    schedule_update(f, ir_alloc((size_t)g->nnodes + 1));
  } else {
    for (int pass = 0; pass < 2; pass++)
      for (int i = 0; i < g->nnodes; i++) {
        if (!f->reach[i] || f->inl[i]) continue;
        int assign = g->nodes[i].op == OP_ASSIGN;
        if ((pass == 0 && is_computed(g, i)) || (pass == 1 && assign)) fp->sched[fp->nsched++] = i;
      }
  }
  for (int i = 0; i < g->nnodes; i++) f->pos[i] = -1;
  for (int s = 0; s < fp->nsched; s++) f->pos[fp->sched[s]] = s;
  if (f->fuse && k != FN_UPDATE) hoist_softmax(f), hoist_sums(f);
}

/* ---- coalescing assigns --------------------------------------------------------------- */

typedef struct {
  int dst, v, ok;
} Hazard;

static void check_reader(Fn *f, int reader, int read, void *ctx) {
  Hazard *h = ctx;
  if (ir_root_of(f->g, read) != h->dst) return;
  if (reader == h->v) {
    /* the value reads its own destination: fine only element by element */
    OpKind k = op_info[f->g->nodes[h->v].op].kind;
    if (!(k == K_E1 || k == K_E2) || !shape_eq(&f->g->nodes[read].shape, &f->g->nodes[h->v].shape))
      h->ok = 0;
  } else if (f->pos[reader] >= f->pos[h->v]) {
    h->ok = 0;
  }
}

static void coalesce(Fn *f) {
  Graph *g = f->g;
  for (int s = 0; s < f->fp->nsched; s++) {
    int a = f->fp->sched[s];
    const Node *an = &g->nodes[a];
    if (an->op != OP_ASSIGN) continue;
    int dst = an->in[0], v = an->in[1];
    if (f->inl[v] || !is_computed(g, v) || f->coalesced[v] >= 0 || v == g->loss) continue;
    if (!shape_eq(&g->nodes[v].shape, &g->nodes[dst].shape)) continue;
    Hazard h = {dst, v, 1};
    for (int r = 0; r < g->nnodes && h.ok; r++)
      if (f->reach[r] && f->pos[r] >= 0 && r != a) reads(f, r, r, check_reader, &h);
    if (h.ok) f->coalesced[v] = a;
  }
}

/* The leaf written at schedule position s, or -1. */
static int written_at(Fn *f, int s) {
  const Graph *g = f->g;
  int w = f->fp->sched[s];
  const Node *n = &g->nodes[w];
  if (n->op == OP_ASSIGN) return f->coalesced[n->in[1]] == w ? -1 : n->in[0];
  return f->coalesced[w] >= 0 ? g->nodes[f->coalesced[w]].in[0] : -1;
}

/* An assign whose inlined value reads a leaf written earlier (by an assign, or by a coalesced
 * value, which writes at its own position) would see the new value: materialize the value. */
static void written_before(Fn *f, int reader, int read, void *ctx) {
  int *bad = ctx, leaf = ir_root_of(f->g, read);
  for (int s = 0; s < f->pos[reader]; s++)
    if (written_at(f, s) == leaf) *bad = 1;
}

static int fix_assign_hazards(Fn *f) {
  Graph *g = f->g;
  int changed = 0;
  for (int s = 0; s < f->fp->nsched; s++) {
    int a = f->fp->sched[s];
    if (g->nodes[a].op != OP_ASSIGN || !f->inl[g->nodes[a].in[1]]) continue;
    int bad = 0;
    reads(f, a, a, written_before, &bad);
    if (bad) f->inl[g->nodes[a].in[1]] = 0, changed = 1;
  }
  return changed;
}

/* ---- storage and arena ------------------------------------------------------------------- */

static Store leaf_store(const Plan *p, const Node *n) {
  Store s = {S_NONE, 0, n->leaf};
  if (n->op == OP_INPUT) s.kind = S_INPUT;
  if (n->op == OP_OUTPUT) s.kind = S_OUTPUT;
  if (n->op == OP_PARAM) s.kind = S_PARAM, s.off = p->param_off[n->leaf];
  if (n->op == OP_GRAD) s.kind = S_GRAD, s.off = p->param_off[n->leaf];
  if (n->op == OP_STATE) s.kind = S_STATE, s.off = p->state_off[n->leaf];
  return s;
}

typedef struct {
  int id;
  int64_t size;
  int def, last;
  int64_t off;
} Slot;

static void last_use(Fn *f, int reader, int read, void *ctx) {
  Slot *slots = ctx;
  int r = ir_root_of(f->g, read);
  if (f->pos[reader] > slots[r].last) slots[r].last = f->pos[reader];
}

/* the one scheduled block reading each root (-1: none, -2: several) */
static void one_reader(Fn *f, int reader, int read, void *ctx) {
  int *rd = ctx, r = ir_root_of(f->g, read);
  rd[r] = rd[r] == -1 || rd[r] == reader ? reader : -2;
}

/* the first two scheduled blocks reading root id (n: how many read it) */
typedef struct {
  int id, n, r[2];
} Readers;

static void readers_of(Fn *f, int reader, int read, void *ctx) {
  Readers *x = ctx;
  if (ir_root_of(f->g, read) != x->id) return;
  for (int k = 0; k < x->n && k < 2; k++)
    if (x->r[k] == reader) return;
  if (x->n < 2) x->r[x->n] = reader;
  x->n++;
}

/* A product read by one block, scheduled after it, that the emitter may compute with the
 * product where the product is scheduled:
 *  - an elementwise block over its elements (f->epi), as its epilogue (emit_c.c's
 *    epilogue_user, which also needs the product tiled over all of k);
 *  - a scatter-add of its elements (f->unw: a convolution's input gradient, col2im of W^T dY)
 *    a block of images at a time, when the emitter can (emit_window.c's window_images):
 *    the product's storage then holds one block's columns (f->unw_images, plan_numel), or,
 *    when the emitter computes the scatter straight from dY (em_direct_grad), the fewest
 *    images' columns that hold the weight it rearranges.
 * Also, for a convolution's forward product computed with its window (f->win), the
 * elementwise block that reads it through a plane swap (bias and activation, NCHW) and the
 * max pooling scheduled right after that block (emit_window.c's direct convolution with an
 * epilogue: the pooling's output is then live from the product on too).
 * The block's output is live from the product on, so it never takes the memory of the
 * product's operands or of what the blocks in between use.  (When the emitter does not fuse an
 * epilogue, its output was only allocated a few blocks early.)
 * And a window gather (im2col) read by one product only, scheduled right before it (f->win: a
 * convolution's forward), that the emitter gathers with the product a block of images at a
 * time (emit_window.c's window_images): the window's storage then holds one block
 * (f->win_images, plan_numel), and the image it gathers from is read until the product.
 * Also when the window has one more reader, the convolution's weight gradient dY X^T or X G
 * (the training step), that can gather it again itself a block at a time (f->wgr:
 * emit_matmul.c's dot_window_blocks or axpy_window_blocks, emit_window.c's
 * window_grad_blocks, which also checks which operand the window is): the image is then read
 * until the weight gradient, so it must be the caller's input or the arena's (nothing writes
 * either before then; a parameter the step updates as it goes would).  Unless the forward goes
 * direct in the pixel form and the weight gradient reads the images it padded into the
 * window's storage instead (window_grad_pixels, emit_matmul.c's dot_window_pixels): then the
 * image is read until the forward product only.
 * And an elementwise block with the 2 x 2 max pooling of its output right after it, which the
 * emitter computes in the block's kernel plane by plane (plan_elem_pool, emit_c.c's
 * emit_elem_pool): the pooling's output is live from the block on, so it never takes the
 * memory of what the block reads. */
static void product_readers(Fn *f, Slot *slots, const EmitOptions *o) {
  const Graph *g = f->g;
  int *rd = ir_alloc((size_t)g->nnodes * sizeof(int) + 1);
  for (int i = 0; i < g->nnodes; i++)
    rd[i] = f->epi[i] = f->unw[i] = f->win[i] = f->wgr[i] = -1, f->unw_images[i] = f->win_images[i] = 0;
  if (!f->fuse) return;
  for (int s = 0; s < f->fp->nsched; s++) reads(f, f->fp->sched[s], f->fp->sched[s], one_reader, rd);
  for (int i = 0, u, b; i < g->nnodes; i++) {
    if (g->nodes[i].op != OP_WINDOW || (u = rd[i]) == -1 || f->pos[i] < 0) continue;
    int v = -1; /* the weight gradient, the second reader */
    if (u == -2) {
      Readers x = {i, 0, {-1, -1}};
      for (int s = 0; s < f->fp->nsched; s++) reads(f, f->fp->sched[s], f->fp->sched[s], readers_of, &x);
      if (x.n != 2) continue;
      u = f->pos[x.r[0]] < f->pos[x.r[1]] ? x.r[0] : x.r[1], v = x.r[0] + x.r[1] - u;
    }
    if (f->pos[u] != f->pos[i] + 1) continue;
    const Node *un = &g->nodes[u];
    int img = ir_root_of(g, g->nodes[i].in[0]);
    StoreKind ik = f->store[img].kind;
    if (un->op != OP_MATMUL || ir_root_of(g, un->in[1]) != i || ir_root_of(g, un->in[0]) == i || f->store[i].kind != S_ARENA ||
        f->store[u].kind != S_ARENA || (b = window_images(g, o, i, u)) <= 0)
      continue;
    if (v >= 0 && ((ik != S_ARENA && ik != S_INPUT) || !window_grad_blocks(g, o, i, v, b)))
      continue;
    f->win[u] = i, f->win_images[i] = b;
    if (v >= 0) f->wgr[v] = i;
    int last = f->pos[v >= 0 && !window_grad_pixels(g, o, i, u, v) ? v : u];
    if (ik == S_ARENA && slots[img].last < last) slots[img].last = last;
  }
  for (int i = 0; i < g->nnodes; i++) {
    int u = rd[i], b = 0;
    if (g->nodes[i].op != OP_MATMUL || u < 0 || f->pos[u] <= f->pos[i]) continue;
    const Node *un = &g->nodes[u];
    OpKind uk = op_info[un->op].kind;
    if (f->win[i] >= 0) { /* with its window: an elementwise block over the image's NCHW layout */
      if ((uk != K_E1 && uk != K_E2) || un->dt != g->nodes[i].dt || un->shape.n != 4 ||
          shape_numel(&un->shape) != shape_numel(&g->nodes[i].shape))
        continue;
      f->epi[i] = u;
      int p = plan_direct_pool(g, f->fp->sched, f->fp->nsched, f->store, f->pos[u] + 1); /* and the pooling after it */
      if (p >= 0) slots[p].def = f->pos[i];
    } else if ((uk == K_E1 || uk == K_E2) && un->dt == g->nodes[i].dt && shape_eq(&un->shape, &g->nodes[i].shape))
      f->epi[i] = u;
    else if (un->op == OP_UNWINDOW && ir_root_of(g, un->in[0]) == i && f->store[i].kind == S_ARENA &&
             f->store[u].kind == S_ARENA && (b = window_images(g, o, u, i)) > 0)
      f->unw[i] = u, f->unw_images[i] = b;
    else
      continue;
    if (f->store[u].kind == S_ARENA) slots[u].def = f->pos[i];
  }
  for (int s = 0; s + 1 < f->fp->nsched; s++) { /* an elementwise block with the pooling after it */
    int p = plan_elem_pool(g, f->fp->sched, f->fp->nsched, f->store, f->inl, s, NULL), u = f->fp->sched[s];
    if (p >= 0 && slots[p].def > f->pos[u]) slots[p].def = f->pos[u];
  }
}

/* y, aligned to the right of us, is 1 but along us's channels (dim 1) */
static int chan_shape(const Shape *y, const Shape *us) {
  if (y->n > us->n) return 0;
  for (int d = 0; d < y->n; d++) {
    int j = d + us->n - y->n;
    if (y->d[d] != 1 && (j != 1 || y->d[d] != us->d[1])) return 0;
  }
  return 1;
}

/* What elementwise node id's expression reads through the nodes computed inside it (inl),
 * besides constants: stored tensors of shape us (read at the element's own position: a plane
 * of them is contiguous) or of us's planes swapped (CNHW, through an inlined ir_plane_swap: a
 * convolution's product), stored tensors of one element per channel (dim 1 of us), broadcast
 * over us by the op or by an inlined broadcast, and of one element; each tensor in one of those
 * orders only, at most MAX_EPILOGUE_READS of them (add_read), into r */
static int elem_pool_reads(const Graph *g, const char *inl, int id, const Shape *us, Reads *r) {
  const Node *n = &g->nodes[id];
  for (int k = 0; k < n->nin; k++) {
    int x = n->in[k];
    const Node *xn = &g->nodes[x];
    if (g->nodes[ir_root_of(g, x)].op == OP_CONST) continue;
    if (!inl[x]) { /* (an elementwise op broadcasts a per-channel operand itself) */
      if ((!shape_eq(&xn->shape, us) && !chan_shape(&xn->shape, us)) || !add_read(g, r, x, 0)) return 0;
      continue;
    }
    OpKind xk = op_info[xn->op].kind;
    if ((xk == K_E1 || xk == K_E2) && shape_eq(&xn->shape, us)) {
      if (!elem_pool_reads(g, inl, x, us, r)) return 0;
      continue;
    }
    int y = xn->in[0];
    if (ir_plane_swap(g, x) && !inl[y] && shape_eq(&xn->shape, us)) { /* a stored CNHW tensor read as NCHW */
      if (!add_read(g, r, y, 1)) return 0;
      continue;
    }
    if (xk != K_BCAST || !shape_eq(&xn->shape, us) || inl[y] || !chan_shape(&g->nodes[y].shape, us)) return 0;
    if (g->nodes[ir_root_of(g, y)].op != OP_CONST && !add_read(g, r, y, 0)) return 0;
  }
  return 1;
}

int plan_elem_pool(const Graph *g, const int *sched, int n, const Store *store, const char *inl, int s, PlanReads *r) {
  if (s < 0 || s + 1 >= n) return -1;
  int u = sched[s], p = plan_direct_pool(g, sched, n, store, s + 1);
  const Node *un = &g->nodes[u];
  OpKind uk = op_info[un->op].kind;
  if (p < 0 || (uk != K_E1 && uk != K_E2) || store[u].kind != S_ARENA || un->shape.n != 4 || u == g->loss ||
      g->nodes[p].dt != un->dt)
    return -1;
  Reads x = {0};
  if (!elem_pool_reads(g, inl, u, &un->shape, &x)) return -1;
  if (r) *r = x;
  return p;
}

/* The pooling of block sched[s - 1]'s whole output, in the arena, by 2 x 2 windows that tile
 * its image (emit_window.c's dlc_pool2_fwd) */
int plan_direct_pool(const Graph *g, const int *sched, int n, const Store *store, int s) {
  int u = s > 0 && s < n ? sched[s - 1] : -1, p = u >= 0 ? sched[s] : -1;
  if (p < 0 || g->nodes[p].op != OP_MAXPOOL || store[p].kind != S_ARENA) return -1;
  const Node *x = &g->nodes[g->nodes[p].in[0]];
  return ir_root_of(g, g->nodes[p].in[0]) == u && shape_eq(&x->shape, &g->nodes[u].shape) && ir_pool2x2(g, p) ? p : -1;
}

/* Sums that the emitter may compute in one loop (emit_c.c's emit_sums: a run of sibling sums,
 * after the elementwise block whose output the first reads, hoist_sums): each sum's output is
 * live from the run's start on, so it never takes the memory of what an earlier block of the
 * run reads (the producer's inputs, dead after it: the sums are zeroed before the loop). */
static void sum_outputs(Fn *f, Slot *slots) {
  const Graph *g = f->g;
  const int *sched = f->fp->sched;
  if (!f->fuse) return;
  for (int s = 0, start = 0; s < f->fp->nsched; s++) {
    int id = sched[s];
    if (g->nodes[id].op != OP_SUM_TO) continue;
    if (s == 0 || !sibling_sums(g, sched[s - 1], id)) { /* a run starts: after its producer? */
      const Node *p = &g->nodes[s ? sched[s - 1] : id];
      OpKind k = op_info[p->op].kind;
      int prod = s && (k == K_E1 || k == K_E2) && shape_eq(&p->shape, &g->nodes[g->nodes[id].in[0]].shape);
      start = s - prod;
    }
    if (f->store[id].kind == S_ARENA) slots[id].def = start;
  }
}

static int by_size(const void *a, const void *b) {
  const Slot *x = *(Slot *const *)a, *y = *(Slot *const *)b;
  if (x->size != y->size) return x->size < y->size ? 1 : -1;
  return x->id - y->id;
}

int64_t plan_numel(const Graph *g, const FnPlan *fp, int id) {
  int64_t n = shape_numel(&g->nodes[id].shape);
  int b = fp->unw_images ? fp->unw_images[id] : 0;
  if (b) return n / g->nodes[fp->unw[id]].shape.d[0] * b;
  b = fp->win_images ? fp->win_images[id] : 0; /* a window's block: its image's N */
  return b ? n / g->nodes[g->nodes[id].in[0]].shape.d[0] * b : n;
}

static void place_arena(Fn *f, const EmitOptions *o) {
  Graph *g = f->g;
  Slot *slots = ir_alloc((size_t)g->nnodes * sizeof(Slot) + 1);
  Slot **order = ir_alloc((size_t)g->nnodes * sizeof(Slot *) + 1);
  int n = 0;
  for (int i = 0; i < g->nnodes; i++) slots[i] = (Slot){i, 0, f->pos[i], f->pos[i], 0};
  for (int s = 0; s < f->fp->nsched; s++) reads(f, f->fp->sched[s], f->fp->sched[s], last_use, slots);
  if (g->loss >= 0 && f->reach[g->loss]) slots[g->loss].last = f->fp->nsched;
  product_readers(f, slots, o);
  f->fp->unw = f->unw, f->fp->unw_images = f->unw_images;
  f->fp->win = f->win, f->fp->win_images = f->win_images, f->fp->wgr = f->wgr;
  sum_outputs(f, slots);
  for (int i = 0; i < g->nnodes; i++)
    if (f->store[i].kind == S_ARENA) {
      slots[i].size = align_up(plan_numel(g, f->fp, i));
      order[n++] = &slots[i];
    }
  qsort(order, (size_t)n, sizeof *order, by_size);
  int64_t top = 0;
  for (int k = 0; k < n; k++) {
    Slot *s = order[k];
    int64_t off = 0;
    for (int moved = 1; moved;) {
      moved = 0;
      for (int j = 0; j < k; j++) {
        Slot *o = order[j];
        int overlap_t = s->def <= o->last && o->def <= s->last;
        int overlap_m = off < o->off + o->size && o->off < off + s->size;
        if (overlap_t && overlap_m) off = o->off + o->size, moved = 1;
      }
    }
    s->off = off;
    f->store[s->id].off = off;
    if (off + s->size > top) top = off + s->size;
  }
  f->fp->arena = top;
}

static void assign_storage(Plan *p, Fn *f, const EmitOptions *o) {
  Graph *g = f->g;
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = &g->nodes[i];
    Store s = {S_NONE, 0, 0};
    if (!f->reach[i] || f->inl[i] || n->op == OP_CONST || n->op == OP_ASSIGN) {
    } else if (op_info[n->op].flags & OF_LEAF) {
      s = leaf_store(p, n);
    } else if (n->op == OP_RESHAPE) {
      s.kind = S_ALIAS;
    } else if (f->coalesced[i] >= 0) {
      s = leaf_store(p, &g->nodes[g->nodes[f->coalesced[i]].in[0]]);
    } else {
      s.kind = S_ARENA;
    }
    f->store[i] = s;
  }
  place_arena(f, o);
}

static void layout_slabs(Plan *p) {
  Graph *g = p->g;
  p->param_off = ir_alloc((size_t)(g->nparams + 1) * sizeof(int64_t));
  p->state_off = ir_alloc((size_t)(g->nstates + 1) * sizeof(int64_t));
  for (int i = 0; i < g->nparams; i++) {
    p->param_off[i] = p->param_slab;
    p->param_count += shape_numel(&g->params[i].shape);
    p->param_slab += align_up(shape_numel(&g->params[i].shape));
  }
  for (int i = 0; i < g->nstates; i++) {
    p->state_off[i] = p->state_slab;
    p->state_count += shape_numel(&g->states[i].shape);
    p->state_slab += align_up(shape_numel(&g->states[i].shape));
  }
}

static void plan_fn(Plan *p, FnKind k, Fn *f, const EmitOptions *o, int fuse) {
  Graph *g = p->g;
  size_t nn = (size_t)g->nnodes + 1;
  f->g = g;
  f->fp = &p->fn[k];
  f->fp->planned = 1;
  f->fuse = fuse;
  f->reach = ir_alloc(nn);
  f->uses = ir_alloc(nn * sizeof(int));
  f->user = ir_alloc(nn * sizeof(int));
  f->inl = ir_alloc(nn);
  f->pos = ir_alloc(nn * sizeof(int));
  f->store = ir_alloc(nn * sizeof(Store));
  f->coalesced = ir_alloc(nn * sizeof(int));
  f->epi = ir_alloc(nn * sizeof(int));
  f->unw = ir_alloc(nn * sizeof(int));
  f->unw_images = ir_alloc(nn * sizeof(int));
  f->win = ir_alloc(nn * sizeof(int));
  f->win_images = ir_alloc(nn * sizeof(int));
  f->wgr = ir_alloc(nn * sizeof(int));
  ir_reachable(g, g->roots[k].v, g->roots[k].n, f->reach);
  count_uses(f);
  if (fuse) decide_inline(f);
  do {
    for (size_t i = 0; i < nn; i++) f->coalesced[i] = -1;
    schedule(f, k);
    coalesce(f);
  } while (fix_assign_hazards(f));
  assign_storage(p, f, o);
  f->fp->inl = f->inl;
  f->fp->store = f->store;
  f->fp->coalesced = f->coalesced;
  f->fp->epi = f->epi;
  if (f->fp->arena > p->arena) p->arena = f->fp->arena;
}

Plan *plan_build(Graph *g, const EmitOptions *o) {
  Plan *p = ir_alloc(sizeof *p);
  p->g = g;
  layout_slabs(p);
  for (int k = 0; k < FN_COUNT; k++) {
    if ((o->inference && k != FN_FORWARD) || (k == FN_EVAL && !g->roots[k].n)) continue;
    Fn f;
    plan_fn(p, k, &f, o, !o->check_numerics); /* --check-numerics: every node a block of its own, checked */
  }
  /* The update's arena above the gradient's: the training step computes the update's scalars
   * (Adam's bias corrections) before the backward pass, whose weight-gradient products apply
   * the update as they go (emit_c.c), so those scalars must outlive the backward's buffers. */
  FnPlan *gf = &p->fn[FN_GRAD], *uf = &p->fn[FN_UPDATE];
  /* (not under --check-numerics, which fuses nothing) */
  if (gf->planned && uf->planned && uf->arena && !o->check_numerics) {
    for (int i = 0; i < g->nnodes; i++)
      if (uf->store[i].kind == S_ARENA) uf->store[i].off += gf->arena;
    uf->arena += gf->arena;
    if (uf->arena > p->arena) p->arena = uf->arena;
  }
  return p;
}
