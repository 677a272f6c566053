/* emit_c.c - writes net.c and net.h from a planned graph.
 *
 * Every scheduled node becomes one block: a comment naming the IR node and its model line,
 * restrict pointers to the buffers it touches, and a loop nest whose bounds are literals.
 * Elementwise expressions inlined by the planner are generated inside their user's loop.
 * Index arithmetic is affine over "original" iteration variables; adjacent iteration
 * dimensions that every access walks contiguously are merged into one loop, and loops of at
 * most --unroll iterations are unrolled into straight-line code with folded indices.
 * Output is deterministic: it depends only on the plan and the options. */
#include "ir.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAXV = 3 * MAX_DIMS, MAXBUF = 64, OMP_MIN_MACS = 1 << 16 };

typedef struct {
  int64_t c;
  int64_t k[MAXV]; /* coefficient per original variable */
} Aff;

typedef struct {
  StoreKind kind;
  int64_t off;
  int leaf;
  const char *name;
  int written;
  int is_int; /* int32 class indices */
} Buf;

/* A map from strings to ints (open addressing; keys are not copied). */
typedef struct {
  const char **key;
  int *val;
  size_t cap, n;
} StrMap;

typedef struct {
  FILE *f;     /* current output (a block's body while it is generated) */
  const Plan *p;
  const Graph *g;
  const EmitOptions *o;
  const FnPlan *fp;
  const char *pre, *PRE, *real;
  int d64;
  int ind;
  /* loop variables (a stack) and original variables */
  int nlv;
  struct {
    int64_t size;
    int lit;
    int64_t val;
    const char *alias; /* printed instead of the variable (a split loop: "(i3 + i4)") */
  } lv[MAXV];
  int nov;
  struct {
    int lv;   /* loop variable it lives in; -1: always 0 */
    int last; /* innermost dimension of its loop variable */
  } ov[MAXV];
  Buf buf[MAXBUF];
  int nbuf;
  const char **in_names, **out_names;
  const char **param_ids, **state_ids; /* unique C identifiers (name_io) */
  int uses_rng;        /* the block draws random numbers: its kernel takes seed and step */
  FILE *kf;            /* kernels: one static function per distinct block */
  StrMap kernels;      /* each kernel's parameters and body -> 1 + its index in kname */
  StrMap twins;        /* a kernel's base name -> how many kernels have it */
  const char **kname;
  int nk, capk;
} Em;

/* ---- small printing helpers ---------------------------------------------------------------- */

static void line(Em *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(Em *e, const char *fmt, ...) {
  for (int i = 0; i < e->ind; i++) fputs("  ", e->f);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(e->f, fmt, ap);
  va_end(ap);
  fputc('\n', e->f);
}

static const char *lit(const Em *e, double v) {
  if (isinf(v)) return v < 0 ? "(-INFINITY)" : "INFINITY"; /* clamp with one bound */
  char b[64];
  snprintf(b, sizeof b, e->d64 ? "%.17g" : "%.9g", v);
  if (!strpbrk(b, ".eEn")) strcat(b, ".0");
  if (!e->d64) strcat(b, "f");
  return v < 0 ? ir_fmt("(%s)", b) : ir_strdup(b);
}

/* The vector type of the register-tiled kernels and its lane count (32 bytes: any ISA). */
static const char *vtype(const Em *e) { return e->d64 ? "dlc_v4d" : "dlc_v8f"; }
static int vlanes(const Em *e) { return e->d64 ? 4 : 8; }

static const char *fn(const Em *e, const char *name) { return e->d64 ? name : ir_fmt("%sf", name); }

static char *upper(const char *s) {
  char *r = ir_strdup(s);
  for (char *c = r; *c; c++) *c = (char)toupper((unsigned char)*c);
  return r;
}

/* ---- names from the model --------------------------------------------------------------
 * Parameter, state and input names come from the model file.  Each becomes a C identifier
 * (rt_c_ident) that is unique in its namespace, compared case-insensitively because the
 * header's macros use the upper-case form: the second of two names that map to one identifier
 * gets "_2" (then "_3", ...).  Everything else from the model reaches the output through
 * ir_esc (comments, string literals). */
static uint64_t fnv1a(const char *s);

/* The value of key, created as 0 when absent. */
static int *sm_get(StrMap *m, const char *key) {
  if (2 * (m->n + 1) > m->cap) {
    StrMap t = {0};
    t.cap = m->cap ? 2 * m->cap : 64;
    t.key = ir_alloc(t.cap * sizeof(char *));
    t.val = ir_alloc(t.cap * sizeof(int));
    for (size_t i = 0; i < m->cap; i++)
      if (m->key[i]) *sm_get(&t, m->key[i]) = m->val[i];
    *m = t;
  }
  size_t i = fnv1a(key) & (m->cap - 1);
  for (; m->key[i]; i = (i + 1) & (m->cap - 1))
    if (strcmp(m->key[i], key) == 0) return &m->val[i];
  m->key[i] = key;
  m->n++;
  return &m->val[i];
}

typedef StrMap NameSet; /* upper-case names -> 1 */

static int ns_add(NameSet *s, const char *name) {
  int *v = sm_get(s, upper(name));
  if (*v) return 0;
  return *v = 1;
}

/* base, or base_2, base_3, ...: the first not yet in s, added to it. */
static const char *ns_unique(NameSet *s, const char *base) {
  if (ns_add(s, base)) return base;
  for (int k = 2;; k++) {
    const char *c = ir_fmt("%s_%d", base, k);
    if (ns_add(s, c)) return c;
  }
}

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* ---- buffers ----------------------------------------------------------------------------- */

static int root_of(const Graph *g, int id) {
  while (g->nodes[id].op == OP_RESHAPE) id = g->nodes[id].in[0];
  return id;
}

static const char *store_name(const Em *e, const Store *s, int id) {
  switch (s->kind) {
  case S_INPUT: return e->in_names[s->leaf];
  case S_OUTPUT: return e->out_names[s->leaf];
  case S_PARAM: return ir_fmt("p_%s", e->param_ids[s->leaf]);
  case S_GRAD: return ir_fmt("g_%s", e->param_ids[s->leaf]);
  case S_STATE: return ir_fmt("s_%s", e->state_ids[s->leaf]);
  case S_ARENA: return ir_fmt("t%d", id);
  default: die("no storage for %%%d", id);
  }
}

/* The name of node id's buffer in the current block (declared when the block closes). */
static const char *buffer(Em *e, int id, int write) {
  id = root_of(e->g, id);
  const Store *s = &e->fp->store[id];
  for (int i = 0; i < e->nbuf; i++)
    if (e->buf[i].kind == s->kind && e->buf[i].off == s->off && e->buf[i].leaf == s->leaf) {
      e->buf[i].written |= write;
      return e->buf[i].name;
    }
  if (e->nbuf == MAXBUF) die("too many buffers in one block");
  Buf *b = &e->buf[e->nbuf++];
  *b = (Buf){s->kind, s->off, s->leaf, store_name(e, s, id), write, e->g->nodes[id].dt == DT_INT};
  return b->name;
}

static const char *slab(StoreKind k) {
  switch (k) {
  case S_PARAM: return "m->param";
  case S_GRAD: return "m->grad";
  case S_STATE: return "m->state";
  case S_ARENA: return "m->arena";
  default: return NULL;
  }
}

/* ---- affine indices and loops -------------------------------------------------------------- */

static char *aff_str(const Em *e, const Aff *a) {
  int64_t c = a->c;
  char buf[512];
  int n = 0;
  buf[0] = 0;
  for (int v = 0; v < e->nov; v++) {
    if (!a->k[v] || e->ov[v].lv < 0) continue;
    if (!e->ov[v].last) continue; /* folded into the merged loop's innermost coefficient */
    int l = e->ov[v].lv;
    if (e->lv[l].lit) {
      c += a->k[v] * e->lv[l].val;
      continue;
    }
    n += snprintf(buf + n, sizeof buf - (size_t)n, "%s", n ? " + " : "");
    const char *var = e->lv[l].alias ? e->lv[l].alias : ir_fmt("i%d", l);
    if (a->k[v] == 1) n += snprintf(buf + n, sizeof buf - (size_t)n, "%s", var);
    else n += snprintf(buf + n, sizeof buf - (size_t)n, "%lld*%s", (long long)a->k[v], var);
  }
  if (c || !n) n += snprintf(buf + n, sizeof buf - (size_t)n, n ? " + %lld" : "%lld", (long long)c);
  return ir_strdup(buf);
}

static Aff aff_var(int v) {
  Aff a = {0, {0}};
  a.k[v] = 1;
  return a;
}

static Aff aff_zero(void) { return (Aff){0, {0}}; }

/* Linear index of element idx[] of a row-major tensor of shape s. */
static Aff linear(const Shape *s, const Aff *idx) {
  Aff r = aff_zero();
  int64_t stride = 1;
  for (int d = s->n - 1; d >= 0; d--) {
    if (s->d[d] > 1) {
      r.c += stride * idx[d].c;
      for (int v = 0; v < MAXV; v++) r.k[v] += stride * idx[d].k[v];
    }
    stride *= s->d[d];
  }
  return r;
}

typedef void (*BodyFn)(Em *e, void *ctx);

static int unrolled(const Em *e, int64_t n) { return n <= 1 || e->o->unroll < 0 || n <= e->o->unroll; }

/* One loop over a new loop variable of n iterations around body. */
static void loop(Em *e, int64_t n, BodyFn body, void *ctx) {
  int l = e->nlv++;
  if (l >= MAXV) die("loop nest too deep");
  e->lv[l].size = n;
  e->lv[l].alias = NULL;
  if (unrolled(e, n)) {
    e->lv[l].lit = 1;
    for (int64_t v = 0; v < n; v++) {
      e->lv[l].val = v;
      body(e, ctx);
    }
  } else {
    e->lv[l].lit = 0;
    line(e, "for (int i%d = 0; i%d < %lld; i%d++) {", l, l, (long long)n, l);
    e->ind++;
    body(e, ctx);
    e->ind--;
    line(e, "}");
  }
  e->nlv--;
}

/* A nest over the given loop sizes (outermost first). */
typedef struct {
  const int64_t *sizes;
  int n, at;
  BodyFn body;
  void *ctx;
} Nest;

static void nest_step(Em *e, void *ctx) {
  Nest *ns = ctx;
  if (ns->at == ns->n) {
    ns->body(e, ns->ctx);
    return;
  }
  int64_t sz = ns->sizes[ns->at++];
  loop(e, sz, nest_step, ns);
  ns->at--;
}

static void nest(Em *e, const int64_t *sizes, int n, BodyFn body, void *ctx) {
  Nest ns = {sizes, n, 0, body, ctx};
  nest_step(e, &ns);
}

/* Original variables 0..n-1 each in its own loop variable, starting at the current depth. */
static void plain_vars(Em *e, int n) {
  e->nov = n;
  for (int v = 0; v < n; v++) e->ov[v].lv = e->nlv + v, e->ov[v].last = 1;
}

/* ---- expressions --------------------------------------------------------------------------- */

static const char *expr(Em *e, int id, const Aff *idx);

/* Index of child c (right-aligned, broadcast) of a node with shape s at idx. */
static void child_idx(const Graph *g, const Shape *s, int c, const Aff *idx, Aff *out) {
  const Shape *cs = &g->nodes[c].shape;
  int off = s->n - cs->n;
  for (int j = 0; j < cs->n; j++) out[j] = cs->d[j] == 1 ? aff_zero() : idx[j + off];
}

static const char *read(Em *e, int id, const Aff *idx) {
  const Graph *g = e->g;
  int r = root_of(g, id);
  if (g->nodes[r].op == OP_CONST) return expr(e, r, idx);
  if (e->fp->inl[id]) return expr(e, id, idx);
  Aff lin = linear(&g->nodes[id].shape, idx);
  return ir_fmt("%s[%s]", buffer(e, id, 0), aff_str(e, &lin));
}

static const char *unary(Em *e, const Node *n, const char *a) {
  switch (n->op) {
  case OP_NEG: return ir_fmt("(-%s)", a);
  case OP_EXP: return ir_fmt("%s(%s)", fn(e, "exp"), a);
  case OP_LOG: return ir_fmt("%s(%s)", fn(e, "log"), a);
  case OP_SQRT: return ir_fmt("%s(%s)", fn(e, "sqrt"), a);
  case OP_ABS: return ir_fmt("%s(%s)", fn(e, "fabs"), a);
  case OP_TANH: return ir_fmt("%s(%s)", fn(e, "tanh"), a);
  case OP_SIGMOID: return ir_fmt("dlc_sigmoid(%s)", a);
  case OP_RELU: return ir_fmt("dlc_relu(%s)", a);
  case OP_STEP: return ir_fmt("dlc_step(%s)", a);
  case OP_SIGN: return ir_fmt("dlc_sign(%s)", a);
  case OP_CLAMP: return ir_fmt("dlc_clamp(%s, %s, %s)", a, lit(e, n->a), lit(e, n->b));
  case OP_INRANGE: return ir_fmt("dlc_inrange(%s, %s, %s)", a, lit(e, n->a), lit(e, n->b));
  default: die("not unary: %s", op_info[n->op].name);
  }
}

static const char *binary(Em *e, const Node *n, const char *a, const char *b) {
  const Node *bn = &e->g->nodes[n->in[1]];
  switch (n->op) {
  case OP_ADD: return ir_fmt("(%s + %s)", a, b);
  case OP_SUB: return ir_fmt("(%s - %s)", a, b);
  case OP_MUL: return ir_fmt("(%s * %s)", a, b);
  case OP_DIV: return ir_fmt("(%s / %s)", a, b);
  case OP_POW:
    if (bn->op == OP_CONST && bn->a == 2) return ir_fmt("dlc_sq(%s)", a);
    if (bn->op == OP_CONST && bn->a == 1) return a;
    return ir_fmt("%s(%s, %s)", fn(e, "pow"), a, b);
  default: die("not binary: %s", op_info[n->op].name);
  }
}

/* The value of node id at idx, computed from its inputs. */
static const char *expr(Em *e, int id, const Aff *idx) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id];
  Aff ci[MAX_DIMS];
  switch (op_info[n->op].kind) {
  case K_CONST:
    return n->cname ? ir_fmt("%s_%s", e->PRE, n->cname) : lit(e, n->a);
  case K_E1:
    child_idx(g, &n->shape, n->in[0], idx, ci);
    return unary(e, n, read(e, n->in[0], ci));
  case K_E2: {
    child_idx(g, &n->shape, n->in[0], idx, ci);
    const char *a = read(e, n->in[0], ci);
    child_idx(g, &n->shape, n->in[1], idx, ci);
    return binary(e, n, a, read(e, n->in[1], ci));
  }
  case K_BCAST:
    child_idx(g, &n->shape, n->in[0], idx, ci);
    return read(e, n->in[0], ci);
  case K_PERMUTE:
    for (int i = 0; i < n->shape.n; i++) ci[n->attr[i]] = idx[i];
    return read(e, n->in[0], ci);
  case K_ONEHOT:
    return ir_fmt("(%s == %s ? %s : %s)", read(e, n->in[0], idx), aff_str(e, &idx[1]), lit(e, 1),
                  lit(e, 0));
  case K_RAND: {
    Aff lin = linear(&n->shape, idx);
    e->uses_rng = 1;
    return ir_fmt("dlc_rand(seed, step, UINT64_C(%d), %lld, %s)", n->axis, (long long)shape_numel(&n->shape),
                  aff_str(e, &lin));
  }
  case K_RESHAPE: case K_LEAF:
    return read(e, id, idx);
  default: die("no expression for %s", op_info[n->op].name);
  }
}

/* ---- access masks: which iteration dims each access walks -------------------------------- */

typedef struct {
  int nacc;
  unsigned mask[256];
  unsigned isolated; /* dims that may not merge with a neighbour */
  unsigned split;    /* dims that may not merge with the dim before them */
} Masks;

static void add_mask(Masks *m, const Shape *s, const int *map) {
  unsigned bits = 0;
  for (int j = 0; j < s->n; j++)
    if (s->d[j] > 1 && map[j] >= 0) bits |= 1u << map[j];
  if (m->nacc < 256) m->mask[m->nacc++] = bits;
  else m->isolated = ~0u;
}

static void masks_of(const Em *e, int id, const int *map, Masks *m, int as_root) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id];
  int cmap[MAX_DIMS];
  if (n->op == OP_CONST || g->nodes[root_of(g, id)].op == OP_CONST) return;
  if (!as_root && !e->fp->inl[id]) {
    add_mask(m, &n->shape, map);
    return;
  }
  if (n->op == OP_ONEHOT) {
    for (int j = 0; j < 2; j++)
      if (map[j] >= 0) m->isolated |= 1u << map[j];
  }
  if (n->op == OP_RAND) add_mask(m, &n->shape, map); /* reads its own linear index */
  if (n->op == OP_PERMUTE) {
    /* dims stay mergeable only where the input walks them in the same order */
    const Shape *cs = &g->nodes[n->in[0]].shape;
    for (int j = 0; j < cs->n; j++) cmap[j] = -1;
    for (int i = 0; i < n->shape.n; i++) {
      if (map[i] < 0) continue;
      if (!(i > 0 && map[i - 1] == map[i] - 1 && n->attr[i] == n->attr[i - 1] + 1)) m->split |= 1u << map[i];
      if (cs->d[n->attr[i]] > 1) cmap[n->attr[i]] = map[i];
    }
    masks_of(e, n->in[0], cmap, m, 0);
    return;
  }
  for (int k = 0; k < n->nin; k++) {
    const Shape *cs = &g->nodes[n->in[k]].shape;
    int off = n->shape.n - cs->n;
    for (int j = 0; j < cs->n; j++) cmap[j] = cs->d[j] == 1 ? -1 : map[j + off];
    masks_of(e, n->in[k], cmap, m, 0);
  }
}

/* Set up original variables for iteration space s and return the merged loop sizes. */
static int merge_space(Em *e, const Shape *s, const Masks *m, int64_t *sizes) {
  int nl = 0, prev = -1;
  e->nov = s->n;
  for (int d = 0; d < s->n; d++) {
    if (s->d[d] == 1) {
      e->ov[d].lv = -1;
      continue;
    }
    int merge = prev >= 0 && !((m->isolated >> d) & 1) && !((m->isolated >> prev) & 1) && !((m->split >> d) & 1);
    for (int a = 0; merge && a < m->nacc; a++)
      if (((m->mask[a] >> d) & 1) != ((m->mask[a] >> prev) & 1)) merge = 0;
    if (merge) {
      e->ov[prev].last = 0;
      sizes[nl - 1] *= s->d[d];
    } else {
      sizes[nl++] = s->d[d];
    }
    e->ov[d].lv = e->nlv + nl - 1;
    e->ov[d].last = 1;
    prev = d;
  }
  return nl;
}

static void ident_idx(const Shape *s, Aff *idx) {
  for (int d = 0; d < s->n; d++) idx[d] = s->d[d] == 1 ? aff_zero() : aff_var(d);
}

/* ---- blocks -------------------------------------------------------------------------------- */

typedef struct {
  int id;     /* node whose block this is */
  int src;    /* node whose value is computed (the node, or an assign's value) */
  int dst;    /* node whose storage is written */
  int reduce; /* 0 store, 1 sum, 2 max */
  int root;   /* src is computed from its inputs (not read) */
} Elem;

/* The value an elementwise block computes at the current loop variables, and where it goes. */
static const char *elem_value(Em *e, const Elem *el, const char **out) {
  const Graph *g = e->g;
  const Shape *space = el->reduce ? &g->nodes[g->nodes[el->id].in[0]].shape : &g->nodes[el->src].shape;
  Aff idx[MAX_DIMS], oidx[MAX_DIMS];
  ident_idx(space, idx);
  const char *v = el->root ? expr(e, el->src, idx) : read(e, el->src, idx);
  child_idx(g, space, el->dst, idx, oidx);
  for (int d = 0; d < g->nodes[el->dst].shape.n; d++)
    if (g->nodes[el->dst].shape.d[d] == 1) oidx[d] = aff_zero();
  Aff lin = linear(&g->nodes[el->dst].shape, oidx);
  *out = ir_fmt("%s[%s]", buffer(e, el->dst, 1), aff_str(e, &lin));
  return v;
}

static void elem_body(Em *e, void *ctx) {
  Elem *el = ctx;
  const char *out, *v = elem_value(e, el, &out);
  if (el->reduce == 1) line(e, "%s += %s;", out, v);
  else if (el->reduce == 2) line(e, "%s = dlc_max(%s, %s);", out, out, v);
  else line(e, "%s = %s;", out, v);
}

/* A sum whose innermost loop runs along reduced dims: VL partial sums (the lanes of a
 * vector, which the C compiler vectorizes), added pairwise in a fixed order, then the tail. */
typedef struct {
  Elem *el;
  int64_t len;
} VSum;

static void vsum_body(Em *e, void *ctx) {
  VSum *vs = ctx;
  int VL = vlanes(e), l = e->nlv;
  int64_t Lv = vs->len / VL * VL;
  const char *out, *v;
  line(e, "{");
  e->ind++;
  line(e, "%s r_part[%d] = {0};", e->real, VL);
  e->nlv = l + 2;
  e->lv[l].size = vs->len, e->lv[l].lit = 0, e->lv[l].val = 0;
  e->lv[l].alias = ir_fmt("(i%d + i%d)", l, l + 1);
  v = elem_value(e, vs->el, &out);
  line(e, "for (int i%d = 0; i%d < %lld; i%d += %d)", l, l, (long long)Lv, l, VL);
  line(e, "  for (int i%d = 0; i%d < %d; i%d++) r_part[i%d] += %s;", l + 1, l + 1, VL, l + 1, l + 1, v);
  line(e, "for (int i%d = %d; i%d > 0; i%d /= 2)", l, VL / 2, l, l);
  line(e, "  for (int i%d = 0; i%d < i%d; i%d++) r_part[i%d] += r_part[i%d + i%d];", l + 1, l + 1, l, l + 1, l + 1, l + 1, l);
  if (Lv < vs->len) {
    e->lv[l].alias = NULL;
    v = elem_value(e, vs->el, &out);
    line(e, "for (int i%d = %lld; i%d < %lld; i%d++) r_part[0] += %s;", l, (long long)Lv, l, (long long)vs->len, l, v);
  }
  line(e, "%s += r_part[0];", out);
  e->nlv = l;
  e->ind--;
  line(e, "}");
}

typedef struct {
  int dst;
  const char *val;
} Fill;

static void fill_body(Em *e, void *ctx) {
  Fill *fl = ctx;
  Aff a = aff_var(0);
  line(e, "%s[%s] = %s;", buffer(e, fl->dst, 1), aff_str(e, &a), fl->val);
}

static void fill(Em *e, int dst, const char *val) {
  Fill fl = {dst, val};
  int64_t n = shape_numel(&e->g->nodes[dst].shape);
  plain_vars(e, 1);
  loop(e, n, fill_body, &fl);
}

static void emit_elem(Em *e, Elem *el) {
  const Graph *g = e->g;
  const Shape *space = el->reduce ? &g->nodes[g->nodes[el->id].in[0]].shape : &g->nodes[el->src].shape;
  if (g->nodes[el->src].op == OP_CONST) space = &g->nodes[el->dst].shape;
  if (el->reduce) fill(e, el->dst, el->reduce == 1 ? lit(e, 0) : "-INFINITY");
  Masks m = {0};
  int map[MAX_DIMS] = {0}, omap[MAX_DIMS] = {0};
  for (int d = 0; d < space->n; d++) map[d] = d;
  const Shape *os = &g->nodes[el->dst].shape;
  for (int j = 0; j < os->n; j++) omap[j] = os->d[j] == 1 ? -1 : j + space->n - os->n;
  add_mask(&m, os, omap);
  masks_of(e, el->src, map, &m, el->root);
  int64_t sizes[MAX_DIMS];
  int nl = merge_space(e, space, &m, sizes);
  if (g->nodes[el->src].op == OP_CONST) {
    fill(e, el->dst, expr(e, el->src, NULL));
    return;
  }
  int VL = vlanes(e);
  if (el->reduce == 1 && nl > 0 && sizes[nl - 1] >= 4 * VL && !unrolled(e, sizes[nl - 1])) {
    int inner = e->nlv + nl - 1, reduced = 1; /* the innermost loop: does the output walk it? */
    for (int d = 0; d < space->n; d++)
      if (e->ov[d].lv == inner && ((m.mask[0] >> d) & 1)) reduced = 0;
    if (reduced) {
      VSum vs = {el, sizes[nl - 1]};
      nest(e, sizes, nl - 1, vsum_body, &vs);
      return;
    }
  }
  nest(e, sizes, nl, elem_body, el);
}

/* matmul: C[i,j] = sum_k A[i,k] B[k,j], loop order i, k, j (j streams rows of B and C). */
typedef struct {
  int id;
} Mm;

static void mm_body(Em *e, void *ctx) {
  const Node *n = &e->g->nodes[((Mm *)ctx)->id];
  int M = n->shape.d[0], N = n->shape.d[1];
  int K = n->ta ? e->g->nodes[n->in[0]].shape.d[0] : e->g->nodes[n->in[0]].shape.d[1];
  int tb_order = n->tb; /* i, j, k */
  int vi = 0, vk = tb_order ? 2 : 1, vj = tb_order ? 1 : 2;
  Aff c = aff_zero(), a = aff_zero(), b = aff_zero();
  c.k[vi] = N, c.k[vj] = 1;
  if (n->ta) a.k[vk] = M, a.k[vi] = 1;
  else a.k[vi] = K, a.k[vk] = 1;
  if (n->tb) b.k[vj] = K, b.k[vk] = 1;
  else b.k[vk] = N, b.k[vj] = 1;
  const char *cn = buffer(e, ((Mm *)ctx)->id, 1);
  line(e, "%s[%s] += %s[%s] * %s[%s];", cn, aff_str(e, &c), buffer(e, n->in[0], 0), aff_str(e, &a),
       buffer(e, n->in[1], 0), aff_str(e, &b));
}

/* Register-tiled products (vector extensions, so any ISA), two forms:
 *  - C = op(A) B with B row-major ("axpy" form): a tile of up to MR rows x NV vectors of C
 *    stays in registers for the whole k loop, each step broadcasting one A element per row;
 *    leftover rows get a smaller tile, leftover columns single vectors, then scalar dots.
 *    Every element of C is the sum over k in order, as the plain loops compute it.
 *  - C = A B^T, both operands walked along k ("dot" form, no transposed copy): a tile of up
 *    to DR x DC elements of C, each a vector of partial sums over k, reduced at the end in a
 *    fixed order.  Used when k is long (Linear's forward, convolution's weight gradient). */
enum { MR = 4, NV = 2, DR = 4, DC = 4 };

static const char *a_at(Em *e, const Node *n, const char *a, int M, int K, const char *i, const char *k) {
  (void)e;
  return n->ta ? ir_fmt("%s[(%s) * %d + %s]", a, k, M, i) : ir_fmt("%s[(%s) * %d + %s]", a, i, K, k);
}

static const char *plus(const char *base, int r) { return r ? ir_fmt("%s + %d", base, r) : base; }

/* rows i0 .. i0+R-1, columns [j0, N): scalar dot products */
static void scalar_dots(Em *e, const Node *n, const char *c, const char *a, const char *b, int M, int N, int K,
                        const char *i0, int R, int j0) {
  for (int r = 0; r < R; r++) {
    const char *i = plus(i0, r);
    line(e, "for (int i1 = %d; i1 < %d; i1++) {", j0, N);
    line(e, "  %s r_acc = 0;", e->real);
    line(e, "  for (int i2 = 0; i2 < %d; i2++) r_acc += %s * %s[i2 * %d + i1];", K, a_at(e, n, a, M, K, i, "i2"), b, N);
    line(e, "  %s[(%s) * %d + i1] = r_acc;", c, i, N);
    line(e, "}");
  }
}

/* R rows from i0 x nv vectors from column i1 of C, accumulated over all of k */
static void axpy_block(Em *e, const Node *n, const char *c, const char *a, const char *b, int M, int N, int K,
                       const char *i0, int R, const char *i1, int nv) {
  const char *v = vtype(e);
  int VL = vlanes(e);
  for (int r = 0; r < R; r++)
    line(e, "%s r_acc%d_0 = {0}%s;", v, r, nv > 1 ? ir_fmt(", r_acc%d_1 = {0}", r) : "");
  line(e, "for (int i2 = 0; i2 < %d; i2++) {", K);
  e->ind++;
  for (int q = 0; q < nv; q++)
    line(e, "%s r_b%d; memcpy(&r_b%d, %s + i2 * %d + %s, sizeof r_b%d);", v, q, q, b, N, plus(i1, q * VL), q);
  for (int r = 0; r < R; r++) line(e, "%s r_a%d = %s;", e->real, r, a_at(e, n, a, M, K, plus(i0, r), "i2"));
  for (int r = 0; r < R; r++)
    for (int q = 0; q < nv; q++) line(e, "r_acc%d_%d += r_a%d * r_b%d;", r, q, r, q);
  e->ind--;
  line(e, "}");
  for (int r = 0; r < R; r++)
    for (int q = 0; q < nv; q++)
      line(e, "memcpy(%s + (%s) * %d + %s, &r_acc%d_%d, sizeof r_acc%d_%d);", c, plus(i0, r), N, plus(i1, q * VL), r, q,
           r, q);
}

/* Column blocks outside, row tiles inside: a block of B's columns (K x NR) stays in cache
 * while every row tile of A passes over it. */
static void axpy_cols(Em *e, const Node *n, const char *c, const char *a, const char *b, int M, int N, int K,
                      const char *i1, int nv) {
  int Mt = M / MR * MR;
  if (Mt) {
    line(e, "for (int i0 = 0; i0 < %d; i0 += %d) {", Mt, MR);
    e->ind++;
    axpy_block(e, n, c, a, b, M, N, K, "i0", MR, i1, nv);
    e->ind--;
    line(e, "}");
  }
  if (Mt < M) {
    line(e, "{");
    e->ind++;
    axpy_block(e, n, c, a, b, M, N, K, ir_fmt("%d", Mt), M - Mt, i1, nv);
    e->ind--;
    line(e, "}");
  }
}

static int tiled(Em *e, const Node *n, int M, int N, int K) {
  int VL = vlanes(e);
  return !n->tb && N >= VL && K >= 4 && !unrolled(e, M) && !unrolled(e, K);
}

static void emit_matmul_tiled(Em *e, int id, int M, int N, int K) {
  const Node *n = &e->g->nodes[id];
  const char *c = buffer(e, id, 1), *a = buffer(e, n->in[0], 0), *b = buffer(e, n->in[1], 0);
  int VL = vlanes(e), NR = NV * VL, Nt = N / NR * NR, Nv = N / VL * VL;
  if (Nt) {
    /* --openmp: threads take whole columns of C, each element summed in the same order
     * whatever the thread count (bit-identical results) */
    if (e->o->openmp && (double)M * N * K >= OMP_MIN_MACS) line(e, "#pragma omp parallel for");
    line(e, "for (int i1 = 0; i1 < %d; i1 += %d) {", Nt, NR);
    e->ind++;
    axpy_cols(e, n, c, a, b, M, N, K, "i1", NV);
    e->ind--;
    line(e, "}");
  }
  for (int j = Nt; j < Nv; j += VL) axpy_cols(e, n, c, a, b, M, N, K, ir_fmt("%d", j), 1);
  if (Nv < N) {
    line(e, "for (int i0 = 0; i0 < %d; i0++) {", M);
    e->ind++;
    scalar_dots(e, n, c, a, b, M, N, K, "i0", 1, Nv);
    e->ind--;
    line(e, "}");
  }
}

static int dot_form(Em *e, const Node *n, int K) {
  return n->tb && !n->ta && K >= DOT_MIN_K && !unrolled(e, K);
}

/* C[i0.., j0..] (R x Cn elements) = (or +=) A[i, k0 .. k0+KL) . B[j, k0 .. k0+KL) */
typedef struct {
  const char *c, *a, *b;
  int N, K;
  const char *k0; /* first k of the chunk */
  int KL;         /* chunk length */
  int acc;        /* add to C (chunked) instead of storing */
} Dot;

static void dot_tile(Em *e, const Dot *d, const char *i0, int R, const char *j0, int Cn) {
  const char *v = vtype(e);
  int VL = vlanes(e), Kv = d->KL / VL * VL;
  const char *k0 = strcmp(d->k0, "0") ? ir_fmt(" + %s", d->k0) : "";
  line(e, "{");
  e->ind++;
  for (int r = 0; r < R; r++) {
    char decl[256] = "";
    for (int q = 0, k = 0; q < Cn; q++) k += snprintf(decl + k, sizeof decl - (size_t)k, "%sr_acc%d_%d = {0}", q ? ", " : "", r, q);
    line(e, "%s %s;", v, decl);
  }
  line(e, "for (int i2 = 0; i2 < %d; i2 += %d) {", Kv, VL);
  e->ind++;
  for (int r = 0; r < R; r++)
    line(e, "%s r_a%d; memcpy(&r_a%d, %s + (%s) * %d%s + i2, sizeof r_a%d);", v, r, r, d->a, plus(i0, r), d->K, k0, r);
  for (int q = 0; q < Cn; q++)
    line(e, "%s r_b%d; memcpy(&r_b%d, %s + (%s) * %d%s + i2, sizeof r_b%d);", v, q, q, d->b, plus(j0, q), d->K, k0, q);
  for (int r = 0; r < R; r++)
    for (int q = 0; q < Cn; q++) line(e, "r_acc%d_%d += r_a%d * r_b%d;", r, q, r, q);
  e->ind--;
  line(e, "}");
  const char *op = d->acc ? "+=" : "=";
  for (int r = 0; r < R; r++)
    for (int q = 0; q < Cn; q++) {
      const char *cell = ir_fmt("%s[(%s) * %d + %s]", d->c, plus(i0, r), d->N, plus(j0, q));
      if (Kv == d->KL) {
        line(e, "%s %s dlc_hsum(&r_acc%d_%d);", cell, op, r, q);
        continue;
      }
      line(e, "{");
      line(e, "  %s r_s = dlc_hsum(&r_acc%d_%d);", e->real, r, q);
      line(e, "  for (int i2 = %d; i2 < %d; i2++) r_s += %s[(%s) * %d%s + i2] * %s[(%s) * %d%s + i2];", Kv, d->KL, d->a,
           plus(i0, r), d->K, k0, d->b, plus(j0, q), d->K, k0);
      line(e, "  %s %s r_s;", cell, op);
      line(e, "}");
    }
  e->ind--;
  line(e, "}");
}

/* R rows of C from row i0, every column */
static void dot_rows(Em *e, const Dot *d, const char *i0, int R) {
  int Nt = d->N / DC * DC;
  if (Nt) {
    line(e, "for (int i1 = 0; i1 < %d; i1 += %d)", Nt, DC);
    e->ind++;
    dot_tile(e, d, i0, R, "i1", DC);
    e->ind--;
  }
  if (Nt < d->N) dot_tile(e, d, i0, R, ir_fmt("%d", Nt), d->N - Nt);
}

static void dot_chunk(Em *e, const Dot *d, int M) {
  int Mt = M / DR * DR;
  if (Mt) {
    if (e->o->openmp && (double)M * d->N * d->KL >= OMP_MIN_MACS) line(e, "#pragma omp parallel for");
    line(e, "for (int i0 = 0; i0 < %d; i0 += %d) {", Mt, DR);
    e->ind++;
    dot_rows(e, d, "i0", DR);
    e->ind--;
    line(e, "}");
  }
  if (Mt < M) dot_rows(e, d, ir_fmt("%d", Mt), M - Mt);
}

/* A long k is cut into chunks whose slices of A and B fit in a typical L2 cache together,
 * so every tile of the chunk finds them there; C is summed chunk by chunk. */
enum { DOT_CHUNK_BYTES = 512 * 1024 };

static void emit_matmul_dot(Em *e, int id, int M, int N, int K) {
  const Node *n = &e->g->nodes[id];
  int VL = vlanes(e), esz = e->d64 ? 8 : 4;
  Dot d = {buffer(e, id, 1), buffer(e, n->in[0], 0), buffer(e, n->in[1], 0), N, K, "0", K, 0};
  int KC = DOT_CHUNK_BYTES / (esz * (M + N)) / VL * VL;
  if (KC < 8 * VL) KC = 8 * VL;
  if (K <= KC + KC / 2) {
    dot_chunk(e, &d, M);
    return;
  }
  fill(e, id, lit(e, 0));
  int nfull = K / KC, rem = K - nfull * KC;
  d.acc = 1, d.KL = KC, d.k0 = "i3";
  line(e, "for (int i3 = 0; i3 < %d; i3 += %d) { /* chunks of k */", nfull * KC, KC);
  e->ind++;
  dot_chunk(e, &d, M);
  e->ind--;
  line(e, "}");
  if (rem) {
    d.KL = rem, d.k0 = ir_fmt("%d", nfull * KC);
    dot_chunk(e, &d, M);
  }
}

static void emit_matmul(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  int K = n->ta ? e->g->nodes[n->in[0]].shape.d[0] : e->g->nodes[n->in[0]].shape.d[1];
  if (tiled(e, n, n->shape.d[0], n->shape.d[1], K)) {
    emit_matmul_tiled(e, id, n->shape.d[0], n->shape.d[1], K);
    return;
  }
  if (dot_form(e, n, K)) {
    emit_matmul_dot(e, id, n->shape.d[0], n->shape.d[1], K);
    return;
  }
  fill(e, id, lit(e, 0));
  int64_t sizes[3] = {n->shape.d[0], n->tb ? n->shape.d[1] : K, n->tb ? K : n->shape.d[1]};
  Mm mm = {id};
  plain_vars(e, 3);
  /* --openmp: threads take whole rows of C, so every element is summed in the same order
   * whatever the thread count (bit-identical results); small products stay serial */
  if (e->o->openmp && !unrolled(e, sizes[0]) && (double)sizes[0] * (double)sizes[1] * (double)sizes[2] >= OMP_MIN_MACS)
    line(e, "#pragma omp parallel for");
  nest(e, sizes, 3, mm_body, &mm);
}

static void tr_body(Em *e, void *ctx) {
  int id = *(int *)ctx;
  const Node *n = &e->g->nodes[id];
  Aff o = aff_zero(), i = aff_zero();
  o.k[0] = n->shape.d[1], o.k[1] = 1;
  i.k[1] = n->shape.d[0], i.k[0] = 1;
  line(e, "%s[%s] = %s[%s];", buffer(e, id, 1), aff_str(e, &o), buffer(e, n->in[0], 0), aff_str(e, &i));
}

static void emit_transpose(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  int64_t sizes[2] = {n->shape.d[0], n->shape.d[1]};
  plain_vars(e, 2);
  nest(e, sizes, 2, tr_body, &id);
}

/* Row-wise ops: the axis splits the shape into outer x len x inner; variables 0 = outer,
 * 1 = inner, 2 = position along the axis. */
typedef struct {
  int id;
  int64_t len, inner;
  const char *stmt; /* statement with %1$s = x[...] and %2$s = y[...] */
  int phase;
} Row;

static Aff row_at(const Row *r) {
  Aff a = aff_zero();
  a.k[0] = r->len * r->inner, a.k[1] = 1, a.k[2] = r->inner;
  return a;
}

static void row_inner(Em *e, void *ctx) {
  Row *r = ctx;
  const Node *n = &e->g->nodes[r->id];
  Aff a = row_at(r);
  const char *ix = aff_str(e, &a);
  const char *x = ir_fmt("%s[%s]", buffer(e, n->in[0], 0), ix);
  const char *y = n->op == OP_XENT ? "" : ir_fmt("%s[%s]", buffer(e, r->id, 1), ix);
  switch (r->phase) {
  case 0: line(e, "row_max = dlc_max(row_max, %s);", x); break;
  case 1:
    if (n->op == OP_SOFTMAX) line(e, "%s = %s(%s - row_max); row_sum += %s;", y, fn(e, "exp"), x, y);
    else if (n->op == OP_ARGMAX_MASK) line(e, "if (%s > row_max) { row_max = %s; row_at = %s; }", x, x, aff_str(e, &(Aff){0, {[2] = 1}}));
    else line(e, "row_sum += %s(%s - row_max);", fn(e, "exp"), x);
    break;
  case 2:
    if (n->op == OP_SOFTMAX) line(e, "%s = %s / row_sum;", y, y);
    else if (n->op == OP_LOG_SOFTMAX) line(e, "%s = %s - row_max - row_lse;", y, x);
    else line(e, "%s = %s == row_at ? %s : %s;", y, aff_str(e, &(Aff){0, {[2] = 1}}), lit(e, 1), lit(e, 0));
    break;
  }
}

static void row_outer(Em *e, void *ctx) {
  Row *r = ctx;
  const Graph *g = e->g;
  const Node *n = &g->nodes[r->id];
  e->nov = 3;
  e->ov[2].lv = e->nlv, e->ov[2].last = 1;
  line(e, "{");
  e->ind++;
  Aff first = row_at(r);
  first.k[2] = 0; /* the row's first element: the loop along the axis is not open yet */
  const char *x0 = ir_fmt("%s[%s]", buffer(e, n->in[0], 0), aff_str(e, &first));
  line(e, "%s row_max = %s, row_sum = %s;", e->real, n->op == OP_ARGMAX_MASK ? x0 : "-INFINITY", lit(e, 0));
  if (n->op == OP_ARGMAX_MASK) line(e, "int row_at = 0;");
  if (n->op != OP_ARGMAX_MASK) {
    r->phase = 0;
    loop(e, r->len, row_inner, r);
  }
  r->phase = 1;
  loop(e, r->len, row_inner, r);
  if (n->op == OP_XENT) {
    Aff t = aff_zero();
    t.k[0] = 1;
    const char *ti = ir_fmt("%s[%s]", buffer(e, n->in[1], 0), aff_str(e, &t));
    Aff xr = aff_zero();
    xr.k[0] = r->len;
    line(e, "%s[%s] = %s(row_sum) + row_max - %s[%s + %s];", buffer(e, r->id, 1), aff_str(e, &t), fn(e, "log"),
         buffer(e, n->in[0], 0), aff_str(e, &xr), ti);
  } else {
    if (n->op == OP_LOG_SOFTMAX) line(e, "%s row_lse = %s(row_sum);", e->real, fn(e, "log"));
    r->phase = 2;
    loop(e, r->len, row_inner, r);
  }
  if (n->op != OP_LOG_SOFTMAX && n->op != OP_XENT && n->op != OP_SOFTMAX) line(e, "(void)row_sum;");
  e->ind--;
  line(e, "}");
}

static void emit_row(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  const Shape *s = &e->g->nodes[n->in[0]].shape;
  int axis = n->op == OP_XENT ? 1 : n->axis;
  Row r = {id, s->d[axis], 1, NULL, 0};
  int64_t outer = 1;
  for (int d = 0; d < axis; d++) outer *= s->d[d];
  for (int d = axis + 1; d < s->n; d++) r.inner *= s->d[d];
  int64_t sizes[2] = {outer, r.inner};
  e->nov = 3;
  e->ov[0].lv = e->nlv, e->ov[0].last = 1;
  e->ov[1].lv = e->nlv + 1, e->ov[1].last = 1;
  nest(e, sizes, 2, row_outer, &r);
}

static void pick_body(Em *e, void *ctx) {
  int id = *(int *)ctx;
  const Node *n = &e->g->nodes[id];
  Aff i = aff_var(0), xr = aff_zero();
  xr.k[0] = e->g->nodes[n->in[0]].shape.d[1];
  const char *t = ir_fmt("%s[%s]", buffer(e, n->in[1], 0), aff_str(e, &i));
  line(e, "%s[%s] = %s[%s + %s];", buffer(e, id, 1), aff_str(e, &i), buffer(e, n->in[0], 0),
       aff_str(e, &xr), t);
}

static void emit_pick(Em *e, int id) {
  plain_vars(e, 1);
  loop(e, e->g->nodes[id].shape.d[0], pick_body, &id);
}

/* ---- sliding windows: im2col and its adjoint --------------------------------------------- */

/* Window gather (WINDOW) and scatter-add (UNWINDOW) between image [N, C, H, W] and the window
 * tensor (layout WL_* in ir.h).  Loops run over the layout's dims with the kernel column kw
 * unrolled: for each kw the output columns split, at compile time, into a left padding run,
 * an interior run that reads the image row directly (unit stride when the stride is 1, so it
 * vectorizes) and a right padding run.  Out-of-range rows are handled once per row, so no
 * padded copy of the image is ever made. */
typedef struct {
  int C, KH, KW, N, OH, OW, H, W, SH, SW, PH, PW, mode;
  int64_t st[6]; /* window-tensor strides of c, kh, kw, n, oh, ow */
} Win;

static Win win_of(const Graph *g, const Node *n) {
  const Node *img = n->op == OP_WINDOW ? &g->nodes[n->in[0]] : n;
  const Node *cols = n->op == OP_WINDOW ? n : &g->nodes[n->in[0]];
  const int *a = n->attr;
  Win w = {img->shape.d[1], a[WA_KH], a[WA_KW], img->shape.d[0], cols->shape.d[4], cols->shape.d[5],
           img->shape.d[2], img->shape.d[3], a[WA_SH], a[WA_SW], a[WA_PH], a[WA_PW], a[WA_MODE], {0}};
  int64_t size[6] = {w.C, w.KH, w.KW, w.N, w.OH, w.OW}, st = 1;
  for (int i = 5; i >= 0; i--) {
    w.st[win_layout[a[WA_LAYOUT]][i]] = st;
    st *= size[win_layout[a[WA_LAYOUT]][i]];
  }
  return w;
}

/* " + var*coef", or nothing when the dim has one element. */
static const char *term(const char *var, int64_t coef, int64_t size) {
  if (size == 1) return "";
  return coef == 1 ? ir_fmt(" + %s", var) : ir_fmt(" + %s * %lld", var, (long long)coef);
}

/* "a + b" from " + a + b", "0" from "". */
static const char *sum_terms(const char *t) { return *t ? t + 3 : "0"; }

/* Windows that tile the image exactly (stride = kernel, no padding, nothing left over): the
 * scatter writes every pixel once, so it stores instead of zeroing and adding. */
static int win_exact(const Win *w) {
  return w->SH == w->KH && w->SW == w->KW && !w->PH && !w->PW && w->OH * w->SH == w->H && w->OW * w->SW == w->W;
}

static void win_row(Em *e, int id, const Win *w) {
  const Node *n = &e->g->nodes[id];
  const char *add = win_exact(w) ? "=" : "+=";
  int gather = n->op == OP_WINDOW;
  const char *img = gather ? buffer(e, n->in[0], 0) : buffer(e, id, 1);
  const char *cols = gather ? buffer(e, id, 1) : buffer(e, n->in[0], 0);
  const char *pad = w->mode == PAD_NEGINF ? "-INFINITY" : lit(e, 0);
  line(e, "int w_ih = %s%s%s;", w->SH == 1 ? "w_oh" : ir_fmt("w_oh * %d", w->SH), w->KH > 1 ? " + w_kh" : "",
       w->PH ? ir_fmt(" - %d", w->PH) : "");
  const char *colrow = sum_terms(ir_fmt("%s%s%s%s", term("w_c", w->st[WD_C], w->C), term("w_kh", w->st[WD_KH], w->KH),
                                        term("w_n", w->st[WD_N], w->N), term("w_oh", w->st[WD_OH], w->OH)));
  const char *plane = sum_terms(ir_fmt("%s%s", term("w_n", (int64_t)w->C, w->N), term("w_c", 1, w->C)));
  const char *imgrow = strcmp(plane, "0") ? ir_fmt("(%s) * %d + w_ih * %d", plane, w->H * w->W, w->W) : ir_fmt("w_ih * %d", w->W);
  line(e, "%s%s *restrict w_col = %s + %s;", gather ? "" : "const ", e->real, cols, colrow);
  if (!w->PH) {
    /* without row padding every window row lies inside the image */
  } else if (w->mode == PAD_REPLICATE) {
    line(e, "w_ih = w_ih < 0 ? 0 : w_ih < %d ? w_ih : %d;", w->H, w->H - 1);
  } else if (gather) {
    line(e, "if (w_ih < 0 || w_ih >= %d) { /* a padding row */", w->H);
    for (int kw = 0; kw < w->KW; kw++)
      line(e, "  for (int w_ow = 0; w_ow < %d; w_ow++) w_col[%lld + w_ow] = %s;", w->OW,
           (long long)(kw * w->st[WD_KW]), pad);
    line(e, "  continue;");
    line(e, "}");
  } else {
    line(e, "if (w_ih < 0 || w_ih >= %d) continue; /* a padding row */", w->H);
  }
  line(e, "%s%s *restrict w_img = %s + %s;", gather ? "const " : "", e->real, img, imgrow);
  for (int kw = 0; kw < w->KW; kw++) {
    int off = kw - w->PW; /* image column of output column ow: ow * SW + off */
    int lo = off >= 0 ? 0 : (-off + w->SW - 1) / w->SW;
    int hi = w->W - 1 - off < 0 ? 0 : (w->W - 1 - off) / w->SW + 1;
    if (lo > w->OW) lo = w->OW;
    if (hi > w->OW) hi = w->OW;
    if (hi < lo) hi = lo;
    long long c0 = (long long)(kw * w->st[WD_KW]);
    const char *src = w->SW == 1 ? ir_fmt("w_ow + %d", off) : ir_fmt("w_ow * %d + %d", w->SW, off);
    if (off == 0 && w->SW == 1) src = "w_ow";
    line(e, "/* kernel column %d: output columns [0,%d) padding, [%d,%d) image, [%d,%d) padding */", kw, lo, lo, hi, hi, w->OW);
    const char *lpad = w->mode == PAD_REPLICATE ? "w_img[0]" : pad, *rpad = w->mode == PAD_REPLICATE ? ir_fmt("w_img[%d]", w->W - 1) : pad;
    if (gather) {
      if (lo > 0) line(e, "for (int w_ow = 0; w_ow < %d; w_ow++) w_col[%lld + w_ow] = %s;", lo, c0, lpad);
      if (hi > lo) line(e, "for (int w_ow = %d; w_ow < %d; w_ow++) w_col[%lld + w_ow] = w_img[%s];", lo, hi, c0, src);
      if (w->OW > hi) line(e, "for (int w_ow = %d; w_ow < %d; w_ow++) w_col[%lld + w_ow] = %s;", hi, w->OW, c0, rpad);
    } else {
      if (lo > 0 && w->mode == PAD_REPLICATE)
        line(e, "for (int w_ow = 0; w_ow < %d; w_ow++) w_img[0] += w_col[%lld + w_ow];", lo, c0);
      if (hi > lo) line(e, "for (int w_ow = %d; w_ow < %d; w_ow++) w_img[%s] %s w_col[%lld + w_ow];", lo, hi, src, add, c0);
      if (w->OW > hi && w->mode == PAD_REPLICATE)
        line(e, "for (int w_ow = %d; w_ow < %d; w_ow++) w_img[%d] += w_col[%lld + w_ow];", hi, w->OW, w->W - 1, c0);
    }
  }
}

static void emit_window(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  Win w = win_of(e->g, n);
  if (n->op == OP_UNWINDOW && !win_exact(&w)) fill(e, id, lit(e, 0));
  static const char *var[6] = {"w_c", "w_kh", "w_kw", "w_n", "w_oh", "w_ow"};
  int64_t size[6] = {w.C, w.KH, w.KW, w.N, w.OH, w.OW};
  int depth = 0;
  for (int i = 0; i < 6; i++) { /* the layout's dims; kw is unrolled and ow is the row loop */
    int d = win_layout[n->attr[WA_LAYOUT]][i];
    if (d == WD_KW || d == WD_OW || (size[d] == 1 && d != WD_OH)) continue;
    line(e, "for (int %s = 0; %s < %lld; %s++) {", var[d], var[d], (long long)size[d], var[d]);
    e->ind++, depth++;
  }
  win_row(e, id, &w);
  while (depth--) {
    e->ind--;
    line(e, "}");
  }
}

static void emit_node(Em *e, int id) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id];
  switch (op_info[n->op].kind) {
  case K_E1: case K_E2: case K_BCAST: case K_PERMUTE: case K_ONEHOT: case K_RAND: {
    Elem el = {id, id, id, 0, 1};
    emit_elem(e, &el);
    break;
  }
  case K_REDUCE: {
    Elem el = {id, n->in[0], id, n->op == OP_SUM_TO ? 1 : 2, 0};
    emit_elem(e, &el);
    break;
  }
  case K_ASSIGN: {
    Elem el = {id, n->in[1], n->in[0], 0, 0};
    emit_elem(e, &el);
    break;
  }
  case K_MATMUL: emit_matmul(e, id); break;
  case K_TRANSP: emit_transpose(e, id); break;
  case K_WINDOW: emit_window(e, id); break;
  case K_ROW: case K_XENT: emit_row(e, id); break;
  case K_PICK: emit_pick(e, id); break;
  default: die("cannot emit %s", op_info[n->op].name);
  }
}

/* The nodes computed inside this block's loop, for its comment. */
static void comment_fused(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  for (int k = n->op == OP_ASSIGN; k < n->nin; k++)
    if (e->fp->inl[n->in[k]]) {
      line(e, " *   with %s", ir_esc(dump_node_str(e->g, n->in[k], e->d64), RT_ESC_C_COMMENT));
      comment_fused(e, n->in[k]);
    }
}

/* The kernel's parameter list and the call's arguments, from the buffers its body used. */
static void kernel_signature(Em *e, char **params, char **args) {
  char *p = ir_strdup(""), *a = ir_strdup("");
  int n = 0;
  for (int written = 1; written >= 0; written--) /* outputs first */
    for (int i = 0; i < e->nbuf; i++) {
      const Buf *b = &e->buf[i];
      if (b->written != written) continue;
      const char *type = b->is_int ? "int32_t" : e->real;
      p = ir_fmt("%s%s%s%s *restrict %s", p, n ? ", " : "", written ? "" : "const ", type, b->name);
      a = slab(b->kind) ? ir_fmt("%s%s%s + %lld", a, n ? ", " : "", slab(b->kind), (long long)b->off)
                        : ir_fmt("%s%s%s", a, n ? ", " : "", b->name);
      n++;
    }
  if (e->uses_rng) {
    p = ir_fmt("%s%suint64_t seed, int64_t step", p, n ? ", " : "");
    a = ir_fmt("%s%sm->seed, m->step", a, n ? ", " : "");
  }
  *params = p;
  *args = a;
}

/* The kernel with this text, emitted once: identical blocks of different functions share it. */
static const char *kernel(Em *e, int id, const char *params, const char *body) {
  const char *key = ir_fmt("(%s) {\n%s", params, body);
  int *known = sm_get(&e->kernels, key);
  if (*known) return e->kname[*known - 1];
  if (e->nk == e->capk) {
    e->capk = e->capk ? 2 * e->capk : 64;
    e->kname = realloc(e->kname, (size_t)e->capk * sizeof *e->kname);
    if (!e->kname) die("out of memory");
  }
  const char *name = ir_fmt("%s_%s_%d", e->pre, op_info[e->g->nodes[id].op].name, id);
  int twins = (*sm_get(&e->twins, name))++; /* the same node, computed differently in another function */
  if (twins) name = ir_fmt("%s_v%d", name, twins + 1);
  *known = e->nk + 1;
  e->kname[e->nk++] = name;
  FILE *out = e->f;
  int ind = e->ind;
  e->f = e->kf;
  e->ind = 0;
  const Node *n = &e->g->nodes[id];
  int fused = 0;
  for (int k = n->op == OP_ASSIGN; k < n->nin; k++) fused |= e->fp->inl[n->in[k]];
  if (fused) {
    line(e, "/* %s", ir_esc(dump_node_str(e->g, id, e->d64), RT_ESC_C_COMMENT));
    comment_fused(e, id);
    line(e, " */");
  } else {
    line(e, "/* %s */", ir_esc(dump_node_str(e->g, id, e->d64), RT_ESC_C_COMMENT));
  }
  line(e, "static void %s%s {", name, ir_fmt("(%s)", params));
  fputs(body, e->f);
  line(e, "}\n");
  e->f = out;
  e->ind = ind;
  return name;
}

/* Generate a block's loop nest as a kernel taking restrict pointers to the buffers it
 * touches (so the C compiler knows they do not overlap), and call it. */
static void emit_block(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  if (n->op == OP_ASSIGN && e->fp->coalesced[n->in[1]] == id) {
    line(e, "/* %%%d = assign: computed in place by %%%d */", id, n->in[1]);
    return;
  }
  FILE *out = e->f;
  char *body = NULL, *params, *args;
  size_t len = 0;
  e->f = open_memstream(&body, &len);
  if (!e->f) die("open_memstream: %s", strerror(errno));
  e->nbuf = 0;
  e->nlv = 0;
  e->uses_rng = 0;
  int ind = e->ind;
  e->ind = 1;
  emit_node(e, id);
  fclose(e->f);
  e->f = out;
  e->ind = ind;
  kernel_signature(e, &params, &args);
  const char *name = kernel(e, id, params, body);
  free(body);
  line(e, "%s(%s);", name, args);
}

/* ---- functions, header, init, checkpoints ----------------------------------------------- */

static int is_target(const Graph *g, int i) { return i == g->target; }

/* with_outputs: 0 none, 1 the model's outputs, 2 those and the per-sample losses */
static void fn_params(Em *e, FILE *f, int with_target, int with_outputs) {
  const Graph *g = e->g;
  for (int i = 0; i < g->ninputs; i++) {
    if (is_target(g, i) && !with_target) continue;
    if (g->inputs[i].dt == DT_INT && is_target(g, i))
      fprintf(f, ", const void *%s_", e->in_names[i]);
    else if (g->inputs[i].dt == DT_INT)
      fprintf(f, ", const int32_t *%s", e->in_names[i]);
    else fprintf(f, ", const %s *%s", e->real, e->in_names[i]);
  }
  for (int i = 0; i < g->noutputs && with_outputs; i++)
    if (!g->outputs[i].eval_only || with_outputs == 2) fprintf(f, ", %s *%s", e->real, e->out_names[i]);
}

/* (void) the inputs function k does not read, so the C compiles warning-free. */
static void unused_inputs(Em *e, FnKind k) {
  const Graph *g = e->g;
  if (k == FN_UPDATE) return; /* takes no inputs */
  char *m = ir_alloc((size_t)g->nnodes + 1);
  ir_reachable(g, g->roots[k].v, g->roots[k].n, m);
  for (int i = 0; i < g->ninputs; i++)
    if (!m[g->inputs[i].node] && (k != FN_FORWARD || !is_target(g, i)))
      fprintf(e->f, "  (void)%s%s;\n", e->in_names[i], is_target(g, i) && g->inputs[i].dt == DT_INT ? "_" : "");
}

/* The int target comes in as const void * (the API is the same for every model). */
static void target_cast(Em *e) {
  const Graph *g = e->g;
  if (g->target >= 0 && g->inputs[g->target].dt == DT_INT)
    fprintf(e->f, "  const int32_t *%s = %s_;\n", e->in_names[g->target], e->in_names[g->target]);
}

static void emit_fn_body(Em *e, FnKind k) {
  const FnPlan *fp = &e->p->fn[k];
  FILE *out = e->f;
  char *body = NULL;
  size_t len = 0;
  e->f = open_memstream(&body, &len);
  if (!e->f) die("open_memstream: %s", strerror(errno));
  e->fp = fp;
  e->ind = 1;
  if (k == FN_GRAD || k == FN_EVAL) target_cast(e);
  unused_inputs(e, k);
  for (int s = 0; s < fp->nsched; s++) emit_block(e, fp->sched[s]);
  fclose(e->f);
  e->f = out;
  if (!strstr(body, "m->") && k != FN_GRAD) line(e, "(void)m; /* nothing here reads the model */");
  fputs(body, e->f);
  free(body);
}

static void emit_functions(Em *e) {
  const Graph *g = e->g;
  FILE *f = e->f;
  fprintf(f, "void %s_forward(%s_model *restrict m", e->pre, e->pre);
  fn_params(e, f, 0, 1);
  fprintf(f, ") {\n");
  emit_fn_body(e, FN_FORWARD);
  fprintf(f, "}\n\n");
  if (e->o->inference) return;
  fprintf(f, "%s %s_grad(%s_model *restrict m", e->real, e->pre, e->pre);
  fn_params(e, f, 1, 0);
  fprintf(f, ") {\n");
  emit_fn_body(e, FN_GRAD);
  const Store *ls = &e->p->fn[FN_GRAD].store[root_of(g, g->loss)];
  if (g->nodes[root_of(g, g->loss)].op == OP_CONST)
    fprintf(f, "  return %s;\n}\n\n", lit(e, g->nodes[root_of(g, g->loss)].a));
  else
    fprintf(f, "  return %s[%lld];\n}\n\n", slab(ls->kind), (long long)ls->off);
  fprintf(f, "static void %s_update(%s_model *restrict m) {\n", e->pre, e->pre);
  emit_fn_body(e, FN_UPDATE);
  fprintf(f, "}\n\n");
  fprintf(f, "%s %s_train_step(%s_model *restrict m", e->real, e->pre, e->pre);
  fn_params(e, f, 1, 0);
  fprintf(f, ") {\n  %s loss = %s_grad(m", e->real, e->pre);
  for (int i = 0; i < g->ninputs; i++) fprintf(f, ", %s%s", e->in_names[i], is_target(g, i) && g->inputs[i].dt == DT_INT ? "_" : "");
  fprintf(f, ");\n  %s_update(m);\n  m->step++;\n  return loss;\n}\n\n", e->pre);
  if (!e->p->fn[FN_EVAL].planned) return;
  fprintf(f, "void %s_eval(%s_model *restrict m", e->pre, e->pre);
  fn_params(e, f, 1, 2);
  fprintf(f, ") {\n");
  emit_fn_body(e, FN_EVAL);
  fprintf(f, "}\n\n");
}

static const char *init_call(const Em *e, const Leaf *l, int64_t off) {
  int64_t n = shape_numel(&l->shape);
  const char *sfx = e->d64 ? "f64" : "f32";
  uint64_t stream = fnv1a(l->name);
  switch (l->init.kind) {
  case INIT_UNIFORM:
    return ir_fmt("rt_fill_uniform_%s(m->param + %lld, %lld, %.17g, %.17g, seed, UINT64_C(0x%016llx));",
                  sfx, (long long)off, (long long)n, l->init.a, l->init.b, (unsigned long long)stream);
  case INIT_NORMAL:
    return ir_fmt("rt_fill_normal_%s(m->param + %lld, %lld, %.17g, %.17g, seed, UINT64_C(0x%016llx));",
                  sfx, (long long)off, (long long)n, l->init.a, l->init.b, (unsigned long long)stream);
  case INIT_CONST:
    return ir_fmt("rt_fill_const_%s(m->param + %lld, %lld, %.17g);", sfx, (long long)off,
                  (long long)n, l->init.a);
  }
  unreachable();
}

static void emit_init(Em *e) {
  const Graph *g = e->g;
  FILE *f = e->f;
  fprintf(f, "void %s_init(%s_model *m, uint64_t seed) {\n", e->pre, e->pre);
  fprintf(f, "  memset(m, 0, sizeof *m);\n");
  fprintf(f, "  m->seed = seed; /* also keys dropout's masks, with the step count */\n");
  for (int i = 0; i < g->nparams; i++) {
    const Leaf *l = &g->params[i];
    fprintf(f, "  /* %s %s   # %s:%d */\n", ir_esc(l->name, RT_ESC_C_COMMENT), shape_str(&l->shape),
            ir_esc(l->loc.file, RT_ESC_C_COMMENT), l->loc.line);
    fprintf(f, "  %s\n", init_call(e, l, e->p->param_off[i]));
  }
  fprintf(f, "}\n\n");
}

static void emit_tensor_table(Em *e) {
  const Graph *g = e->g;
  FILE *f = e->f;
  int n = g->nparams + (e->o->inference ? 0 : g->nstates);
  fprintf(f, "enum { %s_NTENSORS = %d };\n\n", e->PRE, n);
  fprintf(f, "static void %s_tensors(const %s_model *m, RtTensor *t) {\n", e->pre, e->pre);
  if (n == 0) fprintf(f, "  (void)m;\n  (void)t;\n");
  for (int i = 0; i < n; i++) {
    int st = i >= g->nparams;
    const Leaf *l = st ? &g->states[i - g->nparams] : &g->params[i];
    int64_t off = st ? e->p->state_off[i - g->nparams] : e->p->param_off[i];
    fprintf(f, "  t[%d] = (RtTensor){\"%s\", %s, %d, {", i, ir_esc(l->name, RT_ESC_C_STRING), e->d64 ? "RT_F64" : "RT_F32",
            l->shape.n);
    for (int d = 0; d < l->shape.n; d++) fprintf(f, "%s%d", d ? ", " : "", l->shape.d[d]);
    fprintf(f, "%s}, (void *)(m->%s + %lld), %d};\n", l->shape.n ? "" : "0", st ? "state" : "param",
            (long long)off, st);
  }
  fprintf(f, "}\n\n");
}

static void emit_checkpoint(Em *e, uint64_t hash) {
  FILE *f = e->f;
  const char *P = e->pre;
  /* the tensor array's size: no zero-length array for a parameter-free net */
  const char *nt = e->g->nparams + (e->o->inference ? 0 : e->g->nstates) ? ir_fmt("%s_NTENSORS", e->PRE) : "1";
  fprintf(f, "int %s_save_meta(const %s_model *m, const char *path, const char *const *kv, int nmeta) {\n", P, P);
  fprintf(f, "  RtTensor t[%s];\n  char step[24];\n", nt);
  fprintf(f, "  RtMeta meta[4 + 16] = {{\"dlc.model\", \"%s\"}, {\"dlc.graph_hash\", \"%016llx\"},\n"
             "                         {\"dlc.dtype\", \"%s\"}, {\"dlc.step\", step}};\n",
          ir_esc(e->g->name, RT_ESC_C_STRING), (unsigned long long)hash, e->d64 ? "f64" : "f32");
  fprintf(f, "  char *error = ((%s_model *)m)->error; /* the only field a save writes */\n", P);
  fprintf(f, "  if (nmeta < 0 || nmeta > 16) {\n"
             "    snprintf(error, sizeof m->error, \"%%s: %%d metadata pairs (0 to 16 allowed)\", path, nmeta);\n"
             "    return 1;\n  }\n");
  fprintf(f, "  for (int i = 0; i < nmeta; i++) meta[4 + i] = (RtMeta){kv[2 * i], kv[2 * i + 1]};\n");
  fprintf(f, "  %s_tensors(m, t);\n", P);
  fprintf(f, "  snprintf(step, sizeof step, \"%%lld\", (long long)m->step);\n");
  fprintf(f, "  return rt_st_save(path, t, %s_NTENSORS, meta, 4 + nmeta, error, sizeof m->error) != 0;\n}\n\n", e->PRE);
  fprintf(f, "int %s_save(const %s_model *m, const char *path) {\n  return %s_save_meta(m, path, NULL, 0);\n}\n\n", P, P, P);
  fprintf(f, "int %s_load(%s_model *m, const char *path) {\n", P, P);
  fprintf(f, "  RtTensor t[%s];\n  int64_t step = 0;\n", nt);
  fprintf(f, "  %s_tensors(m, t);\n", P);
  fprintf(f, "  if (rt_st_load(path, t, %s_NTENSORS, %s, \"%016llx\", &step, m->error, sizeof m->error))\n"
             "    return 1;\n",
          e->PRE, e->d64 ? "RT_F64" : "RT_F32", (unsigned long long)hash);
  fprintf(f, "  m->step = step;\n  return 0;\n}\n");
}

/* The scalar helpers the generated code calls, each printed only when used. */
static const struct {
  const char *name, *def; /* def: printf format, %1$s = the real type, %2$s its exp, %3$s its vector */
} helpers[] = {
    {"dlc_v8f ", "typedef float dlc_v8f __attribute__((vector_size(32))); /* 8 floats: any ISA */\n"},
    {"dlc_v4d ", "typedef double dlc_v4d __attribute__((vector_size(32))); /* 4 doubles */\n"},
    {"dlc_hsum(", "static inline %1$s dlc_hsum(const %3$s *p) { /* lanes summed pairwise, in a fixed order */\n"
                  "  %1$s v[sizeof *p / sizeof(%1$s)];\n"
                  "  memcpy(v, p, sizeof v);\n"
                  "  for (int w = (int)(sizeof v / sizeof v[0]) / 2; w > 0; w /= 2)\n"
                  "    for (int i = 0; i < w; i++) v[i] += v[i + w];\n"
                  "  return v[0];\n}\n"},
    {"dlc_relu(", "static inline %1$s dlc_relu(%1$s x) { return x < 0 ? 0 : x; }\n"},
    {"dlc_step(", "static inline %1$s dlc_step(%1$s x) { return x > 0 ? 1 : 0; }\n"},
    {"dlc_sign(", "static inline %1$s dlc_sign(%1$s x) { return (%1$s)((x > 0) - (x < 0)); }\n"},
    {"dlc_sigmoid(", "static inline %1$s dlc_sigmoid(%1$s x) { return 1 / (1 + %2$s(-x)); }\n"},
    {"dlc_sq(", "static inline %1$s dlc_sq(%1$s x) { return x * x; }\n"},
    {"dlc_max(", "static inline %1$s dlc_max(%1$s a, %1$s b) { return b > a || b != b ? b : a; }\n"},
    {"dlc_clamp(", "static inline %1$s dlc_clamp(%1$s x, %1$s lo, %1$s hi) { return x < lo ? lo : x > hi ? hi : x; }\n"},
    /* rt_uniform01 (runtime/rng.c: Philox4x32-10, 53 bits) inlined: dropout draws one per element */
    {"dlc_rand(", "static inline %1$s dlc_rand(uint64_t seed, int64_t step, uint64_t stream, int64_t n, int64_t i) {\n"
                  "  uint64_t ctr = (uint64_t)step * (uint64_t)n + (uint64_t)i;\n"
                  "  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);\n"
                  "  uint32_t c0 = (uint32_t)ctr, c1 = (uint32_t)(ctr >> 32), c2 = (uint32_t)stream, c3 = (uint32_t)(stream >> 32);\n"
                  "  for (int r = 0; r < 10; r++) {\n"
                  "    if (r) k0 += 0x9E3779B9u, k1 += 0xBB67AE85u;\n"
                  "    uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;\n"
                  "    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;\n"
                  "    c1 = (uint32_t)p1, c3 = (uint32_t)p0, c0 = n0, c2 = n2;\n"
                  "  }\n"
                  "  return (%1$s)((double)((((uint64_t)c0 << 32) | c1) >> 11) * (1.0 / 9007199254740992.0));\n}\n"},
    {"dlc_inrange(", "static inline %1$s dlc_inrange(%1$s x, %1$s lo, %1$s hi) { return x >= lo && x <= hi ? 1 : 0; }\n"},
};

static void emit_helpers(Em *e, const char *code) {
  int any = 0;
  for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
    if (strstr(code, helpers[i].name)) {
      fprintf(e->f, helpers[i].def, e->real, fn(e, "exp"), vtype(e));
      any = 1;
    }
  if (any) fputc('\n', e->f);
}

static void emit_consts(Em *e) {
  const Graph *g = e->g;
  const char **seen = ir_alloc((size_t)g->nnodes * sizeof(char *) + 1);
  int ns = 0;
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = &g->nodes[i];
    if (n->op != OP_CONST || !n->cname) continue;
    int dup = 0;
    for (int k = 0; k < ns; k++) dup |= strcmp(seen[k], n->cname) == 0;
    if (dup) continue;
    seen[ns++] = n->cname;
    fprintf(e->f, "#define %s_%s %s   /* %s:%d */\n", e->PRE, n->cname, lit(e, n->a),
            ir_esc(n->loc.file, RT_ESC_C_COMMENT), n->loc.line);
  }
  if (ns) fputc('\n', e->f);
}

static void emit_header(Em *e, FILE *h, const char *hname) {
  const Graph *g = e->g;
  const Plan *p = e->p;
  const char *P = e->pre, *U = e->PRE;
  char *guard = upper(ir_c_ident(hname));
  fprintf(h, "/* %s - generated by dlc %s. The API of model \"%s\". */\n", ir_esc(hname, RT_ESC_C_COMMENT),
          DLC_VERSION, ir_esc(g->name, RT_ESC_C_COMMENT));
  fprintf(h, "#ifndef %s\n#define %s\n\n#include <stdint.h>\n\n", guard, guard);
  int batch = g->ninputs ? g->inputs[0].shape.d[0] : 1;
  fprintf(h, "#define %s_BATCH %d\n", U, g->ninputs && g->inputs[0].shape.n ? batch : 1);
  for (int i = 0; i < g->ninputs; i++)
    fprintf(h, "#define %s_%s_SIZE %lld   /* %s %s %s */\n", U, upper(e->in_names[i]),
            (long long)shape_numel(&g->inputs[i].shape), g->inputs[i].dt == DT_INT ? "int32" : e->real,
            ir_esc(g->inputs[i].name, RT_ESC_C_COMMENT), shape_str(&g->inputs[i].shape));
  for (int i = 0, k = 0; i < g->noutputs; i++)
    if (!g->outputs[i].eval_only)
      fprintf(h, "#define %s_OUTPUT%s_SIZE %lld   /* %s */\n", U, k++ ? ir_fmt("%d", k) : "",
              (long long)shape_numel(&g->outputs[i].shape), shape_str(&g->outputs[i].shape));
  fprintf(h, "#define %s_PARAM_COUNT %lld\n", U, (long long)p->param_count);
  fprintf(h, "#define %s_STATE_COUNT %lld\n", U, (long long)p->state_count);
  fprintf(h, "#define %s_ARENA_BYTES %lld\n\n", U, (long long)(p->arena * (e->d64 ? 8 : 4)));
  fprintf(h, "typedef %s %s_real;\n\n", e->real, P);
  fprintf(h, "/* Where each parameter starts in m->param (and its gradient in m->grad). */\n");
  for (int i = 0; i < g->nparams; i++)
    fprintf(h, "#define %s_PARAM_%s %lld   /* %s %s */\n", U, upper(e->param_ids[i]), (long long)p->param_off[i],
            ir_esc(g->params[i].name, RT_ESC_C_COMMENT), shape_str(&g->params[i].shape));
  fprintf(h, "\n/* Parameters, their gradients, optimizer state and activations: one slab each,\n"
             " * 64-byte aligned; every tensor in a slab starts 64-byte aligned. */\n");
  fprintf(h, "typedef struct %s_model {\n", P);
  fprintf(h, "  _Alignas(64) %s param[%lld];\n", e->real, (long long)(p->param_slab ? p->param_slab : 1));
  fprintf(h, "  _Alignas(64) %s grad[%lld];\n", e->real, (long long)(p->param_slab ? p->param_slab : 1));
  fprintf(h, "  _Alignas(64) %s state[%lld];\n", e->real, (long long)(p->state_slab ? p->state_slab : 1));
  fprintf(h, "  _Alignas(64) %s arena[%lld];\n", e->real, (long long)(p->arena ? p->arena : 1));
  fprintf(h, "  int64_t step;     /* optimizer steps taken */\n");
  fprintf(h, "  uint64_t seed;    /* given to _init */\n");
  fprintf(h, "  char error[256];  /* why the last save or load failed */\n} %s_model;\n\n", P);
  fprintf(h, "/* Parameters from seed; optimizer state zero. */\n");
  fprintf(h, "void %s_init(%s_model *m, uint64_t seed);\n", P, P);
  fprintf(h, "/* Inference: outputs from inputs. */\nvoid %s_forward(%s_model *restrict m", P, P);
  fn_params(e, h, 0, 1);
  fprintf(h, ");\n");
  if (!e->o->inference) {
    fprintf(h, "/* Loss and gradients (into m->grad), without updating. */\n%s %s_grad(%s_model *restrict m", e->real, P, P);
    fn_params(e, h, 1, 0);
    fprintf(h, ");\n/* Forward, backward and optimizer update; returns the loss before the update. */\n");
    fprintf(h, "%s %s_train_step(%s_model *restrict m", e->real, P, P);
    fn_params(e, h, 1, 0);
    fprintf(h, ");\n");
  }
  if (e->p->fn[FN_EVAL].planned) {
    fprintf(h, "/* Evaluation: outputs and each sample's loss, in inference mode. */\n");
    fprintf(h, "void %s_eval(%s_model *restrict m", P, P);
    fn_params(e, h, 1, 2);
    fprintf(h, ");\n");
  }
  fprintf(h, "/* Safetensors checkpoints; 0 on success, else m->error says why.  _save_meta adds\n"
             " * nmeta key/value string pairs (kv[2i], kv[2i+1]; at most 16) to the metadata. */\n");
  fprintf(h, "int %s_save(const %s_model *m, const char *path);\n", P, P);
  fprintf(h, "int %s_save_meta(const %s_model *m, const char *path, const char *const *kv, int nmeta);\n", P, P);
  fprintf(h, "int %s_load(%s_model *m, const char *path);\n\n#endif\n", P, P);
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* Names the generated code uses itself: C keywords and types, the model pointer, locals
 * (t12, i0, p_*, g_*, s_*, row_*), outputs. */
static int reserved(const char *n) {
  static const char *const words[] = {
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
      "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
      "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
      "union", "unsigned", "void", "volatile", "while", "m", "loss", "seed", "int32_t", "int64_t",
      "uint64_t", "size_t", "NULL", "INFINITY", NULL};
  for (int i = 0; words[i]; i++)
    if (strcmp(n, words[i]) == 0) return 1;
  if ((n[0] == 't' || n[0] == 'i') && isdigit((unsigned char)n[1])) return 1;
  if (n[0] && n[1] == '_' && strchr("pgsr", n[0])) return 1;
  return strncmp(n, "row_", 4) == 0 || strncmp(n, "out", 3) == 0 || strncmp(n, "dlc_", 4) == 0 ||
         n[0] == '_';
}

/* Unique C identifiers for the inputs (also the function parameters' names), parameters and
 * optimizer state; see NameSet. */
static void name_io(Em *e) {
  const Graph *g = e->g;
  NameSet ins = {0}, params = {0}, states = {0};
  e->in_names = ir_alloc((size_t)(g->ninputs + 1) * sizeof(char *));
  e->out_names = ir_alloc((size_t)(g->noutputs + 1) * sizeof(char *));
  e->param_ids = ir_alloc((size_t)(g->nparams + 1) * sizeof(char *));
  e->state_ids = ir_alloc((size_t)(g->nstates + 1) * sizeof(char *));
  ns_add(&params, "count"); /* <PRE>_PARAM_COUNT is the header's */
  for (int i = 0; i < g->ninputs; i++) {
    char *n = ir_c_ident(g->inputs[i].name), *up = upper(n);
    int taken = reserved(n) || strncmp(up, "PARAM_", 6) == 0 || strncmp(up, "OUTPUT", 6) == 0;
    e->in_names[i] = ns_unique(&ins, taken ? ir_fmt("in_%s", n) : n);
    if (is_target(g, i) && g->inputs[i].dt == DT_INT) ns_add(&ins, ir_fmt("%s_", e->in_names[i])); /* the void * */
  }
  int nout = 0;
  for (int i = 0; i < g->noutputs; i++) nout += !g->outputs[i].eval_only;
  for (int i = 0, k = 0; i < g->noutputs; i++)
    e->out_names[i] = g->outputs[i].eval_only ? "sample_loss" : nout == 1 ? "out" : ir_fmt("out%d", ++k);
  for (int i = 0; i < g->nparams; i++) e->param_ids[i] = ns_unique(&params, ir_c_ident(g->params[i].name));
  for (int i = 0; i < g->nstates; i++) {
    const Leaf *l = &g->states[i];
    const char *slot = ir_c_ident(l->slot);
    e->state_ids[i] = ns_unique(&states, l->owner < 0 ? slot : ir_fmt("%s_%s", e->param_ids[l->owner], slot));
  }
}

int emit_c(const Plan *p, const EmitOptions *o, const char *cpath, const char *hpath,
           const char *source) {
  Em e = {0};
  e.p = p;
  e.g = p->g;
  e.o = o;
  e.d64 = o->dtype64;
  e.real = e.d64 ? "double" : "float";
  e.pre = ir_c_ident(p->g->name);
  e.PRE = upper(e.pre);
  name_io(&e);
  for (const char *c = base_name(hpath); *c; c++)
    if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 || *c == 0x7F)
      return fprintf(stderr, "dlc: -o %s: the header's name cannot hold quotes, backslashes or control characters "
                             "(net.c #includes it)\n", ir_esc(cpath, RT_ESC_TERM)), 2;
  char *htext = NULL, *ctext = NULL;
  size_t hlen = 0, clen = 0;
  FILE *h = open_memstream(&htext, &hlen), *f = open_memstream(&ctext, &clen);
  if (!h || !f) die("open_memstream: %s", strerror(errno));
  emit_header(&e, h, base_name(hpath));
  fclose(h);
  e.f = f;
  fprintf(f, "/* %s - generated by dlc %s from %s. Do not edit: change the model and regenerate.\n",
          ir_esc(base_name(cpath), RT_ESC_C_COMMENT), DLC_VERSION, ir_esc(source, RT_ESC_C_COMMENT));
  fprintf(f, " * Model \"%s\": %lld parameters, %s, arena %lld bytes. */\n", ir_esc(p->g->name, RT_ESC_C_COMMENT),
          (long long)p->param_count, e.real, (long long)(p->arena * (e.d64 ? 8 : 4)));
  fprintf(f, "#include \"%s\"\n\n#include <math.h>\n#include <stdio.h>\n#include <string.h>\n\n"
             "#include \"dlc_rt.h\"\n\n", base_name(hpath));
  char *code = NULL, *kernels = NULL;
  size_t len = 0, klen = 0;
  e.f = open_memstream(&code, &len);
  e.kf = open_memstream(&kernels, &klen);
  if (!e.f || !e.kf) die("open_memstream: %s", strerror(errno));
  emit_init(&e);
  emit_functions(&e);
  emit_tensor_table(&e);
  emit_checkpoint(&e, p->g->hash);
  fclose(e.f);
  fclose(e.kf);
  e.f = f;
  emit_helpers(&e, kernels);
  emit_consts(&e);
  fputs(kernels, f);
  fputs(code, f);
  free(code);
  free(kernels);
  free(e.kname);
  fclose(f);
  /* both files whole or not at all: the header first, which the C includes */
  int st = ir_write_file(hpath, htext, hlen) || ir_write_file(cpath, ctext, clen);
  free(htext);
  free(ctext);
  return st;
}
