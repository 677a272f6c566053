/* opt_simplify.c - algebraic simplification and constant folding.
 *
 * Rewrites, applied while rebuilding: x+0, x-0, x*1, x/1, x^1 -> x; 0-x -> -x; --x -> x;
 * (x^T)^T -> x; matmul of a transpose -> matmul with the transposed flag; sum_to of a
 * broadcast back to its source -> the source; elementwise ops on unnamed constants -> folded
 * constants; broadcast scalar constants feeding elementwise ops -> the scalar.  Named
 * constants (hyper-parameters, emitted as macros) are never folded away. */
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

static double fold1(Op op, double x) {
  switch (op) {
  case OP_NEG: return -x;
  case OP_EXP: return exp(x);
  case OP_LOG: return log(x);
  case OP_SQRT: return sqrt(x);
  case OP_ABS: return fabs(x);
  case OP_TANH: return tanh(x);
  case OP_SIGMOID: return 1 / (1 + exp(-x));
  case OP_RELU: return x > 0 ? x : 0;
  case OP_STEP: return x > 0;
  case OP_SIGN: return (x > 0) - (x < 0);
  default: return NAN;
  }
}

static double fold2(Op op, double a, double b) {
  switch (op) {
  case OP_ADD: return a + b;
  case OP_SUB: return a - b;
  case OP_MUL: return a * b;
  case OP_DIV: return a / b;
  case OP_POW: return pow(a, b);
  default: return NAN;
  }
}

static int fold(Graph *g, const Node *o, const int *in) {
  if (op_info[o->op].kind == K_E1 && lit(g, in[0])) {
    double v = fold1(o->op, nd(g, in[0])->a);
    if (isfinite(v)) return ir_const(g, v, NULL);
  }
  if (o->op == OP_BROADCAST && nd(g, in[0])->op == OP_CONST) return -1;
  if (op_info[o->op].kind == K_E2 && lit(g, in[0]) && lit(g, in[1])) {
    double v = fold2(o->op, nd(g, in[0])->a, nd(g, in[1])->a);
    if (isfinite(v)) return ir_const(g, v, NULL);
  }
  return -1;
}

static int simplify_e2(Graph *g, const Node *o, int a, int b) {
  const Shape *s = &o->shape;
  /* a broadcast scalar constant is just the constant to an elementwise op */
  if (nd(g, a)->op == OP_BROADCAST && nd(g, nd(g, a)->in[0])->op == OP_CONST) a = nd(g, a)->in[0];
  if (nd(g, b)->op == OP_BROADCAST && nd(g, nd(g, b)->in[0])->op == OP_CONST) b = nd(g, b)->in[0];
  switch (o->op) {
  case OP_ADD:
    if (is_val(g, b, 0)) return as_shape(g, a, s);
    if (is_val(g, a, 0)) return as_shape(g, b, s);
    break;
  case OP_SUB:
    if (is_val(g, b, 0)) return as_shape(g, a, s);
    if (is_val(g, a, 0)) return as_shape(g, ir_unary(g, OP_NEG, b), s);
    break;
  case OP_MUL:
    if (is_val(g, b, 1)) return as_shape(g, a, s);
    if (is_val(g, a, 1)) return as_shape(g, b, s);
    break;
  case OP_DIV:
  case OP_POW:
    if (is_val(g, b, 1)) return as_shape(g, a, s);
    break;
  default: break;
  }
  int r = ir_binary(g, o->op, a, b);
  return shape_eq(&nd(g, r)->shape, s) ? r : ir_broadcast(g, r, *s);
}

static int rewrite(Graph *g, const Graph *og, int old, const int *map, void *ctx) {
  int *changed = ctx;
  const Node *o = &og->nodes[old];
  int in[2] = {o->nin > 0 ? map[o->in[0]] : -1, o->nin > 1 ? map[o->in[1]] : -1};
  int r = -1;
  g->cur = o->loc;
  g->cur_flags = o->flags;
  if ((r = fold(g, o, in)) >= 0) goto done;
  switch (o->op) {
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_POW:
    r = simplify_e2(g, o, in[0], in[1]);
    break;
  case OP_NEG:
    if (nd(g, in[0])->op == OP_NEG) r = nd(g, in[0])->in[0];
    break;
  case OP_TRANSPOSE:
    if (nd(g, in[0])->op == OP_TRANSPOSE) r = nd(g, in[0])->in[0];
    break;
  case OP_SUM_TO:
    if (nd(g, in[0])->op == OP_BROADCAST && shape_eq(&nd(g, nd(g, in[0])->in[0])->shape, &o->shape))
      r = nd(g, in[0])->in[0];
    break;
  case OP_MATMUL: {
    int a = in[0], b = in[1], ta = o->ta, tb = o->tb;
    if (nd(g, a)->op == OP_TRANSPOSE) a = nd(g, a)->in[0], ta = !ta;
    if (nd(g, b)->op == OP_TRANSPOSE) b = nd(g, b)->in[0], tb = !tb;
    if (a != in[0] || b != in[1]) r = ir_matmul(g, a, b, ta, tb);
    break;
  }
  default: break;
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
