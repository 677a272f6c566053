/* test_ops.c - every op of ops.h, walked: it can be built (its shape rule), differentiated (its
 * VJP, unless OF_NODIFF), planned and emitted, and dumped.
 *
 * One graph holds a node of every op, each reduced into one scalar loss that depends on a
 * parameter through every differentiable op; the non-differentiable ones are fed from the
 * input and multiply into the loss, so no gradient has to pass them.  `builders` has one entry
 * per op: a new op fails this test until it has one.  The net is written to ops_net.c, which
 * CTest then compiles (unit_ops_compiles: every op's C expression and helper exists). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "../check.h"

enum { B = 4, F = 6 };

typedef struct {
  Graph *g;
  int x, t, w, h; /* input [B,F], int target [B], parameter [F,F], h = x w */
} Ctx;

static Shape S(int n, int a, int b, int c, int d) { return (Shape){n, {a, b, c, d}}; }

static const int win_attr[8] = {[WA_KH] = 2, [WA_KW] = 2, [WA_SH] = 1, [WA_SW] = 1, [WA_MODE] = PAD_ZEROS,
                                [WA_LAYOUT] = WL_CONV};

static int image(Ctx *c) { return ir_reshape(c->g, c->h, S(4, 1, 1, B, F)); }

/* The node of each op, built from the context (the leaves and ASSIGN are built by main). */
static int build(Ctx *c, Op op) {
  Graph *g = c->g;
  switch (op) {
  case OP_INPUT: return c->x;
  case OP_PARAM: return c->w;
  case OP_CONST: return ir_const(g, 2, NULL);
  case OP_RAND: return ir_rand(g, S(2, B, F, 0, 0), 1);
  case OP_NEG: case OP_EXP: case OP_LOG: case OP_SQRT: case OP_ABS: case OP_TANH: case OP_ERF: case OP_SIGMOID: case OP_RELU:
    return ir_unary(g, op, c->h);
  case OP_STEP: case OP_SIGN: return ir_unary(g, op, c->x);
  case OP_CLAMP: return ir_unary_ab(g, op, c->h, -1, 1);
  case OP_SOFTPLUS: return ir_unary_ab(g, op, c->h, 20, 0);
  case OP_INRANGE: return ir_unary_ab(g, op, c->x, -1, 1);
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_POW: return ir_binary(g, op, c->h, c->x);
  case OP_BROADCAST: return ir_broadcast(g, ir_sum_to(g, c->h, S(2, 1, F, 0, 0)), S(2, B, F, 0, 0));
  case OP_RESHAPE: return ir_reshape(g, c->h, S(1, B * F, 0, 0, 0));
  case OP_TRANSPOSE: return ir_transpose(g, c->h);
  case OP_PERMUTE: return ir_permute(g, ir_reshape(g, c->h, S(3, 2, 2, F, 0)), (const int[]){2, 0, 1});
  case OP_SLICE: return ir_slice(g, c->h, 1, 2, 3);
  case OP_PAD: return ir_pad(g, ir_slice(g, c->h, 1, 1, 3), 1, 2, 7);
  case OP_GATHER: return ir_gather(g, c->h, ir_reshape(g, c->t, S(2, B, 1, 0, 0)), 1, S(2, B, 2, 0, 0));
  case OP_SCATTER: return ir_scatter(g, c->h, ir_reshape(g, c->t, S(2, B, 1, 0, 0)), 1, S(2, B, F + 1, 0, 0));
  case OP_PHASE: return ir_phase(g, ir_unary(g, OP_TANH, c->h), ir_unary(g, OP_NEG, c->h));
  case OP_WINDOW: return ir_window(g, image(c), win_attr);
  case OP_UNWINDOW: return ir_unwindow(g, ir_window(g, image(c), win_attr), win_attr, S(4, 1, 1, B, F));
  case OP_MAXPOOL: return ir_max_pool(g, image(c), win_attr);
  case OP_MAXPOOL_BACK: {
    int xi = ir_reshape(g, c->x, S(4, 1, 1, B, F));
    return ir_max_pool_backward(g, xi, ir_max_pool(g, xi, win_attr), win_attr);
  }
  case OP_SUM_TO: return ir_sum_to(g, c->h, S(2, B, 1, 0, 0));
  case OP_MAX: return ir_max(g, c->h, 1);
  case OP_ARGMAX_MASK: return ir_row(g, op, c->x, 1);
  case OP_SOFTMAX: case OP_LOG_SOFTMAX: return ir_row(g, op, c->h, 1);
  case OP_MATMUL: return c->h;
  case OP_ONEHOT: return ir_onehot(g, c->t, F);
  case OP_PICK: return ir_pick(g, c->h, c->t);
  case OP_XENT: return ir_xent(g, c->h, c->t);
  case OP_OUTPUT: case OP_STATE: case OP_GRAD: case OP_ASSIGN:
    return -1; /* built by main, with the functions' roots */
  }
  return -1;
}

static int contains(const char *text, const char *what) { return strstr(text, what) != NULL; }

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[1 << 22];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  return buf;
}

int main(void) {
  Graph *g = ir_new();
  g->name = "ops";
  g->cur = (Loc){"test_ops.c", 1, 0};
  Ctx c = {g, 0, 0, 0, 0};
  c.x = ir_input(g, "x", S(2, B, F, 0, 0), DT_FLOAT);
  c.t = ir_input(g, "t", S(1, B, 0, 0, 0), DT_INT);
  g->target = 1;
  c.w = ir_param(g, "w", S(2, F, F, 0, 0), (Init){INIT_NORMAL, 0, 0.1, 0});
  c.h = ir_matmul(g, c.x, c.w, 0, 0);

  /* every op's node, each summed into the loss: loss = sum_op sum(node) (times 0.5) */
  int loss = -1;
  for (int op = 0; op < OP_COUNT; op++) {
    g->cur.line = 100 + op; /* the dump names the op's line */
    int v = build(&c, (Op)op);
    if (v < 0 || g->nodes[v].dt == DT_INT) continue;
    int s = ir_sum_to(g, v, S(0, 0, 0, 0, 0));
    if (op_info[op].flags & OF_NODIFF) s = ir_binary(g, OP_MUL, s, ir_sum_to(g, c.h, S(0, 0, 0, 0, 0)));
    loss = loss < 0 ? s : ir_binary(g, OP_ADD, loss, s);
  }
  loss = ir_binary(g, OP_MUL, loss, ir_const(g, 0.5, NULL));
  g->loss = loss;
  int out = ir_output(g, "output", g->nodes[c.h].shape);
  ivec_push(&g->roots[FN_FORWARD], ir_assign(g, out, ir_unary(g, OP_RELU, c.h)));

  /* every op is in the graph as built, and its dump names it with its attributes */
  int seen[OP_COUNT] = {0};
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = &g->nodes[i];
    seen[n->op] = 1;
    const char *d = dump_node_str(g, i, 0);
    CHECK(contains(d, ir_fmt(" = %s", op_info[n->op].name)), "%%%d: the dump \"%s\" names its op", i, d);
    const char *ex = op_info[n->op].expr;
    CHECK(!(op_info[n->op].flags & OF_AB) == !(ex && strstr(ex, "$a")),
          "%s: OF_AB exactly when its C expression uses $a", op_info[n->op].name);
    CHECK(!*op_info[n->op].attrs || contains(d, "{"), "%%%d: the dump \"%s\" shows the attributes", i, d);
    CHECK(n->nin == op_info[n->op].arity, "%%%d %s: %d inputs, arity %d", i, op_info[n->op].name, n->nin,
          op_info[n->op].arity);
    int elementwise = op_info[n->op].kind == K_E1 || op_info[n->op].kind == K_E2;
    CHECK(elementwise == (op_info[n->op].expr != NULL), "%s: a C expression exactly when elementwise",
          op_info[n->op].name);
  }

  /* the phase resolved: its training value in the loss, its inference value nowhere */
  int nodes_before = g->nnodes;
  g = ir_resolve_phases(g, NULL, NULL);
  c.g = g;
  c.x = g->inputs[0].node, c.t = g->inputs[1].node, c.w = g->params[0].node;
  c.h = g->nodes[g->nodes[g->roots[FN_FORWARD].v[0]].in[1]].in[0];
  loss = g->loss;
  for (int i = 0; i < g->nnodes; i++) CHECK(g->nodes[i].op != OP_PHASE, "%%%d: a phase is left", i);
  CHECK(g->nnodes < nodes_before, "resolving rebuilt the graph (%d nodes, %d before)", g->nnodes, nodes_before);

  /* every differentiable op's VJP, then SGD with momentum through STATE and GRAD */
  int grads[1];
  ad_gradients(g, loss, grads);
  ivec_push(&g->roots[FN_GRAD], loss);
  int gw = ir_grad(g, c.w);
  ivec_push(&g->roots[FN_GRAD], ir_assign(g, gw, grads[0]));
  int mom = ir_state(g, c.w, "momentum_buffer");
  int mnew = ir_binary(g, OP_ADD, ir_binary(g, OP_MUL, mom, ir_const(g, 0.9, "MOMENTUM")), gw);
  ivec_push(&g->roots[FN_UPDATE], ir_assign(g, mom, mnew));
  ivec_push(&g->roots[FN_UPDATE], ir_assign(g, c.w, ir_binary(g, OP_SUB, c.w, ir_binary(g, OP_MUL, mnew, ir_const(g, 0.1, "LR")))));
  ir_verify(g);

  for (int i = 0; i < g->nnodes; i++) seen[g->nodes[i].op] = 1; /* the backward's and optimizer's leaves */
  for (int op = 0; op < OP_COUNT; op++)
    CHECK(seen[op], "op %s is not in the graph: give it a case in test_ops.c's build()", op_info[op].name);

  /* every op planned and emitted: each computed op is named in a block's comment */
  EmitOptions eo = {0};
  Plan *p = plan_build(g, &eo);
  CHECK(emit_c(p, &eo, "ops_net.c", "ops_net.h", "test_ops.c") == 0, "emitted");
  const char *text = slurp("ops_net.c");
  CHECK(text != NULL, "ops_net.c written");
  for (int op = 0; text && op < OP_COUNT; op++) {
    OpKind k = op_info[op].kind;
    if (k == K_LEAF || k == K_CONST || k == K_RESHAPE || k == K_PHASE) continue; /* storage, literals, views, phases */
    CHECK(contains(text, ir_fmt(" = %s ", op_info[op].name)), "no block of ops_net.c computes %s", op_info[op].name);
  }
  printf("%d ops built, differentiated, emitted and dumped; %d failures\n", OP_COUNT, failures);
  return failures != 0;
}
