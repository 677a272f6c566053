/* autodiff.c - symbolic reverse-mode differentiation: the backward graph is built as IR.
 *
 * Walk the nodes between the parameters and the loss in reverse id order (ids are
 * topological).  Each op's VJP rule builds the contribution of the node's adjoint to each
 * input's adjoint out of ordinary constructors; contributions to one input (fan-out) are
 * added, broadcast inputs get theirs summed back down.  New nodes carry the location of the
 * forward node they differentiate and the NF_BACKWARD flag.  A gradient that must flow
 * through a non-differentiable op is an error at that op's line. */
#include "ir.h"

#include <math.h>
#include <string.h>

static int C(Graph *g, double v) { return ir_const(g, v, NULL); }

/* Reduce a contribution of shape `from` back to the shape of input x. */
static int unbroadcast(Graph *g, int contrib, int x) {
  const Shape *xs = &g->nodes[x].shape;
  if (shape_eq(&g->nodes[contrib].shape, xs)) return contrib;
  return ir_sum_to(g, contrib, *xs);
}

/* g * (1 - y*y), g * y * (1 - y), ... : the helper keeps the rules one line each. */
static int mul(Graph *g, int a, int b) { return ir_binary(g, OP_MUL, a, b); }
static int sub(Graph *g, int a, int b) { return ir_binary(g, OP_SUB, a, b); }
static int divi(Graph *g, int a, int b) { return ir_binary(g, OP_DIV, a, b); }

/* Keep-dims sum along an axis: [.., n, ..] -> [.., 1, ..]. */
static int sum_axis(Graph *g, int x, int axis) {
  Shape s = g->nodes[x].shape;
  s.d[axis] = 1;
  return ir_sum_to(g, x, s);
}

/* Column view [N] -> [N, 1] of a per-row adjoint. */
static int col(Graph *g, int gy) {
  Shape s = {2, {g->nodes[gy].shape.d[0], 1}};
  return ir_reshape(g, gy, s);
}

/* The contribution of adjoint gy of node id to its input k. */
static int vjp(Graph *g, int id, int k, int gy) {
  Node n = g->nodes[id];
  int x = n.in[0], y = id;
  switch (n.op) {
  case OP_NEG: return ir_unary(g, OP_NEG, gy);
  case OP_EXP: return mul(g, gy, y);
  case OP_LOG: return divi(g, gy, x);
  case OP_SQRT: return divi(g, gy, mul(g, C(g, 2), y));
  case OP_ABS: return mul(g, gy, ir_unary(g, OP_SIGN, x));
  case OP_TANH: return mul(g, gy, sub(g, C(g, 1), mul(g, y, y)));
  case OP_ERF: return mul(g, gy, mul(g, C(g, 1.1283791670955126), ir_unary(g, OP_EXP, ir_unary(g, OP_NEG, mul(g, x, x))))); /* 2/sqrt(pi) exp(-x^2) */
  case OP_SIGMOID: return mul(g, gy, mul(g, y, sub(g, C(g, 1), y)));
  case OP_RELU: return mul(g, gy, ir_unary(g, OP_STEP, y));
  case OP_CLAMP: return mul(g, gy, ir_unary_ab(g, OP_INRANGE, x, n.a, n.b));
  case OP_SOFTPLUS: { /* g * sigmoid(x) where x <= threshold, else g: g * (1 - [x <= t] sigmoid(-x)) */
    int soft = ir_unary_ab(g, OP_INRANGE, x, -INFINITY, n.a);
    return mul(g, gy, sub(g, C(g, 1), mul(g, soft, ir_unary(g, OP_SIGMOID, ir_unary(g, OP_NEG, x)))));
  }
  case OP_ADD: return unbroadcast(g, gy, n.in[k]);
  case OP_SUB: return unbroadcast(g, k ? ir_unary(g, OP_NEG, gy) : gy, n.in[k]);
  case OP_MUL: return unbroadcast(g, mul(g, gy, n.in[1 - k]), n.in[k]);
  case OP_DIV:
    if (k == 0) return unbroadcast(g, divi(g, gy, n.in[1]), x);
    return unbroadcast(g, ir_unary(g, OP_NEG, divi(g, mul(g, gy, y), n.in[1])), n.in[1]);
  case OP_POW:
    if (k == 0) {
      int e = n.in[1], em1 = sub(g, e, C(g, 1));
      return unbroadcast(g, mul(g, gy, mul(g, e, ir_binary(g, OP_POW, x, em1))), x);
    }
    return unbroadcast(g, mul(g, gy, mul(g, y, ir_unary(g, OP_LOG, x))), n.in[1]);
  case OP_BROADCAST: return ir_sum_to(g, gy, g->nodes[x].shape);
  case OP_RESHAPE: return ir_reshape(g, gy, g->nodes[x].shape);
  case OP_TRANSPOSE: return ir_transpose(g, gy);
  case OP_PERMUTE: {
    int inv[MAX_DIMS];
    for (int i = 0; i < n.shape.n; i++) inv[n.attr[i]] = i;
    return ir_permute(g, gy, inv);
  }
  case OP_SLICE: return ir_pad(g, gy, n.axis, n.attr[0], g->nodes[x].shape.d[n.axis]);
  case OP_PAD: return ir_slice(g, gy, n.axis, n.attr[0], g->nodes[x].shape.d[n.axis]);
  case OP_GATHER: return ir_scatter_nograd(g, gy, n.in[1], n.axis, g->nodes[x].shape, n.attr[0] - 1);
  case OP_SCATTER: /* only autodiff builds a scatter, and never one without gradient for an index */
    if (n.attr[0]) ir_error(g, n.loc, "scatter_add with an index without gradient cannot be differentiated");
    return ir_gather(g, gy, n.in[1], n.axis, g->nodes[x].shape);
  case OP_WINDOW: return ir_unwindow(g, gy, n.attr, g->nodes[x].shape);
  case OP_UNWINDOW: return ir_window(g, gy, n.attr);
  case OP_MAXPOOL: return ir_max_pool_backward(g, x, gy, n.attr);
  case OP_SUM_TO: return ir_broadcast(g, gy, g->nodes[x].shape);
  case OP_MAX: return mul(g, ir_row(g, OP_ARGMAX_MASK, x, n.axis), gy);
  case OP_SOFTMAX: /* y * (g - sum(g*y)) */
    return mul(g, y, sub(g, gy, sum_axis(g, mul(g, gy, y), n.axis)));
  case OP_LOG_SOFTMAX: /* g - exp(y) * sum(g) */
    return sub(g, gy, mul(g, ir_unary(g, OP_EXP, y), sum_axis(g, gy, n.axis)));
  case OP_MATMUL: {
    int a = n.in[0], b = n.in[1];
    if (k == 0)
      return n.ta ? ir_matmul(g, b, gy, n.tb, 1) : ir_matmul(g, gy, b, 0, !n.tb);
    return n.tb ? ir_matmul(g, gy, a, 1, n.ta) : ir_matmul(g, a, gy, !n.ta, 0);
  }
  case OP_PICK: {
    int oh = ir_onehot(g, n.in[1], g->nodes[x].shape.d[1]);
    return mul(g, oh, col(g, gy));
  }
  case OP_XENT: { /* (softmax(x) - onehot(t)) * g */
    int sm = ir_row(g, OP_SOFTMAX, x, 1);
    int oh = ir_onehot(g, n.in[1], g->nodes[x].shape.d[1]);
    return mul(g, sub(g, sm, oh), col(g, gy));
  }
  case OP_INPUT: case OP_OUTPUT: case OP_PARAM: case OP_STATE: case OP_GRAD: case OP_CONST:
  case OP_ASSIGN: case OP_PHASE: /* phases are resolved before autodiff runs */
    break; /* leaves, constants and stores: no inputs to differentiate */
  case OP_RAND: case OP_STEP: case OP_SIGN: case OP_INRANGE: case OP_ARGMAX_MASK: case OP_ONEHOT:
  case OP_MAXPOOL_BACK:
    break; /* OF_NODIFF: ad_gradients stops before */
  }
  die("no VJP rule for %s", op_info[n.op].name);
}

/* need[i]: node i lies on a path from a parameter to the loss. */
static char *grad_path(Graph *g, int loss) {
  char *from = ir_alloc((size_t)g->nnodes + 1), *to = ir_alloc((size_t)g->nnodes + 1);
  for (int i = 0; i <= loss; i++) {
    const Node *n = &g->nodes[i];
    from[i] = n->op == OP_PARAM && ir_trained(g, n->leaf);
    for (int k = 0; k < n->nin; k++) from[i] |= from[n->in[k]];
  }
  ir_reachable(g, &loss, 1, to);
  for (int i = 0; i <= loss; i++) from[i] &= to[i];
  return from;
}

static int is_integer_input(const Graph *g, int id) { return g->nodes[id].dt == DT_INT; }

/* a parameter, possibly reshaped (a convolution's filter as a matrix) */
static int is_param_operand(const Graph *g, int id) { return g->nodes[ir_root_of(g, id)].op == OP_PARAM; }

void ad_gradients(Graph *g, int loss, int *grads) {
  if (shape_numel(&g->nodes[loss].shape) != 1)
    ir_error(g, g->nodes[loss].loc, "the loss must be a scalar, got shape %s",
             shape_str(&g->nodes[loss].shape));
  int nfwd = loss + 1;
  char *need = grad_path(g, loss);
  int *adj = ir_alloc((size_t)nfwd * sizeof(int));
  for (int i = 0; i < nfwd; i++) adj[i] = -1;
  Loc saved = g->cur;
  g->cur_flags = NF_BACKWARD;
  g->cur = g->nodes[loss].loc;
  int one = C(g, 1); /* first: adding it may move g->nodes, which the shape is read from */
  adj[loss] = ir_broadcast(g, one, g->nodes[loss].shape);
  for (int id = loss; id >= 0; id--) {
    if (!need[id] || adj[id] < 0) continue;
    Node n = g->nodes[id];
    if (op_info[n.op].flags & OF_LEAF) continue;
    g->cur = n.loc;
    /* a parameter's contribution last: its product then comes after the ones that still read
     * the parameter (the input's gradient), so the training step can update the parameter
     * from that product's registers (emit_c.c) */
    for (int pass = 0; pass < 2; pass++) {
      for (int k = 0; k < n.nin; k++) {
        int x = n.in[k];
        if (is_param_operand(g, x) != pass) continue;
        if (!need[x] || is_integer_input(g, x)) continue;
        if (op_info[n.op].flags & OF_NODIFF)
          ir_error(g, n.loc, "%s is not differentiable, but the gradient of a parameter must flow "
                             "through it to reach the loss", op_info[n.op].name);
        int c = vjp(g, id, k, adj[id]);
        adj[x] = adj[x] < 0 ? c : ir_binary(g, OP_ADD, adj[x], c);
      }
    }
  }
  for (int i = 0; i < g->nparams; i++) {
    int p = g->params[i].node;
    if (!ir_trained(g, i)) { /* a buffer or a frozen parameter: no gradient */
      grads[i] = -1;
      continue;
    }
    g->cur = g->params[i].loc;
    grads[i] = p < nfwd && adj[p] >= 0 ? adj[p] : ir_broadcast(g, C(g, 0), g->params[i].shape);
  }
  g->cur = saved;
  g->cur_flags = 0;
}
