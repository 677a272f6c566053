/* ir_check.c - verify and hash: the IR's invariants (ir_verify, run after every pass) and the
 * graph hash that ties a checkpoint to its model (ir_graph_hash). */
#include "ir.h"

void ir_verify(const Graph *g) {
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = &g->nodes[i];
    if ((unsigned)n->op >= (unsigned)OP_COUNT) die("%%%d: bad op %d", i, n->op);
    if (n->nin != op_info[n->op].arity) die("%%%d: %d inputs for %s", i, n->nin, op_info[n->op].name);
    for (int k = 0; k < n->nin; k++)
      if (n->in[k] < 0 || n->in[k] >= i) die("%%%d: input %d is %%%d, not an earlier node", i, k, n->in[k]);
    if (n->shape.n < 0 || n->shape.n > MAX_DIMS) die("%%%d: rank %d", i, n->shape.n);
    for (int d = 0; d < n->shape.n; d++)
      if (n->shape.d[d] < 1) die("%%%d: dim %d is %d", i, d, n->shape.d[d]);
    if ((op_info[n->op].flags & OF_LEAF) && !ir_leaf(g, i)) die("%%%d: leaf without a table entry", i);
    if (n->op == OP_PHASE) die("%%%d: a phase left after ir_resolve_phases", i);
  }
  for (int f = 0; f < FN_COUNT; f++)
    for (int r = 0; r < g->roots[f].n; r++)
      if (g->roots[f].v[r] < 0 || g->roots[f].v[r] >= g->nnodes) die("bad root");
}

/* FNV-1a over the forward graph's structure, each input's per-sample shape and the parameters'
 * names and shapes: the architecture, not the batch size (a checkpoint trained with one
 * batch size loads into a build with another). */
uint64_t ir_graph_hash(const Graph *g) {
  /* FNV-1a's prime, but a start value one digit short of its offset basis: a slip, kept
   * because every checkpoint carries this hash */
  uint64_t h = UINT64_C(1469598103934665603);
#define H(v) (h = (h ^ (uint64_t)(v)) * RT_FNV1A_PRIME)
  char *m = ir_alloc((size_t)g->nnodes + 1);
  ir_reachable(g, g->roots[FN_FORWARD].v, g->roots[FN_FORWARD].n, m);
  int *num = ir_alloc((size_t)g->nnodes * sizeof(int) + 1), next = 0;
  for (int i = 0; i < g->nnodes; i++) {
    if (!m[i]) continue;
    const Node *n = &g->nodes[i];
    num[i] = next++;
    for (const char *c = op_info[n->op].name; *c; c++) H((unsigned char)*c); /* names: stable when ops are added */
    for (int k = 0; k < n->nin; k++) H(num[n->in[k]]);
    if (n->op == OP_INPUT)
      for (int d = 1; d < n->shape.n; d++) H(n->shape.d[d]);
    H(n->axis * 4 + n->ta * 2 + n->tb);
    for (int k = 0; k < 8; k++)
      if (n->attr[k]) H(k * 1000003 + n->attr[k]); /* window sizes, permutations */
  }
  for (int i = 0; i < g->nparams; i++) {
    for (const char *c = g->params[i].name; *c; c++) H((unsigned char)*c);
    for (int d = 0; d < g->params[i].shape.n; d++) H(g->params[i].shape.d[d]);
  }
#undef H
  return h;
}
