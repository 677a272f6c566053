/* test_ir.c - unit tests of the graph IR: hash-consing, shape inference and broadcasting,
 * the error every malformed node gets (at its location), autodiff's structure, the
 * simplifier's rewrites and the planner's recomputation.  Errors are caught by pointing the graph's handler at a longjmp. */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "ir.h"
#include "../check.h"

static jmp_buf jb;
static char last_error[1024];

static void catch_error(void *ctx, const char *msg) {
  (void)ctx;
  snprintf(last_error, sizeof last_error, "%s", msg);
  longjmp(jb, 1);
}

static Graph *graph(void) {
  Graph *g = ir_new();
  g->on_error = catch_error;
  g->cur = (Loc){"model.lua", 7, 0};
  return g;
}

static Shape S(int n, int a, int b) { return (Shape){n, {a, b}}; }
static Shape S3(int a, int b, int c) { return (Shape){3, {a, b, c}}; }

/* Expect building to fail with `want` in the message. */
#define EXPECT_ERROR(g, expr, want)                                                   \
  do {                                                                                \
    last_error[0] = 0;                                                                \
    if (!setjmp(jb)) {                                                                \
      (void)(expr);                                                                   \
      CHECK(0, "%s: built, expected an error", #expr);                                \
    } else {                                                                          \
      CHECK(strstr(last_error, want) != NULL, "%s: got \"%s\", want \"%s\"", #expr,  \
            last_error, want);                                                        \
    }                                                                                 \
  } while (0)

static void test_hash_consing(void) {
  Graph *g = graph();
  int x = ir_input(g, "x", S(2, 3, 4), DT_FLOAT);
  int a = ir_unary(g, OP_EXP, x), b = ir_unary(g, OP_EXP, x);
  CHECK(a == b, "identical nodes merge (%d, %d)", a, b);
  CHECK(ir_binary(g, OP_ADD, a, x) == ir_binary(g, OP_ADD, b, x), "through their users too");
  CHECK(ir_binary(g, OP_ADD, a, x) != ir_binary(g, OP_ADD, x, a), "operand order matters");
  CHECK(ir_const(g, 2, NULL) == ir_const(g, 2, NULL), "constants merge");
  CHECK(ir_const(g, 2, "LR") != ir_const(g, 2, NULL), "a named constant is its own node");
  int p = ir_param(g, "w", S(1, 4, 0), (Init){INIT_CONST, 0, 0, 0});
  int q = ir_param(g, "w2", S(1, 4, 0), (Init){INIT_CONST, 0, 0, 0});
  CHECK(p != q, "leaves never merge");
  CHECK(g->nodes[a].loc.line == 7 && strcmp(g->nodes[a].loc.file, "model.lua") == 0, "location kept");
  for (int i = 0; i < g->nnodes; i++)
    for (int k = 0; k < g->nodes[i].nin; k++) CHECK(g->nodes[i].in[k] < i, "inputs come first");
}

static void test_shapes(void) {
  Graph *g = graph();
  int a = ir_input(g, "a", S(2, 3, 1), DT_FLOAT), b = ir_input(g, "b", S(1, 4, 0), DT_FLOAT);
  Shape r = ir_node(g, ir_binary(g, OP_MUL, a, b))->shape;
  CHECK(r.n == 2 && r.d[0] == 3 && r.d[1] == 4, "[3,1] * [4] -> [3,4], got %s", shape_str(&r));
  int s = ir_const(g, 2, NULL);
  CHECK(ir_node(g, ir_binary(g, OP_ADD, s, a))->shape.n == 2, "scalar broadcasts");
  int m = ir_input(g, "m", S(2, 5, 3), DT_FLOAT), w = ir_input(g, "w", S(2, 4, 3), DT_FLOAT);
  r = ir_node(g, ir_matmul(g, m, w, 0, 1))->shape;
  CHECK(r.d[0] == 5 && r.d[1] == 4, "[5,3] x [4,3]^T -> [5,4], got %s", shape_str(&r));
  r = ir_node(g, ir_matmul(g, w, m, 0, 1))->shape;
  CHECK(r.d[0] == 4 && r.d[1] == 5, "[4,3] x [5,3]^T -> [4,5]");
  r = ir_node(g, ir_sum_to(g, m, S(2, 1, 3)))->shape;
  CHECK(r.d[0] == 1 && r.d[1] == 3, "sum_to [5,3] -> [1,3]");
  CHECK(ir_node(g, ir_sum_to(g, m, (Shape){0, {0}}))->shape.n == 0, "sum_to a scalar");
  r = ir_node(g, ir_max(g, m, 1))->shape;
  CHECK(r.d[0] == 5 && r.d[1] == 1, "max along dim 2 keeps it as 1");
  CHECK(ir_reshape(g, m, S(2, 5, 3)) == m, "reshape to the same shape is the tensor");
  int v = ir_reshape(g, m, S(1, 15, 0));
  CHECK(ir_node(g, ir_reshape(g, v, S(2, 3, 5)))->in[0] == m, "a reshape of a reshape is one view");
  int t = ir_input(g, "t", S(1, 5, 0), DT_INT);
  r = ir_node(g, ir_onehot(g, t, 3))->shape;
  CHECK(r.d[0] == 5 && r.d[1] == 3, "onehot [5] -> [5,3]");
  CHECK(ir_node(g, ir_xent(g, m, t))->shape.d[0] == 5, "xent per row");
}

static void test_errors(void) {
  Graph *g = graph();
  int a = ir_input(g, "a", S(2, 3, 4), DT_FLOAT), b = ir_input(g, "b", S(1, 5, 0), DT_FLOAT);
  int t = ir_input(g, "t", S(1, 3, 0), DT_INT);
  EXPECT_ERROR(g, ir_binary(g, OP_ADD, a, b), "model.lua:7: add: shapes [3,4] and [5] do not broadcast");
  EXPECT_ERROR(g, ir_matmul(g, a, a, 0, 0), "matmul: inner dimensions differ: [3,4] times [3,4] (4 vs 3)");
  EXPECT_ERROR(g, ir_matmul(g, a, b, 0, 0), "matmul needs 2-D tensors");
  EXPECT_ERROR(g, ir_reshape(g, a, S(1, 13, 0)), "cannot reshape [3,4] (12 elements) to [13]");
  EXPECT_ERROR(g, ir_sum_to(g, a, S(2, 2, 4)), "cannot sum [3,4] down to [2,4]");
  EXPECT_ERROR(g, ir_broadcast(g, a, S(2, 6, 4)), "cannot broadcast [3,4] to [6,4]");
  EXPECT_ERROR(g, ir_max(g, a, 2), "dim 3 is out of range");
  EXPECT_ERROR(g, ir_unary(g, OP_EXP, t), "exp needs a float tensor");
  EXPECT_ERROR(g, ir_xent(g, a, b), "cross-entropy needs int32 class indices");
  EXPECT_ERROR(g, ir_xent(g, ir_input(g, "z", S(2, 4, 2), DT_FLOAT), t), "target must have shape [4]");
  EXPECT_ERROR(g, ir_transpose(g, b), "t() needs a 2-D tensor");
  EXPECT_ERROR(g, ir_unary_ab(g, OP_CLAMP, a, 2, 1), "clamp: min 2 is greater than max 1");
}

/* d/dw sum(x w) through autodiff: one matmul with x transposed, broadcast of the seed. */
static void test_autodiff(void) {
  Graph *g = graph();
  int x = ir_input(g, "x", S(2, 5, 3), DT_FLOAT);
  int w = ir_param(g, "w", S(2, 3, 2), (Init){INIT_CONST, 0, 0, 0});
  int y = ir_matmul(g, x, w, 0, 0);
  int u = ir_binary(g, OP_ADD, y, y); /* fan-out: both contributions are summed */
  int loss = ir_sum_to(g, u, (Shape){0, {0}});
  int grads[1];
  ad_gradients(g, loss, grads);
  const Node *gn = &g->nodes[grads[0]];
  CHECK(gn->op == OP_MATMUL && gn->ta && !gn->tb && gn->in[0] == x, "dW = x^T dY, got %s",
        op_info[gn->op].name);
  CHECK(gn->flags & NF_BACKWARD, "backward nodes are marked");
  const Node *dy = &g->nodes[gn->in[1]];
  CHECK(dy->op == OP_ADD, "fan-out adds the two contributions (got %s)", op_info[dy->op].name);
  int s = ir_unary(g, OP_STEP, y);
  int l2 = ir_sum_to(g, s, (Shape){0, {0}});
  EXPECT_ERROR(g, ad_gradients(g, l2, grads), "step is not differentiable");
}

static int count_op(const Graph *g, Op op) {
  int n = 0;
  char *m = ir_alloc((size_t)g->nnodes + 1);
  ir_reachable(g, g->roots[FN_FORWARD].v, g->roots[FN_FORWARD].n, m);
  for (int i = 0; i < g->nnodes; i++) n += m[i] && g->nodes[i].op == op;
  return n;
}

static void test_simplify(void) {
  Graph *g = graph();
  int x = ir_input(g, "x", S(2, 4, 3), DT_FLOAT), w = ir_input(g, "w", S(2, 2, 3), DT_FLOAT);
  int one = ir_const(g, 1, NULL), zero = ir_const(g, 0, NULL);
  int e = ir_binary(g, OP_ADD, ir_binary(g, OP_MUL, x, one), zero);       /* x*1 + 0 */
  int nn = ir_unary(g, OP_NEG, ir_unary(g, OP_NEG, e));                   /* --e */
  int mm = ir_matmul(g, nn, ir_transpose(g, w), 0, 0);                    /* e (w^T) */
  int c = ir_binary(g, OP_MUL, ir_const(g, 2, NULL), ir_const(g, 3, NULL)); /* 2*3 */
  int r = ir_binary(g, OP_MUL, mm, c);
  int out = ir_output(g, "out", g->nodes[r].shape);
  ivec_push(&g->roots[FN_FORWARD], ir_assign(g, out, r));
  int changed = 1;
  for (int i = 0; changed && i < 8; i++) g = opt_simplify(g, &changed);
  ir_verify(g);
  CHECK(count_op(g, OP_NEG) == 0 && count_op(g, OP_ADD) == 0, "x*1+0 and --x vanish");
  CHECK(count_op(g, OP_TRANSPOSE) == 0, "the transpose folds into the matmul");
  int folded = 0;
  for (int i = 0; i < g->nnodes; i++) folded |= ir_is_const(g, i, 6);
  CHECK(folded, "2*3 folds to 6");
  for (int i = 0; i < g->nnodes; i++)
    if (g->nodes[i].op == OP_MATMUL) CHECK(g->nodes[i].tb == 1, "matmul reads w transposed");
}

/* sum_to moves a factor constant along the summed dims out when it is computed (batch norm's
 * backward: k * sum(2 (x - mean)) instead of sum(k * 2 (x - mean))), a negation around one
 * too; a constant factor stays inside. */
static int sum_input_op(const Graph *g, Op op) {
  int n = 0;
  char *m = ir_alloc((size_t)g->nnodes + 1);
  ir_reachable(g, g->roots[FN_FORWARD].v, g->roots[FN_FORWARD].n, m);
  for (int i = 0; i < g->nnodes; i++) n += m[i] && g->nodes[i].op == OP_SUM_TO && g->nodes[g->nodes[i].in[0]].op == op;
  return n;
}

/* filler: that many unused inputs first (every leaf survives a rebuild), so that for some
 * count the rebuilt graph's node array grows while sum_factor builds the sum (the sanitizer
 * build caught a read through a pointer into the old array). */
static void sum_factor_case(int filler) {
  Graph *g = graph();
  for (int i = 0; i < filler; i++) {
    char name[16];
    snprintf(name, sizeof name, "f%d", i);
    ir_input(g, name, S3(1, 1, 1), DT_FLOAT);
  }
  int x = ir_input(g, "x", S3(2, 4, 3), DT_FLOAT), k = ir_input(g, "k", S3(1, 4, 1), DT_FLOAT);
  int mean = ir_input(g, "mean", S3(1, 4, 1), DT_FLOAT);
  int two = ir_const(g, 2, NULL);
  int e = ir_binary(g, OP_MUL, ir_broadcast(g, k, S3(2, 4, 3)), ir_binary(g, OP_MUL, two, ir_binary(g, OP_SUB, x, mean)));
  int s1 = ir_sum_to(g, ir_unary(g, OP_NEG, e), S3(1, 4, 1));
  int s2 = ir_sum_to(g, ir_binary(g, OP_MUL, ir_const(g, 3, NULL), x), S3(1, 4, 1));
  int o1 = ir_output(g, "o1", S3(1, 4, 1)), o2 = ir_output(g, "o2", S3(1, 4, 1));
  ivec_push(&g->roots[FN_FORWARD], ir_assign(g, o1, s1));
  ivec_push(&g->roots[FN_FORWARD], ir_assign(g, o2, s2));
  int changed = 1;
  for (int i = 0; changed && i < 8; i++) g = opt_simplify(g, &changed);
  ir_verify(g);
  CHECK(sum_input_op(g, OP_NEG) == 0, "the negation moves out of the sum");
  CHECK(sum_input_op(g, OP_MUL) == 2, "sum(k * 2 (x - mean)) is k * sum(2 (x - mean)); sum(3 x) keeps its constant");
  int neg = -1;
  for (int i = 0; i < g->nnodes; i++)
    if (g->nodes[i].op == OP_NEG) neg = i;
  Shape out = S3(1, 4, 1);
  CHECK(neg >= 0 && shape_eq(&g->nodes[neg].shape, &out), "the negation is of the sum's output");
}

static void test_sum_factor(void) {
  for (int filler = 0; filler < 40; filler++) sum_factor_case(filler);
  for (int filler = 230; filler < 260; filler++) sum_factor_case(filler);
}

/* Sibling sums: a sum over x's elements that needs only x moves up next to an earlier sum over
 * them, past a block in between, so the emitter sums both in one pass. */
static void test_hoist_sums(void) {
  Graph *g = graph();
  int x = ir_input(g, "x", S3(2, 4, 64), DT_FLOAT), c = ir_input(g, "c", S3(1, 4, 1), DT_FLOAT);
  int a = ir_sum_to(g, ir_binary(g, OP_MUL, x, x), S3(1, 4, 1));
  int t = ir_unary(g, OP_EXP, a);
  int y = ir_binary(g, OP_MUL, x, ir_broadcast(g, t, S3(2, 4, 64)));
  int b = ir_sum_to(g, ir_binary(g, OP_SUB, x, c), S3(1, 4, 1));
  int oa = ir_output(g, "oa", S3(1, 4, 1)), oy = ir_output(g, "oy", S3(2, 4, 64)), ob = ir_output(g, "ob", S3(1, 4, 1));
  ivec_push(&g->roots[FN_FORWARD], ir_assign(g, oy, ir_binary(g, OP_ADD, y, ir_broadcast(g, a, S3(2, 4, 64)))));
  ivec_push(&g->roots[FN_FORWARD], ir_assign(g, oa, ir_unary(g, OP_EXP, a)));
  ivec_push(&g->roots[FN_FORWARD], ir_assign(g, ob, b));
  int pa = -1, pb = -1;
  for (int check = 0; check < 2; check++) {
    EmitOptions o = {0};
    o.check_numerics = check;
    Plan *p = plan_build(g, &o);
    const FnPlan *fp = &p->fn[FN_FORWARD];
    for (int s = 0; s < fp->nsched; s++) {
      if (fp->sched[s] == a) pa = s;
      if (fp->sched[s] == b) pb = s;
    }
    if (check) CHECK(pb > pa + 1, "with --check-numerics the sums stay in id order");
    else CHECK(pa >= 0 && pb == pa + 1, "the second sum is scheduled right after the first (at %d, %d)", pa, pb);
  }
}

/* The relayout (opt_layout.c): an elementwise block whose permute is copied for a product is
 * computed in the permuted order (the product reads it, no permute left), the sum over it is
 * summed per innermost run first, then over the rest, and its other readers read it through
 * the inverse permute; a permute that moves the innermost dim leaves the block as it is. */
static void test_relayout(void) {
  for (int inner_moves = 0; inner_moves < 2; inner_moves++) {
    Graph *g = graph();
    Shape xs = {4, {2, 3, 4, 16}}, cs = {4, {1, 3, 1, 1}};
    int x = ir_input(g, "x", xs, DT_FLOAT), c = ir_input(g, "c", cs, DT_FLOAT);
    int e = ir_binary(g, OP_MUL, ir_binary(g, OP_ADD, x, ir_broadcast(g, c, xs)), x);
    int perm[2][4] = {{1, 0, 2, 3}, {0, 1, 3, 2}};
    int p = ir_permute(g, e, perm[inner_moves]);
    const Shape *ps = &g->nodes[p].shape;
    int rows = ps->d[0], cols = (int)(shape_numel(ps) / rows);
    int w = ir_input(g, "w", S(2, 5, rows), DT_FLOAT);
    int mm = ir_matmul(g, w, ir_reshape(g, p, S(2, rows, cols)), 0, 0);
    int om = ir_output(g, "om", g->nodes[mm].shape), os = ir_output(g, "os", cs), orl = ir_output(g, "or", xs);
    ivec_push(&g->roots[FN_FORWARD], ir_assign(g, om, mm));
    ivec_push(&g->roots[FN_FORWARD], ir_assign(g, os, ir_sum_to(g, e, cs)));
    ivec_push(&g->roots[FN_FORWARD], ir_assign(g, orl, ir_unary(g, OP_RELU, e)));
    int changed = 0;
    Graph *ng = opt_layout(g, &changed);
    const Node *m = NULL, *sum = NULL, *relu = NULL;
    for (int i = 0; i < ng->roots[FN_FORWARD].n; i++) {
      const Node *a = &ng->nodes[ng->roots[FN_FORWARD].v[i]];
      const Node *v = &ng->nodes[ir_root_of(ng, a->in[1])];
      if (v->op == OP_MATMUL) m = v;
      if (v->op == OP_SUM_TO) sum = v;
      if (v->op == OP_RELU) relu = v;
    }
    CHECK(m && sum && relu, "the three roots are there");
    if (!m || !sum || !relu) continue;
    const Node *b = &ng->nodes[ir_root_of(ng, m->in[1])];
    if (inner_moves) {
      CHECK(b->op == OP_PERMUTE && ng->nodes[b->in[0]].op == OP_MUL, "the block stays, its permute is copied");
      continue;
    }
    CHECK(changed, "the relayout counts as a change");
    CHECK(b->op == OP_MUL && b->shape.d[0] == 3 && b->shape.d[1] == 2, "the product reads the block, [3,2,4,16]: %s",
          op_info[b->op].name);
    const Node *inner = &ng->nodes[sum->in[0]];
    CHECK(inner->op == OP_SUM_TO && inner->shape.n == 4 && inner->shape.d[0] == 3 && inner->shape.d[1] == 2 &&
              inner->shape.d[2] == 1 && &ng->nodes[inner->in[0]] == b,
          "the sum adds each image's run first: [3,2,1,1] of the block");
    CHECK(sum->shape.d[0] == 3 && sum->shape.d[1] == 1, "then the images: [3,1,1,1]");
    const Node *rin = &ng->nodes[relu->in[0]];
    CHECK(rin->op == OP_PERMUTE && &ng->nodes[rin->in[0]] == b && rin->attr[0] == 1,
          "the ReLU reads the block through the inverse permute");
  }
}

/* The planner's recomputation: a cheap elementwise node read by several loops over its
 * elements is computed in each (not stored) when only one of its inputs is as large as it;
 * with two such inputs, or an expensive op, it is stored.  Through the cheap nodes and
 * broadcasts computed inside it (batch norm's backward, k * (2 (x - mean))) the same holds,
 * up to MAX_RECOMPUTE_OPS (4) operations per element. */
static void test_recompute(void) {
  Graph *g = graph();
  int x = ir_input(g, "x", S(2, 4, 3), DT_FLOAT), y = ir_input(g, "y", S(2, 4, 3), DT_FLOAT);
  int c = ir_input(g, "c", S(2, 1, 3), DT_FLOAT);
  int d = ir_binary(g, OP_SUB, x, c);                     /* x - c: one large input */
  int e = ir_binary(g, OP_SUB, x, y);                     /* x - y: two */
  int t = ir_unary(g, OP_EXP, x);                         /* not cheap */
  int two = ir_const(g, 2, NULL), k = ir_broadcast(g, ir_input(g, "k", S(2, 1, 3), DT_FLOAT), S(2, 4, 3));
  int chain = ir_binary(g, OP_MUL, k, ir_binary(g, OP_MUL, two, ir_binary(g, OP_SUB, x, c))); /* 3 ops, 1 large */
  int k2 = ir_broadcast(g, ir_input(g, "k2", S(2, 1, 3), DT_FLOAT), S(2, 4, 3));
  int chain2 = ir_binary(g, OP_MUL, k2, ir_binary(g, OP_MUL, y, ir_binary(g, OP_SUB, x, c))); /* 2 large */
  int longc = x;
  for (int i = 0; i < 5; i++) longc = ir_binary(g, OP_ADD, longc, c); /* 5 ops */
  int kb = ir_broadcast(g, ir_input(g, "k3", S(2, 1, 3), DT_FLOAT), S(2, 4, 3));
  int vals[7] = {d, e, t, chain, chain2, longc, kb};
  const char *names[7] = {"d", "e", "t", "ch", "ch2", "long", "kb"};
  for (int i = 0; i < 7; i++) {
    int v = vals[i];
    int a = ir_output(g, ir_fmt("%s1", names[i]), g->nodes[v].shape);
    int b = ir_output(g, ir_fmt("%s2", names[i]), g->nodes[v].shape);
    ivec_push(&g->roots[FN_FORWARD], ir_assign(g, a, ir_binary(g, OP_MUL, v, v)));
    ivec_push(&g->roots[FN_FORWARD], ir_assign(g, b, ir_unary(g, OP_RELU, v)));
  }
  EmitOptions o = {0};
  Plan *p = plan_build(g, &o);
  const FnPlan *fp = &p->fn[FN_FORWARD];
  CHECK(fp->inl[d] && fp->store[d].kind == S_NONE, "x - c is recomputed in both users, not stored");
  CHECK(!fp->inl[e] && fp->store[e].kind == S_ARENA, "x - y is stored (recomputing reads two buffers)");
  CHECK(!fp->inl[t] && fp->store[t].kind == S_ARENA, "exp(x) is stored");
  CHECK(fp->inl[chain] && fp->store[chain].kind == S_NONE, "k * (2 (x - c)) is recomputed in both users");
  CHECK(!fp->inl[chain2] && fp->store[chain2].kind == S_ARENA, "k * (y (x - c)) is stored (reads x and y)");
  CHECK(!fp->inl[longc] && fp->store[longc].kind == S_ARENA, "x + c + c + c + c + c is stored (5 operations)");
  CHECK(fp->inl[kb] && fp->store[kb].kind == S_NONE, "a broadcast read by two loops is not stored");
}

int main(void) {
  test_hash_consing();
  test_shapes();
  test_errors();
  test_autodiff();
  test_simplify();
  test_sum_factor();
  test_hoist_sums();
  test_relayout();
  test_recompute();
  ir_free_all();
  if (failures) printf("%d check(s) failed\n", failures);
  else printf("all IR checks passed\n");
  return failures != 0;
}
