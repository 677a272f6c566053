/* dump.c - human-readable views of the IR: one line per node, the plan, Graphviz and
 * statistics.  (The graph hash that ties a checkpoint to its model is in ir_check.c.)
 *
 *   %12 = matmul %7, %3^T : f32[64,256]   # mlp.lua:14
 *
 * Nodes built by autodiff or the optimizer end with "backward". */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

/* Names and file names from the model, as printed in dumps: C-string escaped (printable ASCII,
 * so no terminal escape sequence and no line break comes through). */
static const char *q(const char *s) { return ir_esc(s, RT_ESC_C_STRING); }

const char *dtype_str(DType dt, int dtype64) {
  if (dt == DT_INT) return "i32";
  return dtype64 ? "f64" : "f32";
}

/* The value of $name in a node's attribute template (ops.h). */
static const char *attr_value(const char *name, void *ctx) {
  static const char *mode[] = {"zeros", "replicate", "-inf"};
  const Node *n = ctx;
  const int *a = n->attr;
  if (!strcmp(name, "a")) return ir_fmt("%g", n->a);
  if (!strcmp(name, "b")) return ir_fmt("%g", n->b);
  if (!strcmp(name, "axis")) return ir_fmt("%d", n->axis);
  if (!strcmp(name, "dim")) return ir_fmt("%d", n->axis + 1);
  if (!strcmp(name, "start")) return ir_fmt("%d", a[0] + 1); /* 1-based, as the model language's */
  if (!strcmp(name, "nograd")) return a[0] ? ir_fmt(", no_grad_index=%d", a[0] - 1) : "";
  if (!strcmp(name, "classes")) return ir_fmt("%d", n->shape.d[1]);
  if (!strcmp(name, "perm")) {
    char *p = ir_strdup("");
    for (int i = 0; i < n->shape.n; i++) p = ir_fmt("%s%s%d", p, i ? "," : "", a[i] + 1);
    return p;
  }
  if (!strcmp(name, "window"))
    return ir_fmt("{kernel=%dx%d, stride=%dx%d, padding=%dx%d %s, layout=%s}", a[WA_KH], a[WA_KW], a[WA_SH],
                  a[WA_SW], a[WA_PH], a[WA_PW], mode[a[WA_MODE]], a[WA_LAYOUT] == WL_CONV ? "CKKNHW" : "KKNCHW");
  if (!strcmp(name, "pool"))
    return ir_fmt("{kernel=%dx%d, stride=%dx%d, padding=%dx%d}", a[WA_KH], a[WA_KW], a[WA_SH], a[WA_SW], a[WA_PH], a[WA_PW]);
  return NULL;
}

/* The node's attributes: its op's template (ops.h) filled in. */
static const char *attrs(const Node *n) {
  const char *t = op_info[n->op].attrs;
  return *t ? ir_fmt(" %s", ir_template(t, attr_value, (void *)n)) : "";
}

char *dump_node_str(const Graph *g, int id, int dtype64) {
  const Node *n = &g->nodes[id];
  char args[256] = "";
  const Leaf *l = ir_leaf(g, id);
  int k = 0;
  if (n->op == OP_CONST) {
    k = n->cname ? snprintf(args, sizeof args, " %s=%g", n->cname, n->a) : snprintf(args, sizeof args, " %g", n->a);
  } else if (l) {
    k = snprintf(args, sizeof args, " \"%s\"", q(l->name));
  }
  for (int i = 0; i < n->nin && i < (int)(sizeof n->in / sizeof n->in[0]) && k < (int)sizeof args; i++) {
    int t = (n->op == OP_MATMUL && ((i == 0 && n->ta) || (i == 1 && n->tb)));
    k += snprintf(args + k, sizeof args - (size_t)k, "%s %%%d%s", i ? "," : "", n->in[i], t ? "^T" : "");
  }
  char *s = ir_fmt("%%%d = %s%s%s : %s%s", id, op_info[n->op].name, args, attrs(n),
                   dtype_str(n->dt, dtype64), shape_str(&n->shape));
  if (n->loc.file) s = ir_fmt("%-52s # %s:%d%s", s, q(n->loc.file), n->loc.line, n->flags & NF_BACKWARD ? " backward" : "");
  return s;
}

static char *union_reach(const Graph *g, int graph_stage) {
  char *mark = ir_alloc((size_t)g->nnodes + 1), *m = ir_alloc((size_t)g->nnodes + 1);
  for (int f = 0; f < FN_COUNT; f++) {
    if (graph_stage && f != FN_FORWARD) continue;
    ir_reachable(g, g->roots[f].v, g->roots[f].n, m);
    for (int i = 0; i < g->nnodes; i++) mark[i] |= m[i];
  }
  if (g->loss >= 0) {
    ir_reachable(g, &g->loss, 1, m);
    for (int i = 0; i < g->nnodes; i++) mark[i] |= m[i];
  }
  return mark;
}

static const char *fn_names[FN_COUNT] = {"forward", "grad", "update", "eval"};

void dump_graph(FILE *f, const Graph *g, int dtype64, const char *stage) {
  int graph_stage = strcmp(stage, "graph") == 0;
  char *mark = union_reach(g, graph_stage);
  fprintf(f, "; %s: model \"%s\" after %s\n", stage, q(g->name), stage);
  for (int i = 0; i < g->nnodes; i++)
    if (mark[i]) fprintf(f, "%s\n", dump_node_str(g, i, dtype64));
  if (g->loss >= 0) fprintf(f, "; loss %%%d\n", g->loss);
  for (int k = 0; k < FN_COUNT; k++) {
    if (graph_stage && k != FN_FORWARD) continue;
    if (!g->roots[k].n) continue;
    fprintf(f, "; %s:", fn_names[k]);
    for (int i = 0; i < g->roots[k].n; i++) fprintf(f, " %%%d", g->roots[k].v[i]);
    fprintf(f, "\n");
  }
}

static const char *store_str(const Plan *p, const Store *s, int elem) {
  const Graph *g = p->g;
  switch (s->kind) {
  case S_NONE: return "fused";
  case S_ARENA: return ir_fmt("arena[%lld] (byte %lld)", (long long)s->off, (long long)s->off * elem);
  case S_INPUT: return ir_fmt("input %s", q(g->inputs[s->leaf].name));
  case S_OUTPUT: return ir_fmt("output %s", q(g->outputs[s->leaf].name));
  case S_PARAM: return ir_fmt("param[%lld] %s", (long long)s->off, q(g->params[s->leaf].name));
  case S_STATE: return ir_fmt("state[%lld] %s", (long long)s->off, q(g->states[s->leaf].name));
  case S_GRAD: return ir_fmt("grad[%lld] %s", (long long)s->off, q(g->params[s->leaf].name));
  case S_ALIAS: return "view of its input";
  }
  return "?";
}

static void dump_fused(FILE *f, const Plan *p, const FnPlan *fp, int id, int dtype64, int depth) {
  const Node *n = &p->g->nodes[id];
  for (int k = n->op == OP_ASSIGN; k < n->nin; k++) {
    int x = n->in[k];
    if (!fp->inl[x]) continue;
    fprintf(f, "%*s  fused: %s\n", 2 * depth, "", dump_node_str(p->g, x, dtype64));
    dump_fused(f, p, fp, x, dtype64, depth + 1);
  }
}

void dump_plan(FILE *f, const Plan *p, int dtype64) {
  int elem = dtype64 ? 8 : 4;
  fprintf(f, "; plan: model \"%s\": params %lld (slab %lld), state %lld, arena %lld bytes\n",
          q(p->g->name), (long long)p->param_count, (long long)p->param_slab,
          (long long)p->state_count, (long long)p->arena * elem);
  for (int k = 0; k < FN_COUNT; k++) {
    const FnPlan *fp = &p->fn[k];
    if (!fp->planned) continue;
    fprintf(f, "fn %s: %d blocks, arena %lld bytes\n", fn_names[k], fp->nsched, (long long)fp->arena * elem);
    for (int s = 0; s < fp->nsched; s++) {
      int id = fp->sched[s];
      const Store *st = &fp->store[id];
      fprintf(f, "  %s\n      -> %s\n", dump_node_str(p->g, id, dtype64),
              p->g->nodes[id].op == OP_ASSIGN ? (fp->coalesced[p->g->nodes[id].in[1]] == id ? "computed in place"
                                                 : fp->inl[p->g->nodes[id].in[1]] ? "computed into the destination" : "copy")
                                              : store_str(p, st, elem));
      dump_fused(f, p, fp, id, dtype64, 1);
    }
  }
}

/* Graphviz.  Each module is a cluster (label: its name, kind and model line) holding its
 * nodes, forward ones blue, backward ones (autodiff, the optimizer) red and dashed, leaves
 * bold; nodes of no module (inputs, the loss's own arithmetic) stand outside.  modules: one
 * node per module instead, edges where values cross between modules. */
/* one node: "%12 matmul" (and a leaf's name, escaped), its type and shape, coloured by role */
static void dot_node(FILE *f, const Graph *g, int i, const char *indent, int dtype64) {
  const Node *n = &g->nodes[i];
  const Leaf *l = ir_leaf(g, i);
  fprintf(f, "%sn%d [label=\"%%%d %s%s%s\\n%s%s\", color=\"%s\"%s];\n", indent, i, i, op_info[n->op].name, l ? " " : "",
          l ? ir_esc(l->name, RT_ESC_DOT) : "", dtype_str(n->dt, dtype64), shape_str(&n->shape),
          n->flags & NF_BACKWARD ? "#b03030" : "#1f4e9a", n->flags & NF_BACKWARD ? ", style=dashed" : (l ? ", style=bold" : ""));
}

static int by_pair(const void *a, const void *b) {
  const long long *x = a, *y = b;
  return *x < *y ? -1 : *x > *y;
}

void dump_dot(FILE *f, const Graph *g, int dtype64, int modules) {
  char *mark = union_reach(g, 0);
  int ns = g->nscopes;
  /* each node's module: its own; a parameter's, that of its first reader in a module */
  int *home = ir_alloc((size_t)g->nnodes * sizeof(int) + 1);
  for (int i = 0; i < g->nnodes; i++) {
    int s = g->nodes[i].loc.scope;
    home[i] = s > 0 && s <= ns ? s : 0;
  }
  for (int i = 0; i < g->nnodes; i++)
    for (int k = 0; mark[i] && home[i] && k < g->nodes[i].nin; k++) {
      int x = g->nodes[i].in[k];
      if (g->nodes[x].op == OP_PARAM && !home[x]) home[x] = home[i];
    }
  int *first = ir_alloc((size_t)(ns + 1) * sizeof(int)), *last = ir_alloc((size_t)(ns + 1) * sizeof(int));
  for (int s = 0; s <= ns; s++) first[s] = last[s] = -1;
  for (int i = 0; i < g->nnodes; i++) {
    int s = home[i];
    if (!mark[i] || !s) continue;
    if (first[s] < 0) first[s] = i;
    if (!(g->nodes[i].flags & NF_BACKWARD)) last[s] = i;
  }
  fprintf(f, "digraph \"%s\" {\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n", ir_esc(g->name, RT_ESC_DOT));
  fprintf(f, "  /* blue: forward, red dashed: backward (gradients, the optimizer), bold: parameters, inputs, state */\n");
  for (int s = 1; s <= ns; s++) {
    if (first[s] < 0) continue;
    const Scope *sc = ir_scope(g, s);
    const Node *n0 = &g->nodes[first[s]];
    const char *label = ir_fmt("%s %s\\n%s:%d", ir_esc(sc->name, RT_ESC_DOT), ir_esc(sc->kind, RT_ESC_DOT),
                               ir_esc(n0->loc.file ? n0->loc.file : "?", RT_ESC_DOT), n0->loc.line);
    if (modules) {
      const Node *out = last[s] >= 0 ? &g->nodes[last[s]] : n0;
      fprintf(f, "  m%d [label=\"%s\\n%s%s\", style=rounded, color=\"#1f4e9a\"];\n", s, label, dtype_str(out->dt, dtype64),
              shape_str(&out->shape));
      continue;
    }
    fprintf(f, "  subgraph \"cluster_%d\" {\n    label=\"%s\"; style=rounded; color=gray; fontname=\"monospace\"; fontsize=10;\n", s,
            label);
    for (int i = first[s]; i < g->nnodes; i++)
      if (mark[i] && home[i] == s) dot_node(f, g, i, "    ", dtype64);
    fprintf(f, "  }\n");
  }
  /* with modules: the data's path only (what depends on an input or a parameter: not the
   * constants, which hash-consing shares between modules) and no leaves but the inputs */
  char *live = ir_alloc((size_t)g->nnodes + 1);
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = &g->nodes[i];
    live[i] = n->op == OP_INPUT || n->op == OP_PARAM;
    for (int k = 0; k < n->nin; k++) live[i] |= live[n->in[k]];
  }
  /* the nodes of no module */
  char *shown = ir_alloc((size_t)g->nnodes + 1);
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = &g->nodes[i];
    if (!mark[i] || home[i]) continue;
    if (modules && (!live[i] || n->op == OP_PARAM || n->op == OP_STATE || n->op == OP_GRAD)) continue;
    shown[i] = 1;
    dot_node(f, g, i, "  ", dtype64);
  }
  if (!modules) {
    for (int i = 0; i < g->nnodes; i++)
      for (int k = 0; mark[i] && k < g->nodes[i].nin; k++) fprintf(f, "  n%d -> n%d;\n", g->nodes[i].in[k], i);
    fprintf(f, "}\n");
    return;
  }
  /* edges between modules (and the nodes outside them), each once, in a fixed order */
  long long *pairs = NULL;
  size_t np = 0, cap = 0;
  for (int i = 0; i < g->nnodes; i++) {
    if (!mark[i]) continue;
    int vi = home[i] ? -home[i] : i;
    if (vi >= 0 && !shown[i]) continue;
    for (int k = 0; k < g->nodes[i].nin; k++) {
      int j = g->nodes[i].in[k], vj = home[j] ? -home[j] : j;
      if (vj == vi || !live[j] || (vj >= 0 && !shown[j])) continue;
      if (np == cap) {
        long long *t = ir_alloc((cap = cap ? 2 * cap : 64) * sizeof *t);
        if (np) memcpy(t, pairs, np * sizeof *t);
        pairs = t;
      }
      pairs[np++] = ((long long)(vj + ns + 1) << 32) | (unsigned)(vi + ns + 1);
    }
  }
  if (np) qsort(pairs, np, sizeof *pairs, by_pair);
  for (size_t t = 0; t < np; t++) {
    if (t && pairs[t] == pairs[t - 1]) continue;
    int a = (int)(pairs[t] >> 32) - ns - 1, b = (int)(pairs[t] & 0xffffffff) - ns - 1;
    fprintf(f, "  %s%d -> %s%d;\n", a < 0 ? "m" : "n", a < 0 ? -a : a, b < 0 ? "m" : "n", b < 0 ? -b : b);
  }
  fprintf(f, "}\n");
}

double ir_node_flops(const Graph *g, int id) {
  const Node *n = &g->nodes[id];
  double numel = (double)shape_numel(&n->shape);
  switch (op_info[n->op].kind) {
  case K_MATMUL: {
    const Node *a = &g->nodes[n->in[0]];
    return 2.0 * numel * (n->ta ? a->shape.d[0] : a->shape.d[1]);
  }
  case K_E1: case K_E2: return numel;
  case K_REDUCE: return (double)shape_numel(&g->nodes[n->in[0]].shape);
  case K_ROW: case K_XENT: return 4.0 * (double)shape_numel(&g->nodes[n->in[0]].shape);
  case K_GATHER: return n->op == OP_SCATTER ? (double)shape_numel(&g->nodes[n->in[0]].shape) : 0;
  case K_LEAF: case K_CONST: case K_RAND: case K_BCAST: case K_RESHAPE: case K_TRANSP: case K_PERMUTE:
  case K_WINDOW: /* max pooling: a comparison per window element (as the max reduction it replaced) */
    if (n->op == OP_MAXPOOL || n->op == OP_MAXPOOL_BACK)
      return (double)shape_numel(&g->nodes[n->in[n->op == OP_MAXPOOL_BACK]].shape) * n->attr[WA_KH] * n->attr[WA_KW];
    return 0;
  case K_SHIFT: case K_ONEHOT: case K_PICK: case K_PHASE: case K_ASSIGN:
    return 0; /* data movement */
  }
  unreachable();
}

static double fn_flops(const Plan *p, FnKind k) {
  const FnPlan *fp = &p->fn[k];
  double total = 0;
  if (!fp->planned) return 0;
  char *m = ir_alloc((size_t)p->g->nnodes + 1);
  ir_reachable(p->g, p->g->roots[k].v, p->g->roots[k].n, m);
  for (int i = 0; i < p->g->nnodes; i++)
    if (m[i]) total += ir_node_flops(p->g, i);
  return total;
}

void dump_stats(FILE *f, const Plan *p, int dtype64) {
  const Graph *g = p->g;
  fprintf(f, "model            %s\n", q(g->name));
  int64_t buf = 0, frz = 0;
  int nbuf = 0, nfrz = 0;
  for (int i = 0; i < g->nparams; i++) {
    if (g->params[i].buffer) buf += shape_numel(&g->params[i].shape), nbuf++;
    else if (g->params[i].frozen) frz += shape_numel(&g->params[i].shape), nfrz++;
  }
  fprintf(f, "parameters       %lld in %d tensors", (long long)(p->param_count - buf), g->nparams - nbuf);
  if (nfrz) fprintf(f, ", %lld in %d frozen (not trained)", (long long)frz, nfrz);
  fprintf(f, "\n");
  if (nbuf) fprintf(f, "buffers          %lld in %d tensors (running statistics)\n", (long long)buf, nbuf);
  for (int i = 0; i < g->nparams; i++)
    fprintf(f, "  %-30s %s%s\n", q(g->params[i].name), shape_str(&g->params[i].shape),
            g->params[i].buffer ? "  buffer" : g->params[i].frozen ? "  frozen" : "");
  fprintf(f, "optimizer state  %lld\n", (long long)p->state_count);
  fprintf(f, "FLOPs forward    %.0f\n", fn_flops(p, FN_FORWARD));
  fprintf(f, "FLOPs train step %.0f\n", fn_flops(p, FN_GRAD) + fn_flops(p, FN_UPDATE));
  fprintf(f, "arena bytes      %lld\n", (long long)p->arena * (dtype64 ? 8 : 4));
}
