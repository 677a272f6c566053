/* ir_ops.c - the constructors of computed nodes: each op family's shape and dtype rule.
 *
 * Every constructor checks its operands and infers the result's shape; on a mismatch it calls
 * ir_error at g->cur (the model line being run), which does not return.  The node itself is
 * hash-consed by ir_add_node (ir.c). */
#include "ir.h"

#include <math.h>
#include <string.h>

static void need_float(Graph *g, int x, const char *what) {
  if (ir_node(g, x)->dt != DT_FLOAT)
    ir_error(g, g->cur, "%s needs a float tensor, but %s holds int32 class indices", what,
             shape_str(&ir_node(g, x)->shape));
}

int ir_const(Graph *g, double v, const char *cname) {
  if (!isfinite(v)) ir_error(g, g->cur, "constant %g is not a finite number", v);
  Node n = {0};
  n.op = OP_CONST;
  n.a = v;
  n.cname = cname ? ir_strdup(cname) : NULL;
  return ir_add_node(g, n);
}

int ir_rand(Graph *g, Shape s, int stream) {
  Node n = {0};
  n.op = OP_RAND;
  n.shape = s;
  n.axis = stream;
  return ir_add_node(g, n);
}

static int has_scalars(Op op) { return (op_info[op].flags & OF_AB) != 0; }

int ir_unary(Graph *g, Op op, int x) {
  if (op_info[op].kind != K_E1 || has_scalars(op)) die("ir_unary(%s)", op_info[op].name);
  need_float(g, x, op_info[op].name);
  Node n = {0};
  n.op = op;
  n.in[0] = x;
  n.shape = ir_node(g, x)->shape;
  return ir_add_node(g, n);
}

int ir_unary_ab(Graph *g, Op op, int x, double a, double b) {
  if (op_info[op].kind != K_E1 || !has_scalars(op)) die("ir_unary_ab(%s)", op_info[op].name);
  need_float(g, x, op_info[op].name);
  if ((op == OP_CLAMP || op == OP_INRANGE) && !(a <= b))
    ir_error(g, g->cur, "clamp: min %g is greater than max %g", a, b);
  Node n = {0};
  n.op = op;
  n.in[0] = x;
  n.a = a;
  n.b = b;
  n.shape = ir_node(g, x)->shape;
  return ir_add_node(g, n);
}

int ir_binary(Graph *g, Op op, int a, int b) {
  if (op_info[op].kind != K_E2) die("ir_binary(%d)", op);
  need_float(g, a, op_info[op].name);
  need_float(g, b, op_info[op].name);
  Node n = {0};
  n.op = op;
  n.in[0] = a;
  n.in[1] = b;
  if (!shape_broadcast(&ir_node(g, a)->shape, &ir_node(g, b)->shape, &n.shape))
    ir_error(g, g->cur, "%s: shapes %s and %s do not broadcast", op_info[op].name,
             shape_str(&ir_node(g, a)->shape), shape_str(&ir_node(g, b)->shape));
  return ir_add_node(g, n);
}

int ir_broadcast(Graph *g, int x, Shape s) {
  Shape r;
  const Shape *xs = &ir_node(g, x)->shape;
  if (!shape_broadcast(xs, &s, &r) || !shape_eq(&r, &s))
    ir_error(g, g->cur, "cannot broadcast %s to %s", shape_str(xs), shape_str(&s));
  if (shape_eq(xs, &s)) return x;
  Node n = {0};
  n.op = OP_BROADCAST;
  n.dt = ir_node(g, x)->dt;
  n.in[0] = x;
  n.shape = s;
  return ir_add_node(g, n);
}

int ir_reshape(Graph *g, int x, Shape s) {
  const Shape *xs = &ir_node(g, x)->shape;
  if (shape_numel(xs) != shape_numel(&s))
    ir_error(g, g->cur, "cannot reshape %s (%lld elements) to %s (%lld elements)", shape_str(xs),
             (long long)shape_numel(xs), shape_str(&s), (long long)shape_numel(&s));
  if (shape_eq(xs, &s)) return x;
  if (ir_node(g, x)->op == OP_RESHAPE) x = ir_node(g, x)->in[0]; /* reshape of a reshape: one view */
  if (shape_eq(&ir_node(g, x)->shape, &s)) return x;
  Node n = {0};
  n.op = OP_RESHAPE;
  n.dt = ir_node(g, x)->dt;
  n.in[0] = x;
  n.shape = s;
  return ir_add_node(g, n);
}

int ir_transpose(Graph *g, int x) {
  const Shape *xs = &ir_node(g, x)->shape;
  if (xs->n != 2) ir_error(g, g->cur, "t() needs a 2-D tensor, got %s", shape_str(xs));
  Node n = {0};
  n.op = OP_TRANSPOSE;
  n.dt = ir_node(g, x)->dt;
  n.in[0] = x;
  n.shape = (Shape){2, {xs->d[1], xs->d[0]}};
  return ir_add_node(g, n);
}

int ir_permute(Graph *g, int x, const int *perm) {
  const Shape *xs = &ir_node(g, x)->shape;
  Node n = {0};
  int seen[MAX_DIMS] = {0}, identity = 1;
  for (int i = 0; i < xs->n; i++) {
    if (perm[i] < 0 || perm[i] >= xs->n || seen[perm[i]]++)
      ir_error(g, g->cur, "permute: the dims of a %d-D tensor must be 1..%d, each once", xs->n, xs->n);
    n.attr[i] = perm[i];
    n.shape.d[i] = xs->d[perm[i]];
    identity &= perm[i] == i;
  }
  if (identity) return x;
  if (ir_node(g, x)->op == OP_PERMUTE) { /* a permutation of a permutation: one view */
    int inner[MAX_DIMS];
    for (int i = 0; i < xs->n; i++) inner[i] = ir_node(g, x)->attr[perm[i]];
    return ir_permute(g, ir_node(g, x)->in[0], inner);
  }
  n.op = OP_PERMUTE;
  n.dt = ir_node(g, x)->dt;
  n.in[0] = x;
  n.shape.n = xs->n;
  return ir_add_node(g, n);
}

/* ---- slices, padding, gathers ----------------------------------------------------------- */

static void axis_check(Graph *g, const Shape *s, int axis, const char *what) {
  if (axis < 0 || axis >= s->n)
    ir_error(g, g->cur, "%s: dim %d is out of range for a %d-D tensor (dims are 1..%d)", what, axis + 1, s->n, s->n);
}

int ir_slice(Graph *g, int x, int axis, int start, int len) {
  const Shape *xs = &ir_node(g, x)->shape;
  axis_check(g, xs, axis, "slice");
  if (start < 0 || len < 1 || start > xs->d[axis] - len)
    ir_error(g, g->cur, "slice: elements %d to %d of dim %d are outside its size %d", start + 1, start + len, axis + 1,
             xs->d[axis]);
  if (len == xs->d[axis]) return x;
  const Node *xn = ir_node(g, x);
  if (xn->op == OP_SLICE && xn->axis == axis) /* a slice of a slice: one view */
    return ir_slice(g, xn->in[0], axis, xn->attr[0] + start, len);
  Node n = {0};
  n.op = OP_SLICE;
  n.dt = xn->dt;
  n.in[0] = x;
  n.axis = axis;
  n.attr[0] = start;
  n.shape = *xs;
  n.shape.d[axis] = len;
  return ir_add_node(g, n);
}

int ir_pad(Graph *g, int x, int axis, int at, int size) {
  const Shape *xs = &ir_node(g, x)->shape;
  axis_check(g, xs, axis, "pad");
  if (at < 0 || size < 1 || at > size - xs->d[axis])
    ir_error(g, g->cur, "pad: %d elements do not fit at offset %d of %d", xs->d[axis], at, size);
  if (size == xs->d[axis]) return x;
  need_float(g, x, "pad");
  Node n = {0};
  n.op = OP_PAD;
  n.in[0] = x;
  n.axis = axis;
  n.attr[0] = at;
  n.shape = *xs;
  n.shape.d[axis] = size;
  return ir_add_node(g, n);
}

/* GATHER and SCATTER: x (or the scattered values) float, idx int32 broadcastable to the
 * indexed shape, which has x's rank and no dim larger than x's but along axis (PyTorch's
 * rule for torch.gather). */
static int gather_node(Graph *g, Op op, int a, int idx, int axis, Shape s, const Shape *big, const Shape *small,
                       int nograd) {
  const char *what = op == OP_GATHER ? "gather" : "scatter_add";
  need_float(g, a, what);
  if (ir_node(g, idx)->dt != DT_INT) ir_error(g, g->cur, "%s: the index must be an int32 tensor", what);
  axis_check(g, big, axis, what);
  if (small->n != big->n)
    ir_error(g, g->cur, "%s: the index has shape %s, but the tensor %s has %d dims", what, shape_str(small),
             shape_str(big), big->n);
  for (int d = 0; d < big->n; d++)
    if (d != axis && small->d[d] > big->d[d])
      ir_error(g, g->cur, "%s: the index %s is larger than the tensor %s in dim %d", what, shape_str(small),
               shape_str(big), d + 1);
  Shape bs;
  if (!shape_broadcast(&ir_node(g, idx)->shape, small, &bs) || !shape_eq(&bs, small))
    ir_error(g, g->cur, "%s: the index of shape %s does not broadcast to %s", what, shape_str(&ir_node(g, idx)->shape),
             shape_str(small));
  Node n = {0};
  n.op = op;
  n.in[0] = a;
  n.in[1] = idx;
  n.axis = axis;
  n.shape = s;
  if (nograd >= big->d[axis])
    ir_error(g, g->cur, "%s: the index without gradient (%d) is outside 0..%d", what, nograd, big->d[axis] - 1);
  n.attr[0] = nograd < 0 ? 0 : nograd + 1;
  return ir_add_node(g, n);
}

int ir_gather_nograd(Graph *g, int x, int idx, int axis, Shape s, int nograd) {
  return gather_node(g, OP_GATHER, x, idx, axis, s, &ir_node(g, x)->shape, &s, nograd);
}

int ir_scatter_nograd(Graph *g, int src, int idx, int axis, Shape s, int nograd) {
  Shape ss = ir_node(g, src)->shape;
  return gather_node(g, OP_SCATTER, src, idx, axis, s, &s, &ss, nograd);
}

int ir_gather(Graph *g, int x, int idx, int axis, Shape s) { return ir_gather_nograd(g, x, idx, axis, s, -1); }

int ir_scatter(Graph *g, int src, int idx, int axis, Shape s) { return ir_scatter_nograd(g, src, idx, axis, s, -1); }

int ir_phase(Graph *g, int t, int e) {
  const Node *tn = ir_node(g, t), *en = ir_node(g, e);
  if (!shape_eq(&tn->shape, &en->shape) || tn->dt != en->dt)
    ir_error(g, g->cur, "a module gives %s in training but %s in inference", shape_str(&tn->shape), shape_str(&en->shape));
  if (t == e) return t;
  Node n = {0};
  n.op = OP_PHASE;
  n.dt = tn->dt;
  n.in[0] = t;
  n.in[1] = e;
  n.shape = tn->shape;
  return ir_add_node(g, n);
}

const int win_layout[2][6] = {{WD_C, WD_KH, WD_KW, WD_N, WD_OH, WD_OW}, {WD_KH, WD_KW, WD_N, WD_C, WD_OH, WD_OW}};

/* The window tensor's shape for image [N, C, H, W] (see WL_* in ir.h). */
static Shape window_shape(const int *a, int nb, int c, int oh, int ow) {
  int size[6] = {c, a[WA_KH], a[WA_KW], nb, oh, ow};
  Shape s = {6, {0}};
  for (int i = 0; i < 6; i++) s.d[i] = size[win_layout[a[WA_LAYOUT]][i]];
  return s;
}

/* Check the window attributes against image shape s; the output size through *oh, *ow. */
static void window_check(Graph *g, const int *a, const Shape *s, int *oh, int *ow) {
  if (s->n != 4)
    ir_error(g, g->cur, "sliding windows need a [N, C, H, W] input, got %s", shape_str(s));
  const char *hw[2] = {"height", "width"};
  int out[2];
  for (int d = 0; d < 2; d++) {
    int k = a[WA_KH + d], st = a[WA_SH + d], p = a[WA_PH + d], len = s->d[2 + d];
    if (k < 1) ir_error(g, g->cur, "kernel %s must be at least 1, got %d", hw[d], k);
    if (st < 1) ir_error(g, g->cur, "stride must be at least 1, got %d", st);
    if (p < 0) ir_error(g, g->cur, "padding must be >= 0, got %d", p);
    if (2 * p > k)
      ir_error(g, g->cur, "padding %d is more than half the kernel %s %d (at most %d)", p, hw[d], k, k / 2);
    if (k > len + 2 * p)
      ir_error(g, g->cur, "kernel %s %d is larger than the padded input (%d + 2*%d = %d)", hw[d], k, len, p,
               len + 2 * p);
    out[d] = (len + 2 * p - k) / st + 1;
  }
  if (a[WA_MODE] < PAD_ZEROS || a[WA_MODE] > PAD_NEGINF || a[WA_LAYOUT] < WL_CONV || a[WA_LAYOUT] > WL_POOL)
    die("bad window attributes");
  *oh = out[0], *ow = out[1];
}

int ir_window(Graph *g, int x, const int *attr) {
  need_float(g, x, "window");
  const Shape *xs = &ir_node(g, x)->shape;
  int oh, ow;
  window_check(g, attr, xs, &oh, &ow);
  Node n = {0};
  n.op = OP_WINDOW;
  n.in[0] = x;
  memcpy(n.attr, attr, sizeof n.attr);
  n.shape = window_shape(attr, xs->d[0], xs->d[1], oh, ow);
  return ir_add_node(g, n);
}

int ir_unwindow(Graph *g, int cols, const int *attr, Shape image) {
  need_float(g, cols, "unwindow");
  int oh, ow;
  window_check(g, attr, &image, &oh, &ow);
  Shape ws = window_shape(attr, image.d[0], image.d[1], oh, ow);
  if (!shape_eq(&ws, &ir_node(g, cols)->shape))
    ir_error(g, g->cur, "unwindow: windows of shape %s do not come from an image %s (they would be %s)",
             shape_str(&ir_node(g, cols)->shape), shape_str(&image), shape_str(&ws));
  Node n = {0};
  n.op = OP_UNWINDOW;
  n.in[0] = cols;
  memcpy(n.attr, attr, sizeof n.attr);
  n.shape = image;
  return ir_add_node(g, n);
}

/* Max pooling: the image's attributes are a window's (mode -inf, layout pool); the output is
 * [N, C, OH, OW].  Its adjoint takes the pooled image x and the output's gradient gy. */
static int pool_node(Graph *g, Op op, int x, int gy, const int *attr) {
  const Shape *xs = &ir_node(g, x)->shape;
  int a[8] = {0}, oh, ow;
  memcpy(a, attr, 6 * sizeof *a);
  a[WA_MODE] = PAD_NEGINF, a[WA_LAYOUT] = WL_POOL;
  window_check(g, a, xs, &oh, &ow);
  Shape ys = {4, {xs->d[0], xs->d[1], oh, ow}};
  Node n = {0};
  n.op = op;
  n.in[0] = x;
  memcpy(n.attr, a, sizeof n.attr);
  n.shape = ys;
  if (op == OP_MAXPOOL_BACK) {
    if (!shape_eq(&ir_node(g, gy)->shape, &ys) || ir_node(g, gy)->dt != ir_node(g, x)->dt)
      ir_error(g, g->cur, "max_pool_backward: a gradient of shape %s for a pooled %s (it would be %s)",
               shape_str(&ir_node(g, gy)->shape), shape_str(xs), shape_str(&ys));
    n.in[1] = gy;
    n.shape = *xs;
  }
  return ir_add_node(g, n);
}

int ir_max_pool(Graph *g, int x, const int *attr) {
  need_float(g, x, "max_pool");
  return pool_node(g, OP_MAXPOOL, x, -1, attr);
}

int ir_max_pool_backward(Graph *g, int x, int gy, const int *attr) {
  need_float(g, x, "max_pool_backward");
  need_float(g, gy, "max_pool_backward");
  return pool_node(g, OP_MAXPOOL_BACK, x, gy, attr);
}

int ir_tiles(int k, int stride, int pad, int out, int len) { return stride == k && !pad && out * stride == len; }

int ir_pool_tiles(const Graph *g, int id) {
  const Node *n = &g->nodes[id];
  const Shape *xs = &g->nodes[n->in[0]].shape, *ys = n->op == OP_MAXPOOL_BACK ? &g->nodes[n->in[1]].shape : &n->shape;
  const int *a = n->attr;
  return ir_tiles(a[WA_KH], a[WA_SH], a[WA_PH], ys->d[2], xs->d[2]) && ir_tiles(a[WA_KW], a[WA_SW], a[WA_PW], ys->d[3], xs->d[3]);
}

int ir_pool2x2(const Graph *g, int id) {
  const int *a = g->nodes[id].attr;
  return ir_pool_tiles(g, id) && a[WA_KH] == 2 && a[WA_KW] == 2;
}

int ir_plane_swap(const Graph *g, int id) {
  const Node *n = &g->nodes[id];
  return n->op == OP_PERMUTE && n->shape.n == 4 && n->attr[0] == 1 && n->attr[1] == 0 && n->attr[2] == 2 && n->attr[3] == 3;
}

int ir_sum_to(Graph *g, int x, Shape s) {
  need_float(g, x, "sum");
  Shape r;
  const Shape *xs = &ir_node(g, x)->shape;
  if (!shape_broadcast(xs, &s, &r) || !shape_eq(&r, xs))
    ir_error(g, g->cur, "cannot sum %s down to %s", shape_str(xs), shape_str(&s));
  if (shape_eq(xs, &s)) return x;
  Node n = {0};
  n.op = OP_SUM_TO;
  n.in[0] = x;
  n.shape = s;
  return ir_add_node(g, n);
}

static void check_axis(Graph *g, int x, int axis, const char *what) {
  const Shape *xs = &ir_node(g, x)->shape;
  if (axis < 0 || axis >= xs->n)
    ir_error(g, g->cur, "%s: dim %d is out of range for a tensor of shape %s (dims are 1..%d)",
             what, axis + 1, shape_str(xs), xs->n);
}

int ir_max(Graph *g, int x, int axis) {
  need_float(g, x, "max");
  check_axis(g, x, axis, "max");
  Node n = {0};
  n.op = OP_MAX;
  n.in[0] = x;
  n.axis = axis;
  n.shape = ir_node(g, x)->shape;
  n.shape.d[axis] = 1;
  return ir_add_node(g, n);
}

int ir_row(Graph *g, Op op, int x, int axis) {
  need_float(g, x, op_info[op].name);
  check_axis(g, x, axis, op_info[op].name);
  Node n = {0};
  n.op = op;
  n.in[0] = x;
  n.axis = axis;
  n.shape = ir_node(g, x)->shape;
  return ir_add_node(g, n);
}

int ir_matmul(Graph *g, int a, int b, int ta, int tb) {
  need_float(g, a, "matmul");
  need_float(g, b, "matmul");
  const Shape *as = &ir_node(g, a)->shape, *bs = &ir_node(g, b)->shape;
  if (as->n != 2 || bs->n != 2)
    ir_error(g, g->cur, "matmul needs 2-D tensors, got %s and %s", shape_str(as), shape_str(bs));
  int m = ta ? as->d[1] : as->d[0], k = ta ? as->d[0] : as->d[1];
  int k2 = tb ? bs->d[1] : bs->d[0], nn = tb ? bs->d[0] : bs->d[1];
  if (k != k2)
    ir_error(g, g->cur, "matmul: inner dimensions differ: %s%s times %s%s (%d vs %d)",
             shape_str(as), ta ? "^T" : "", shape_str(bs), tb ? "^T" : "", k, k2);
  Node n = {0};
  n.op = OP_MATMUL;
  n.in[0] = a;
  n.in[1] = b;
  n.ta = ta;
  n.tb = tb;
  n.shape = (Shape){2, {m, nn}};
  return ir_add_node(g, n);
}

static void need_classes(Graph *g, int t, int rows, const char *what) {
  const Node *tn = ir_node(g, t);
  if (tn->dt != DT_INT)
    ir_error(g, g->cur, "%s needs int32 class indices as target, got a float tensor %s", what,
             shape_str(&tn->shape));
  if (tn->shape.n != 1 || (rows >= 0 && tn->shape.d[0] != rows))
    ir_error(g, g->cur, "%s: target must have shape [%d], got %s", what, rows, shape_str(&tn->shape));
}

int ir_onehot(Graph *g, int t, int classes) {
  need_classes(g, t, -1, "onehot");
  if (classes < 1) ir_error(g, g->cur, "onehot: %d classes", classes);
  Node n = {0};
  n.op = OP_ONEHOT;
  n.in[0] = t;
  n.shape = (Shape){2, {ir_node(g, t)->shape.d[0], classes}};
  return ir_add_node(g, n);
}

static void need_rows(Graph *g, int x, const char *what) {
  need_float(g, x, what);
  if (ir_node(g, x)->shape.n != 2)
    ir_error(g, g->cur, "%s needs [batch, classes] scores, got %s", what, shape_str(&ir_node(g, x)->shape));
}

int ir_pick(Graph *g, int x, int t) {
  need_rows(g, x, "pick");
  need_classes(g, t, ir_node(g, x)->shape.d[0], "pick");
  Node n = {0};
  n.op = OP_PICK;
  n.in[0] = x;
  n.in[1] = t;
  n.shape = (Shape){1, {ir_node(g, x)->shape.d[0]}};
  return ir_add_node(g, n);
}

int ir_xent(Graph *g, int logits, int t) {
  need_rows(g, logits, "cross-entropy");
  need_classes(g, t, ir_node(g, logits)->shape.d[0], "cross-entropy");
  Node n = {0};
  n.op = OP_XENT;
  n.in[0] = logits;
  n.in[1] = t;
  n.shape = (Shape){1, {ir_node(g, logits)->shape.d[0]}};
  return ir_add_node(g, n);
}

int ir_assign(Graph *g, int dst, int value) {
  Op d = ir_node(g, dst)->op;
  if (d != OP_OUTPUT && d != OP_PARAM && d != OP_STATE && d != OP_GRAD)
    die("assign to a %s", op_info[d].name);
  if (!shape_eq(&ir_node(g, dst)->shape, &ir_node(g, value)->shape)) {
    if (ir_node(g, value)->op != OP_CONST && shape_numel(&ir_node(g, value)->shape) != 1)
      ir_error(g, g->cur, "assigning %s to %s", shape_str(&ir_node(g, value)->shape),
               shape_str(&ir_node(g, dst)->shape));
  }
  Node n = {0};
  n.op = OP_ASSIGN;
  n.in[0] = dst;
  n.in[1] = value;
  n.shape = ir_node(g, dst)->shape;
  return ir_add_node(g, n);
}

int ir_is_const(const Graph *g, int id, double v) {
  const Node *n = ir_node(g, id);
  return n->op == OP_CONST && n->a == v;
}

