/* opt_simplify.c - algebraic simplification and constant folding.
 *
 * Rewrites, applied while rebuilding: x+0, x-0, x*1, x/1, x^1 -> x; 0-x -> -x; --x -> x;
 * (x^T)^T -> x; matmul of a transpose -> matmul with the transposed flag; sum_to of a
 * broadcast back to its source -> the source; elementwise ops on unnamed constants -> folded
 * constants; broadcast scalar constants feeding elementwise ops -> the scalar; a factor that
 * is constant along the summed dims moves out of a sum: sum_to(-x) -> -sum_to(x),
 * sum_to(a * x) -> a * sum_to(x), sum_to(x / a) -> sum_to(x) / a (sum_factor).  Named
 * constants (hyper-parameters, emitted as macros) are never folded away.
 *
 * sum_factor changes the rounding (one product per output instead of one per element), not
 * the value; it is what lets batch norm's backward take the sum of its variance's mean term,
 * k * sum(2 (x - mean)), in the same pass as its other sums, since the remaining sum depends
 * on the forward alone (plan.c moves it next to a sibling sum). */
#include "ir.h"

#include <math.h>

static const Node *nd(const Graph *g, int id) { return &g->nodes[id]; }

static int lit(const Graph *g, int id) { return nd(g, id)->op == OP_CONST && !nd(g, id)->cname; }

static int is_val(const Graph *g, int id, double v) { return lit(g, id) && nd(g, id)->a == v; }

/* x, broadcast to shape s when it is smaller (a scalar constant stays a scalar). */
static int as_shape(Graph *g, int x, const Shape *s) {
  if (nd(g, x)->op == OP_CONST || shape_eq(&nd(g, x)->shape, s)) return x;
  return ir_broadcast(g, x, *s);
}

/* The value of elementwise op `op` at constants x (and y): ops.h's fold column; NAN when the
 * op is not folded. */
static double fold_value(Op op, double x, double y) {
  (void)x, (void)y;
  switch (op) {
#define OP(id, name, arity, kind, flags, attrs, expr, fold) \
  case OP_##id: return (double)(fold);
#include "ops.h"
#undef OP
  }
  return NAN;
}

static int fold(Graph *g, const Node *o, const int *in) {
  if (op_info[o->op].kind == K_E1 && lit(g, in[0])) {
    double v = fold_value(o->op, nd(g, in[0])->a, 0);
    if (isfinite(v)) return ir_const(g, v, NULL);
  }
  if (o->op == OP_BROADCAST && nd(g, in[0])->op == OP_CONST) return -1;
  if (op_info[o->op].kind == K_E2 && lit(g, in[0]) && lit(g, in[1])) {
    double v = fold_value(o->op, nd(g, in[0])->a, nd(g, in[1])->a);
    if (isfinite(v)) return ir_const(g, v, NULL);
  }
  return -1;
}

static int simplify_e2(Graph *g, const Node *o, int a, int b) {
  const Shape *s = &o->shape;
  /* a broadcast scalar constant is just the constant to an elementwise op */
  if (nd(g, a)->op == OP_BROADCAST && nd(g, nd(g, a)->in[0])->op == OP_CONST) a = nd(g, a)->in[0];
  if (nd(g, b)->op == OP_BROADCAST && nd(g, nd(g, b)->in[0])->op == OP_CONST) b = nd(g, b)->in[0];
  Op op = o->op;
  if ((op == OP_ADD || op == OP_SUB) && is_val(g, b, 0)) return as_shape(g, a, s);
  if (op == OP_ADD && is_val(g, a, 0)) return as_shape(g, b, s);
  if (op == OP_SUB && is_val(g, a, 0)) return as_shape(g, ir_unary(g, OP_NEG, b), s);
  if ((op == OP_MUL || op == OP_DIV || op == OP_POW) && is_val(g, b, 1)) return as_shape(g, a, s);
  if (op == OP_MUL && is_val(g, a, 1)) return as_shape(g, b, s);
  int r = ir_binary(g, o->op, a, b);
  return shape_eq(&nd(g, r)->shape, s) ? r : ir_broadcast(g, r, *s);
}

/* a, without the broadcast in front of it, when that is constant along every dim that a sum
 * down to shape s adds up (its shape broadcasts to s), else -1 */
static int sum_constant(const Graph *g, int a, const Shape *s) {
  if (nd(g, a)->op == OP_BROADCAST) a = nd(g, a)->in[0];
  Shape r;
  return shape_broadcast(&nd(g, a)->shape, s, &r) && shape_eq(&r, s) ? a : -1;
}

/* sum_to(x) down to shape s, x's factor that is constant along the summed dims moved out:
 * -x, a * x, x * a, x / a (x of the sum's input shape); -1 when there is none.  Only a
 * computed factor (one that depends on the model's values, not a constant: batch norm's, which
 * depends on earlier sums) and a negation around one: a constant factor frees no dependence,
 * and the product it scales is usually stored anyway (a loss gradient, read by the weights'
 * products too), so moving it out would only add a block.  probe: 1 to ask, nothing built. */
static int sum_factor(Graph *g, int x, const Shape *s, int probe) {
  /* the node's fields by value: building a node may move g->nodes */
  const Op op = nd(g, x)->op;
  const int in[2] = {nd(g, x)->in[0], nd(g, x)->in[1]};
  const Shape xs = nd(g, x)->shape;
  if (op == OP_NEG) {
    if (sum_factor(g, in[0], s, 1) < 0) return -1;
    return probe ? 1 : ir_unary(g, OP_NEG, ir_sum_to(g, in[0], *s));
  }
  if (op != OP_MUL && op != OP_DIV) return -1;
  for (int j = op == OP_DIV; j < 2; j++) { /* j: the constant factor's side */
    int a = sum_constant(g, in[j], s), b = in[1 - j];
    if (a < 0 || g->nodes[ir_root_of(g, a)].op == OP_CONST || !shape_eq(&nd(g, b)->shape, &xs)) continue;
    if (probe) return 1;
    int sum = ir_sum_to(g, b, *s);
    int r = op == OP_DIV ? ir_binary(g, OP_DIV, sum, a) : j ? ir_binary(g, OP_MUL, sum, a) : ir_binary(g, OP_MUL, a, sum);
    return as_shape(g, r, s);
  }
  return -1;
}

static int rewrite(Graph *g, const Graph *og, int old, const int *map, void *ctx) {
  int *changed = ctx;
  const Node *o = &og->nodes[old];
  int in[2] = {o->nin > 0 ? map[o->in[0]] : -1, o->nin > 1 ? map[o->in[1]] : -1};
  int r = -1;
  g->cur = o->loc;
  g->cur_flags = o->flags;
  if ((r = fold(g, o, in)) >= 0) goto done;
  /* the rewrite rules; an op without one is copied */
  if (op_info[o->op].kind == K_E2) {
    r = simplify_e2(g, o, in[0], in[1]);
  } else if ((o->op == OP_NEG || o->op == OP_TRANSPOSE) && nd(g, in[0])->op == o->op) {
    r = nd(g, in[0])->in[0]; /* --x, (x^T)^T */
  } else if (o->op == OP_SUM_TO && nd(g, in[0])->op == OP_BROADCAST &&
             shape_eq(&nd(g, nd(g, in[0])->in[0])->shape, &o->shape)) {
    r = nd(g, in[0])->in[0];
  } else if (o->op == OP_SUM_TO) {
    r = sum_factor(g, in[0], &o->shape, 0);
  } else if (o->op == OP_MATMUL) {
    int a = in[0], b = in[1], ta = o->ta, tb = o->tb;
    if (nd(g, a)->op == OP_TRANSPOSE) a = nd(g, a)->in[0], ta = !ta;
    if (nd(g, b)->op == OP_TRANSPOSE) b = nd(g, b)->in[0], tb = !tb;
    if (a != in[0] || b != in[1]) r = ir_matmul(g, a, b, ta, tb);
  }
done:
  g->cur_flags = 0;
  if (r >= 0) {
    /* a rewrite only counts when it produced something else than the plain copy would */
    int copy = ir_copy_node(g, og, old, map);
    if (copy != r) *changed = 1;
  }
  return r;
}

Graph *opt_simplify(const Graph *g, int *changed) {
  *changed = 0;
  return ir_rebuild(g, rewrite, changed);
}
