/* ir.c - the graph: memory, errors, shapes, hash-consed nodes, leaves, traversal and rebuild.
 *
 * Identical nodes (same op, inputs, attributes and shape) are created once (ir_add_node);
 * leaves are never merged.  The constructors of computed nodes, with each op's shape rule,
 * are in ir_ops.c. */
#include "ir.h"

#include "fileio.h"

#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

const OpInfo op_info[OP_COUNT] = {
#define OP(id, name, arity, kind, flags, attrs, expr, fold) {name, arity, kind, flags, attrs, expr},
#include "ops.h"
#undef OP
};

/* ---- memory: one list of blocks freed together --------------------------------------- */

typedef struct Block {
  struct Block *next;
  max_align_t data[];
} Block;
static Block *blocks;
static Graph **graphs; /* every graph made, for its growable arrays */
static int ngraphs;

void *ir_alloc(size_t n) {
  Block *b = calloc(1, sizeof(Block) + n);
  if (!b) die("out of memory (%zu bytes)", n);
  b->next = blocks;
  blocks = b;
  return b->data;
}

static void free_graph(Graph *g) {
  free(g->nodes);
  free(g->htab);
  free(g->inputs);
  free(g->outputs);
  free(g->params);
  free(g->states);
  for (int f = 0; f < FN_COUNT; f++) free(g->roots[f].v);
}

void ir_free_all(void) {
  for (int i = 0; i < ngraphs; i++) free_graph(graphs[i]);
  free(graphs);
  graphs = NULL;
  ngraphs = 0;
  while (blocks) {
    Block *n = blocks->next;
    free(blocks);
    blocks = n;
  }
}

char *ir_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(ir_alloc(n), s, n);
}

char *ir_fmt(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = ir_alloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

const char *ir_esc(const char *s, RtEsc ctx) {
  char *r = rt_escape(s, ctx);
  if (!r) die("out of memory");
  char *c = ir_strdup(r);
  free(r);
  return c;
}

char *ir_c_ident(const char *s) {
  char *r = rt_c_ident(s);
  if (!r) die("out of memory");
  char *c = ir_strdup(r);
  free(r);
  return c;
}

typedef struct {
  const char *text;
  size_t n;
} Text;

static int put_text(FILE *fp, void *ctx) {
  const Text *t = ctx;
  return fwrite(t->text, 1, t->n, fp) != t->n;
}

int ir_write_file(const char *path, const char *text, size_t n) {
  char err[512];
  Text t = {text, n};
  if (!rt_write_atomic(path, put_text, &t, err, sizeof err)) return 0;
  fprintf(stderr, "dlc: %s\n", ir_esc(err, RT_ESC_TERM));
  return 1;
}

_Noreturn void die_at(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "dlc: internal error at %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(this is a bug in dlc, not in your model)\n");
  exit(3);
}

char *ir_template(const char *t, const char *(*value)(const char *name, void *ctx), void *ctx) {
  char *out = ir_strdup("");
  while (*t) {
    size_t len = strcspn(t, "$"), nlen;
    out = ir_fmt("%s%.*s", out, (int)len, t);
    t += len;
    if (!*t) break;
    nlen = strspn(t + 1, "abcdefghijklmnopqrstuvwxyz0123456789");
    char name[16];
    snprintf(name, sizeof name, "%.*s", (int)nlen, t + 1);
    const char *v = value(name, ctx);
    if (!v) die("template \"%s\": no value for $%s", t, name);
    out = ir_fmt("%s%s", out, v);
    t += 1 + nlen;
  }
  return out;
}

void ivec_push(IntVec *v, int x) {
  if (v->n == v->cap) {
    v->cap = v->cap ? 2 * v->cap : 8;
    v->v = realloc(v->v, (size_t)v->cap * sizeof *v->v);
    if (!v->v) die("out of memory");
  }
  v->v[v->n++] = x;
}

/* ---- errors and shapes ----------------------------------------------------------------- */

void ir_on_error_exit(void *ctx, const char *msg) {
  (void)ctx;
  fprintf(stderr, "%s\n", msg);
  exit(1);
}

void ir_on_error_jump(void *ctx, const char *msg) {
  rt_fputs_escaped(msg, RT_ESC_TERM, stderr); /* it may quote the model's names */
  fputc('\n', stderr);
  longjmp(*(jmp_buf *)ctx, 1);
}

_Noreturn void ir_error(Graph *g, Loc loc, const char *fmt, ...) {
  char body[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  char *msg = ir_fmt("%s:%d: %s", loc.file ? loc.file : "?", loc.line, body);
  g->on_error(g->err_ctx, msg);
  exit(1); /* on_error must not return */
}

int64_t shape_numel(const Shape *s) {
  int64_t n = 1;
  for (int i = 0; i < s->n; i++) n *= s->d[i];
  return n;
}

int shape_eq(const Shape *a, const Shape *b) {
  if (a->n != b->n) return 0;
  for (int i = 0; i < a->n; i++)
    if (a->d[i] != b->d[i]) return 0;
  return 1;
}

int shape_broadcast(const Shape *a, const Shape *b, Shape *out) {
  Shape r = {a->n > b->n ? a->n : b->n, {0}};
  for (int i = 0; i < r.n; i++) {
    int ia = i - (r.n - a->n), ib = i - (r.n - b->n);
    int da = ia >= 0 ? a->d[ia] : 1, db = ib >= 0 ? b->d[ib] : 1;
    if (da != db && da != 1 && db != 1) return 0;
    r.d[i] = da == 1 ? db : da;
  }
  *out = r;
  return 1;
}

char *shape_str(const Shape *s) {
  char buf[16 * MAX_DIMS + 4];
  int k = snprintf(buf, sizeof buf, "[");
  for (int i = 0; i < s->n; i++) k += snprintf(buf + k, sizeof buf - k, i ? ",%d" : "%d", s->d[i]);
  snprintf(buf + k, sizeof buf - k, "]");
  return ir_strdup(buf);
}

/* ---- graph and hash-consing ------------------------------------------------------------ */

Graph *ir_new(void) {
  Graph *g = ir_alloc(sizeof *g);
  g->hcap = 1024;
  g->htab = malloc((size_t)g->hcap * sizeof(int));
  if (!g->htab) die("out of memory");
  memset(g->htab, -1, (size_t)g->hcap * sizeof(int));
  g->loss = -1;
  g->target = -1;
  Graph **ng = realloc(graphs, (size_t)(ngraphs + 1) * sizeof *graphs);
  if (!ng) die("out of memory");
  graphs = ng;
  graphs[ngraphs++] = g;
  g->on_error = ir_on_error_exit;
  return g;
}

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0x100000001b3ull;
}

static uint64_t dbits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static uint64_t node_hash(const Node *n) {
  uint64_t h = mix(RT_FNV1A_BASIS, (uint64_t)n->op);
  h = mix(h, (uint64_t)n->dt);
  for (int i = 0; i < n->nin; i++) h = mix(h, (uint64_t)n->in[i]);
  for (int i = 0; i < n->shape.n; i++) h = mix(h, (uint64_t)n->shape.d[i]);
  h = mix(h, (uint64_t)(n->shape.n * 131 + n->axis * 7 + n->ta * 3 + n->tb));
  h = mix(mix(h, dbits(n->a)), dbits(n->b));
  for (int i = 0; i < 8; i++) h = mix(h, (uint64_t)(int64_t)n->attr[i]);
  for (const char *c = n->cname; c && *c; c++) h = mix(h, (uint64_t)*c);
  h ^= h >> 33; /* the table indexes by the low bits: let every bit reach them */
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

static int node_same(const Node *x, const Node *y) {
  if (x->op != y->op || x->dt != y->dt || x->nin != y->nin || !shape_eq(&x->shape, &y->shape))
    return 0;
  for (int i = 0; i < x->nin; i++)
    if (x->in[i] != y->in[i]) return 0;
  if (x->axis != y->axis || x->ta != y->ta || x->tb != y->tb) return 0;
  if (dbits(x->a) != dbits(y->a) || dbits(x->b) != dbits(y->b)) return 0;
  if (memcmp(x->attr, y->attr, sizeof x->attr) != 0) return 0;
  if ((x->cname == NULL) != (y->cname == NULL)) return 0;
  return !x->cname || strcmp(x->cname, y->cname) == 0;
}

static void rehash(Graph *g) {
  free(g->htab);
  g->hcap *= 2;
  g->htab = malloc((size_t)g->hcap * sizeof(int));
  if (!g->htab) die("out of memory");
  memset(g->htab, -1, (size_t)g->hcap * sizeof(int));
  for (int i = 0; i < g->nnodes; i++) {
    if (op_info[g->nodes[i].op].flags & OF_LEAF) continue;
    uint64_t h = node_hash(&g->nodes[i]) & (uint64_t)(g->hcap - 1);
    while (g->htab[h] >= 0) h = (h + 1) & (uint64_t)(g->hcap - 1);
    g->htab[h] = i;
  }
}

/* Append n (or find its twin).  Leaves are always new. */
int ir_add_node(Graph *g, Node n) {
  n.nin = op_info[n.op].arity;
  n.loc = g->cur;
  n.flags = g->cur_flags;
  int leaf = (op_info[n.op].flags & OF_LEAF) != 0;
  uint64_t h = 0;
  if (!leaf) {
    h = node_hash(&n) & (uint64_t)(g->hcap - 1);
    for (; g->htab[h] >= 0; h = (h + 1) & (uint64_t)(g->hcap - 1))
      if (node_same(&g->nodes[g->htab[h]], &n)) return g->htab[h];
  }
  if (g->nnodes == g->cap) {
    g->cap = g->cap ? 2 * g->cap : 256;
    g->nodes = realloc(g->nodes, (size_t)g->cap * sizeof(Node));
    if (!g->nodes) die("out of memory");
  }
  int id = g->nnodes++;
  g->nodes[id] = n;
  if (!leaf) {
    g->htab[h] = id;
    if (2 * g->nnodes > g->hcap) rehash(g);
  }
  return id;
}

const Node *ir_node(const Graph *g, int id) {
  if (id < 0 || id >= g->nnodes) die("bad node id %d", id);
  return &g->nodes[id];
}

/* ---- leaves ---------------------------------------------------------------------------- */

static Leaf *leaf_push(Graph *g, Leaf **arr, int *n, int which) {
  if (*n == g->capleaf[which]) {
    g->capleaf[which] = g->capleaf[which] ? 2 * g->capleaf[which] : 16;
    *arr = realloc(*arr, (size_t)g->capleaf[which] * sizeof(Leaf));
    if (!*arr) die("out of memory");
  }
  Leaf *l = &(*arr)[(*n)++];
  memset(l, 0, sizeof *l);
  l->loc = g->cur;
  return l;
}

static int new_leaf(Graph *g, Op op, int idx, Shape s, DType dt) {
  Node n = {0};
  n.op = op;
  n.leaf = idx;
  n.shape = s;
  n.dt = dt;
  return ir_add_node(g, n);
}

int ir_input(Graph *g, const char *name, Shape s, DType dt) {
  for (int i = 0; i < g->ninputs; i++)
    if (strcmp(g->inputs[i].name, name) == 0) ir_error(g, g->cur, "input '%s' declared twice", name);
  Leaf *l = leaf_push(g, &g->inputs, &g->ninputs, 0);
  l->name = ir_strdup(name);
  l->shape = s;
  l->dt = dt;
  return l->node = new_leaf(g, OP_INPUT, g->ninputs - 1, s, dt);
}

int ir_output(Graph *g, const char *name, Shape s) {
  Leaf *l = leaf_push(g, &g->outputs, &g->noutputs, 1);
  l->name = ir_strdup(name);
  l->shape = s;
  return l->node = new_leaf(g, OP_OUTPUT, g->noutputs - 1, s, DT_FLOAT);
}

int ir_param(Graph *g, const char *name, Shape s, Init init) {
  Leaf *l = leaf_push(g, &g->params, &g->nparams, 2);
  l->name = ir_strdup(name);
  l->shape = s;
  l->init = init;
  return l->node = new_leaf(g, OP_PARAM, g->nparams - 1, s, DT_FLOAT);
}

int ir_state(Graph *g, int param, const char *slot) {
  const Node *p = param >= 0 ? ir_node(g, param) : NULL;
  if (p && p->op != OP_PARAM) die("state of a non-parameter");
  int owner = p ? p->leaf : -1;
  for (int i = 0; i < g->nstates; i++)
    if (g->states[i].owner == owner && strcmp(g->states[i].slot, slot) == 0) return g->states[i].node;
  Leaf *l = leaf_push(g, &g->states, &g->nstates, 3);
  l->owner = owner;
  l->slot = ir_strdup(slot);
  /* a parameter's slot, or the optimizer's own scalar (its step count) */
  l->name = p ? ir_fmt("optim.%s.%s", g->params[owner].name, slot) : ir_fmt("optim.%s", slot);
  l->shape = p ? p->shape : (Shape){0, {0}};
  return l->node = new_leaf(g, OP_STATE, g->nstates - 1, l->shape, DT_FLOAT);
}

int ir_grad(Graph *g, int param) {
  const Node *p = ir_node(g, param);
  if (p->op != OP_PARAM) die("gradient slot of a non-parameter");
  int leaf = p->leaf;
  if (g->params[leaf].grad) return g->params[leaf].grad - 1;
  int id = new_leaf(g, OP_GRAD, leaf, p->shape, DT_FLOAT);
  g->params[leaf].grad = id + 1;
  return id;
}

int ir_root_of(const Graph *g, int id) {
  while (g->nodes[id].op == OP_RESHAPE) id = g->nodes[id].in[0];
  return id;
}

const Leaf *ir_leaf(const Graph *g, int id) {
  const Node *n = ir_node(g, id);
  if (n->op == OP_INPUT) return &g->inputs[n->leaf];
  if (n->op == OP_OUTPUT) return &g->outputs[n->leaf];
  if (n->op == OP_PARAM || n->op == OP_GRAD) return &g->params[n->leaf];
  if (n->op == OP_STATE) return &g->states[n->leaf];
  return NULL;
}

/* ---- the graph's fields and its leaves' flags ------------------------------------------- */

void ir_add_root(Graph *g, FnKind fn, int node) {
  if (fn < 0 || fn >= FN_COUNT) die("bad function %d", (int)fn);
  ir_node(g, node);
  ivec_push(&g->roots[fn], node);
}

void ir_set_name(Graph *g, const char *name) { g->name = ir_strdup(name); }

void ir_set_loss(Graph *g, int node) {
  if (node >= 0) ir_node(g, node);
  g->loss = node < 0 ? -1 : node;
}

void ir_set_target(Graph *g, int input) {
  if (input >= g->ninputs) die("target input %d of %d", input, g->ninputs);
  g->target = input < 0 ? -1 : input;
}

void ir_set_hash(Graph *g, uint64_t hash) { g->hash = hash; }

void ir_set_loc(Graph *g, Loc loc) { g->cur = loc; }

int ir_scope_new(Graph *g, const char *name, const char *kind) {
  if (g->nscopes == g->capscopes) {
    Scope *ns = ir_alloc((size_t)(g->capscopes = g->capscopes ? 2 * g->capscopes : 64) * sizeof *ns);
    if (g->nscopes) memcpy(ns, g->scopes, (size_t)g->nscopes * sizeof *ns);
    g->scopes = ns;
  }
  g->scopes[g->nscopes] = (Scope){ir_strdup(name), ir_strdup(kind)};
  return ++g->nscopes;
}

void ir_scope_rename(Graph *g, int scope, const char *name) {
  if (scope < 1 || scope > g->nscopes) die("no scope %d", scope);
  g->scopes[scope - 1].name = ir_strdup(name);
}

const Scope *ir_scope(const Graph *g, int scope) {
  return scope >= 1 && scope <= g->nscopes ? &g->scopes[scope - 1] : NULL;
}

void ir_set_flags(Graph *g, unsigned flags) { g->cur_flags = flags; }

void ir_set_on_error(Graph *g, void (*on_error)(void *ctx, const char *msg), void *ctx) {
  g->on_error = on_error;
  g->err_ctx = ctx;
}

/* The table entry of a leaf node of op `op`; die() when node is another kind. */
static Leaf *leaf_of(Graph *g, int node, Op op, Leaf *table, const char *what) {
  const Node *n = ir_node(g, node);
  if (n->op != op) die("%%%d is not %s", node, what);
  return &table[n->leaf];
}

void ir_rename_param(Graph *g, int param, const char *name) {
  leaf_of(g, param, OP_PARAM, g->params, "a parameter")->name = ir_strdup(name);
}

void ir_mark_buffer(Graph *g, int param) { leaf_of(g, param, OP_PARAM, g->params, "a parameter")->buffer = 1; }

void ir_mark_frozen(Graph *g, int param) { leaf_of(g, param, OP_PARAM, g->params, "a parameter")->frozen = 1; }

int ir_trained(const Graph *g, int i) { return !g->params[i].buffer && !g->params[i].frozen; }

void ir_mark_eval_only(Graph *g, int output) {
  leaf_of(g, output, OP_OUTPUT, g->outputs, "an output")->eval_only = 1;
}

/* ---- traversal and rebuild ------------------------------------------------------------- */

void ir_reachable(const Graph *g, const int *roots, int nroots, char *mark) {
  memset(mark, 0, (size_t)g->nnodes);
  for (int i = 0; i < nroots; i++) mark[roots[i]] = 1;
  for (int i = g->nnodes - 1; i >= 0; i--)
    if (mark[i])
      for (int k = 0; k < g->nodes[i].nin; k++) mark[g->nodes[i].in[k]] = 1;
}

/* the nodes some function's roots reach */
static char *reachable_all(const Graph *g) {
  char *mark = ir_alloc((size_t)g->nnodes + 1), *m = ir_alloc((size_t)g->nnodes + 1);
  for (int f = 0; f < FN_COUNT; f++) {
    ir_reachable(g, g->roots[f].v, g->roots[f].n, m);
    for (int i = 0; i < g->nnodes; i++) mark[i] |= m[i];
  }
  return mark;
}

void ir_users(const Graph *g, int **count) {
  int *c = ir_alloc((size_t)g->nnodes * sizeof(int) + 1);
  char *mark = reachable_all(g);
  for (int i = 0; i < g->nnodes; i++)
    if (mark[i])
      for (int k = 0; k < g->nodes[i].nin; k++) c[g->nodes[i].in[k]]++;
  *count = c;
}

void ir_readers(const Graph *g, int **count, int ***readers) {
  ir_users(g, count);
  char *mark = reachable_all(g);
  int **r = ir_alloc((size_t)g->nnodes * sizeof(int *) + 1), *fill = ir_alloc((size_t)g->nnodes * sizeof(int) + 1);
  for (int i = 0; i < g->nnodes; i++) r[i] = ir_alloc((size_t)(*count)[i] * sizeof(int) + 1);
  for (int i = 0; i < g->nnodes; i++)
    if (mark[i])
      for (int k = 0; k < g->nodes[i].nin; k++) {
        int x = g->nodes[i].in[k];
        r[x][fill[x]++] = i;
      }
  *readers = r;
}

/* An empty graph with g's name, hash, module scopes (fixed once the model ran) and error
 * handler: what a rebuild starts from. */
static Graph *graph_like(const Graph *g) {
  Graph *ng = ir_new();
  ng->name = g->name;
  ng->hash = g->hash;
  ng->scopes = g->scopes;
  ng->nscopes = ng->capscopes = g->nscopes;
  ng->on_error = g->on_error;
  ng->err_ctx = g->err_ctx;
  return ng;
}

/* Marks what the roots of `fns` (and the loss, when with_loss) read, following a PHASE node
 * into its input `side` only. */
static void reach_pass(const Graph *g, const FnKind *fns, int nfns, int with_loss, int side, char *mark) {
  memset(mark, 0, (size_t)g->nnodes);
  for (int f = 0; f < nfns; f++)
    for (int r = 0; r < g->roots[fns[f]].n; r++) mark[g->roots[fns[f]].v[r]] = 1;
  if (with_loss && g->loss >= 0) mark[g->loss] = 1;
  for (int i = g->nnodes - 1; i >= 0; i--) {
    if (!mark[i]) continue;
    const Node *n = &g->nodes[i];
    if (n->op == OP_PHASE) mark[n->in[side]] = 1;
    else
      for (int k = 0; k < n->nin; k++) mark[n->in[k]] = 1;
  }
}

/* A node of og copied into ng with its inputs mapped (parameter indices through leafmap, when
 * given), at its own location and flags. */
static int copy_mapped(Graph *ng, const Graph *og, int old, const int *map, const int *leafmap) {
  Node n = og->nodes[old];
  for (int k = 0; k < n.nin; k++) n.in[k] = map[n.in[k]];
  if (n.op == OP_PARAM && leafmap) n.leaf = leafmap[n.leaf];
  Loc saved = ng->cur;
  unsigned fl = ng->cur_flags;
  ng->cur = n.loc;
  ng->cur_flags = n.flags;
  int id = ir_add_node(ng, n);
  ng->cur = saved;
  ng->cur_flags = fl;
  return id;
}

Graph *ir_resolve_phases(const Graph *g, int *dropped, const Leaf **dropped_leaves) {
  static const FnKind train_fns[] = {FN_GRAD, FN_UPDATE}, eval_fns[] = {FN_FORWARD, FN_EVAL};
  char *mt = ir_alloc((size_t)g->nnodes + 1), *me = ir_alloc((size_t)g->nnodes + 1);
  reach_pass(g, train_fns, 2, 1, 0, mt);
  reach_pass(g, eval_fns, 2, 0, 1, me);
  int phases = 0, unused = 0;
  for (int i = 0; i < g->nnodes; i++) phases += g->nodes[i].op == OP_PHASE;
  Leaf *gone = ir_alloc((size_t)(g->nparams + 1) * sizeof(Leaf));
  int *leafmap = ir_alloc((size_t)(g->nparams + 1) * sizeof(int));
  for (int i = 0, k = 0; i < g->nparams; i++) {
    int used = mt[g->params[i].node] || me[g->params[i].node];
    if (!used) gone[unused++] = g->params[i];
    leafmap[i] = used ? k++ : -1;
  }
  if (dropped) *dropped = unused;
  if (dropped_leaves) *dropped_leaves = gone;
  if (!phases && !unused) return (Graph *)g;
  Graph *ng = graph_like(g);
  ng->target = g->target;
  ng->cur = g->cur;
  Leaf *const *src[4] = {&g->inputs, &g->outputs, &g->params, &g->states};
  Leaf **dst[4] = {&ng->inputs, &ng->outputs, &ng->params, &ng->states};
  const int *cnt[4] = {&g->ninputs, &g->noutputs, &g->nparams, &g->nstates};
  int *ncnt[4] = {&ng->ninputs, &ng->noutputs, &ng->nparams, &ng->nstates};
  for (int t = 0; t < 4; t++) {
    *dst[t] = malloc((size_t)(*cnt[t] + 1) * sizeof(Leaf));
    if (!*dst[t]) die("out of memory");
    int k = 0;
    for (int i = 0; i < *cnt[t]; i++)
      if (t != 2 || leafmap[i] >= 0) (*dst[t])[k++] = (*src[t])[i];
    *ncnt[t] = ng->capleaf[t] = k;
  }
  if (g->nstates) die("ir_resolve_phases runs before the optimizer");
  int *tmap = ir_alloc((size_t)g->nnodes * sizeof(int) + 1), *emap = ir_alloc((size_t)g->nnodes * sizeof(int) + 1);
  for (int i = 0; i < g->nnodes; i++) {
    tmap[i] = emap[i] = -1;
    const Node *n = &g->nodes[i];
    int leaf = (op_info[n->op].flags & OF_LEAF) != 0;
    if (leaf && (n->op != OP_PARAM || leafmap[n->leaf] >= 0)) { /* every input and output stays */
      tmap[i] = emap[i] = copy_mapped(ng, g, i, tmap, leafmap);
      continue;
    }
    if (n->op == OP_PHASE) {
      if (mt[i]) tmap[i] = tmap[n->in[0]];
      if (me[i]) emap[i] = emap[n->in[1]];
      continue;
    }
    if (mt[i]) tmap[i] = copy_mapped(ng, g, i, tmap, leafmap);
    if (me[i]) emap[i] = copy_mapped(ng, g, i, emap, leafmap);
  }
  for (int f = 0; f < FN_COUNT; f++) {
    const int *map = f == FN_FORWARD || f == FN_EVAL ? emap : tmap;
    for (int r = 0; r < g->roots[f].n; r++) ivec_push(&ng->roots[f], map[g->roots[f].v[r]]);
  }
  ng->loss = g->loss >= 0 ? tmap[g->loss] : -1;
  Leaf *tabs[3] = {ng->inputs, ng->outputs, ng->params};
  int counts[3] = {ng->ninputs, ng->noutputs, ng->nparams};
  for (int t = 0; t < 3; t++)
    for (int i = 0; i < counts[t]; i++) tabs[t][i].node = tmap[tabs[t][i].node];
  return ng;
}

int ir_copy_node(Graph *ng, const Graph *og, int old, const int *map) {
  const Node *n = &og->nodes[old];
  if (op_info[n->op].flags & OF_LEAF) {
    /* leaves keep their table index; the tables are shared with the old graph */
    for (int i = 0; i < ng->nnodes; i++)
      if (ng->nodes[i].op == n->op && ng->nodes[i].leaf == n->leaf) return i;
  }
  return copy_mapped(ng, og, old, map, NULL);
}

Graph *ir_rebuild(const Graph *g, RewriteFn fn, void *ctx) {
  Graph *ng = graph_like(g);
  /* leaf tables are copied so leaf indices stay valid; their node ids are fixed up below */
  Leaf *const *src[4] = {&g->inputs, &g->outputs, &g->params, &g->states};
  Leaf **dst[4] = {&ng->inputs, &ng->outputs, &ng->params, &ng->states};
  const int *cnt[4] = {&g->ninputs, &g->noutputs, &g->nparams, &g->nstates};
  int *ncnt[4] = {&ng->ninputs, &ng->noutputs, &ng->nparams, &ng->nstates};
  for (int t = 0; t < 4; t++) {
    *ncnt[t] = ng->capleaf[t] = *cnt[t];
    *dst[t] = malloc((size_t)(*cnt[t] + 1) * sizeof(Leaf));
    if (!*dst[t]) die("out of memory");
    if (*cnt[t]) memcpy(*dst[t], *src[t], (size_t)*cnt[t] * sizeof(Leaf));
  }
  char *mark = reachable_all(g);
  /* every leaf stays, so the model's tables and the emitted struct keep their layout */
  for (int i = 0; i < g->nnodes; i++)
    if ((op_info[g->nodes[i].op].flags & OF_LEAF) && g->nodes[i].op != OP_GRAD) mark[i] = 1;
  if (g->loss >= 0) mark[g->loss] = 1;
  int *map = ir_alloc((size_t)g->nnodes * sizeof(int) + 1);
  for (int i = 0; i < g->nnodes; i++) {
    map[i] = -1;
    if (!mark[i]) continue;
    int r = fn ? fn(ng, g, i, map, ctx) : -1;
    map[i] = r >= 0 ? r : ir_copy_node(ng, g, i, map);
  }
  for (int f = 0; f < FN_COUNT; f++)
    for (int i = 0; i < g->roots[f].n; i++) ivec_push(&ng->roots[f], map[g->roots[f].v[i]]);
  ng->loss = g->loss >= 0 ? map[g->loss] : -1;
  ng->target = g->target;
  Leaf *tabs[4] = {ng->inputs, ng->outputs, ng->params, ng->states};
  int counts[4] = {ng->ninputs, ng->noutputs, ng->nparams, ng->nstates};
  for (int t = 0; t < 4; t++)
    for (int i = 0; i < counts[t]; i++) tabs[t][i].node = map[tabs[t][i].node];
  for (int i = 0; i < ng->nparams; i++) /* a gradient slot no function uses is gone */
    if (ng->params[i].grad) ng->params[i].grad = map[ng->params[i].grad - 1] + 1;
  return ng;
}
