/* emit_loops.c - the emitter's ground floor: printing, C names, buffers, affine indices, loop
 * nests, expressions, and elementwise blocks.
 *
 * Index arithmetic is affine over the block's original iteration dimensions; adjacent
 * dimensions that every access walks contiguously are merged into one loop, and loops of at
 * most --unroll iterations are unrolled into straight-line code with folded indices.
 * Elementwise nodes the planner inlined are generated inside their user's loop (em_expr). */
#include "emit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- small printing helpers ---------------------------------------------------------------- */

void em_line(Em *e, const char *fmt, ...) {
  for (int i = 0; i < e->ind; i++) fputs("  ", e->f);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(e->f, fmt, ap);
  va_end(ap);
  fputc('\n', e->f);
}

const char *em_lit(const Em *e, double v) {
  if (isinf(v)) return v < 0 ? "(-INFINITY)" : "INFINITY"; /* clamp with one bound */
  char b[64];
  snprintf(b, sizeof b, e->d64 ? "%.17g" : "%.9g", v);
  if (!strpbrk(b, ".eEn")) strcat(b, ".0");
  if (!e->d64) strcat(b, "f");
  return v < 0 ? ir_fmt("(%s)", b) : ir_strdup(b);
}

/* The vector type of the register-tiled kernels and its lane count (32 bytes: any ISA). */

const char *em_fn(const Em *e, const char *name) { return e->d64 ? name : ir_fmt("%sf", name); }

char *em_upper(const char *s) {
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

/* The value of key, created as 0 when absent. */
int *em_sm_get(StrMap *m, const char *key) {
  if (2 * (m->n + 1) > m->cap) {
    StrMap t = {0};
    t.cap = m->cap ? 2 * m->cap : 64;
    t.key = ir_alloc(t.cap * sizeof(char *));
    t.val = ir_alloc(t.cap * sizeof(int));
    for (size_t i = 0; i < m->cap; i++)
      if (m->key[i]) *em_sm_get(&t, m->key[i]) = m->val[i];
    *m = t;
  }
  size_t i = rt_fnv1a(RT_FNV1A_BASIS, key, strlen(key)) & (m->cap - 1);
  for (; m->key[i]; i = (i + 1) & (m->cap - 1))
    if (strcmp(m->key[i], key) == 0) return &m->val[i];
  m->key[i] = key;
  m->n++;
  return &m->val[i];
}

int em_ns_add(NameSet *s, const char *name) {
  int *v = em_sm_get(s, em_upper(name));
  if (*v) return 0;
  return *v = 1;
}

/* base, or base_2, base_3, ...: the first not yet in s, added to it. */
const char *em_ns_unique(NameSet *s, const char *base) {
  if (em_ns_add(s, base)) return base;
  for (int k = 2;; k++) {
    const char *c = ir_fmt("%s_%d", base, k);
    if (em_ns_add(s, c)) return c;
  }
}


/* ---- buffers ----------------------------------------------------------------------------- */

int em_ident_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

const char *em_rename(const char *text, int n, const char *const *from, const char *const *to) {
  size_t len = strlen(text), cap = len + 64, k = 0;
  char *r = ir_alloc(cap);
  for (size_t i = 0; i < len;) {
    if (em_ident_char(text[i]) && (i == 0 || !em_ident_char(text[i - 1]))) {
      size_t j = i;
      while (j < len && em_ident_char(text[j])) j++;
      const char *rep = NULL;
      for (int b = 0; b < n && !rep; b++)
        if (strlen(from[b]) == j - i && strncmp(from[b], text + i, j - i) == 0) rep = to[b];
      const char *src = rep ? rep : text + i;
      size_t m = rep ? strlen(rep) : j - i;
      if (k + m + 1 >= cap) {
        char *t = ir_alloc(cap = 2 * (cap + m));
        memcpy(t, r, k);
        r = t;
      }
      memcpy(r + k, src, m);
      k += m;
      i = j;
      continue;
    }
    if (k + 2 >= cap) {
      char *t = ir_alloc(cap *= 2);
      memcpy(t, r, k);
      r = t;
    }
    r[k++] = text[i++];
  }
  r[k] = 0;
  return r;
}

static const char *store_name(const Em *e, const Store *s, int id) {
  switch (s->kind) {
  case S_INPUT: return e->in_names[s->leaf];
  case S_OUTPUT: return e->out_names[s->leaf];
  case S_PARAM: return ir_fmt("p_%s", e->param_ids[s->leaf]);
  case S_GRAD: return ir_fmt("g_%s", e->param_ids[s->leaf]);
  case S_STATE: return ir_fmt("s_%s", e->state_ids[s->leaf]);
  case S_ARENA: return em_node_name((Em *)e, id);
  case S_NONE: case S_ALIAS: break;
  }
  die("no storage for %%%d", id);
}

/* The name of node id's buffer in the current block (declared when the block closes). */
const char *em_buffer(Em *e, int id, int write) {
  id = ir_root_of(e->g, id);
  const Store *s = &e->fp->store[id];
  for (int i = 0; i < e->nbuf; i++)
    if (e->buf[i].kind == s->kind && e->buf[i].off == s->off && e->buf[i].leaf == s->leaf) {
      e->buf[i].written |= write;
      return e->buf[i].name;
    }
  if (e->nbuf == MAXBUF) die("too many buffers in one block");
  Buf *b = &e->buf[e->nbuf++];
  *b = (Buf){s->kind, s->off, s->leaf, store_name(e, s, id), write, e->g->nodes[id].dt == DT_INT, id, 0};
  return b->name;
}

const char *em_slab(StoreKind k) {
  switch (k) {
  case S_PARAM: return "m->param";
  case S_GRAD: return "m->grad";
  case S_STATE: return "m->state";
  case S_ARENA: return "m->arena";
  case S_NONE: case S_INPUT: case S_OUTPUT: case S_ALIAS: return NULL;
  }
  return NULL;
}

/* ---- affine indices and loops -------------------------------------------------------------- */

char *em_aff_str(const Em *e, const Aff *a) {
  int64_t c = a->c;
  char buf[512];
  int n = 0;
  buf[0] = 0;
  for (int v = 0; v < e->L.nov; v++) {
    if (!a->k[v] || e->L.ov[v].lv < 0) continue;
    if (!e->L.ov[v].last) continue; /* folded into the merged loop's innermost coefficient */
    int l = e->L.ov[v].lv;
    if (e->L.lv[l].lit) {
      c += a->k[v] * e->L.lv[l].val;
      continue;
    }
    n += snprintf(buf + n, sizeof buf - (size_t)n, "%s", n ? " + " : "");
    const char *var = e->L.lv[l].alias ? e->L.lv[l].alias : ir_fmt("i%d", l);
    if (a->k[v] == 1) n += snprintf(buf + n, sizeof buf - (size_t)n, "%s", var);
    else n += snprintf(buf + n, sizeof buf - (size_t)n, "%lld*%s", (long long)a->k[v], var);
  }
  if (c || !n)
    n += snprintf(buf + n, sizeof buf - (size_t)n, !n ? "%lld" : c < 0 ? " - %lld" : " + %lld", (long long)(n && c < 0 ? -c : c));
  return ir_strdup(buf);
}

Aff em_aff_var(int v) {
  Aff a = {0, {0}};
  a.k[v] = 1;
  return a;
}

Aff em_aff_zero(void) { return (Aff){0, {0}}; }

/* Linear index of element idx[] of a row-major tensor of shape s. */
Aff em_linear(const Shape *s, const Aff *idx) {
  Aff r = em_aff_zero();
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

int em_unrolled(const Em *e, int64_t n) { return n <= 1 || e->o->unroll < 0 || n <= e->o->unroll; }

/* The pragma set for the next loop (em_omp_split), printed and cleared.  A block's one split
 * loop, at the top of its kernel, is instead "ranged" (returns 1, the caller prints it over
 * [r_lo, r_hi)): the kernel takes its thread's range and the model function calls it from a
 * parallel region (emit_c.c).  Inside a parallel region, in the function clang outlines, the
 * kernel's restrict parameters are captured pointers, restrict no longer, and clang did not
 * vectorize the loops of many stores (LeNet's im2col, col2im: 3x slower than on one thread
 * without --openmp); a ranged kernel is an ordinary function, compiled as without --openmp. */
int em_pragma(Em *e, int64_t n) {
  const char *p = e->pragma_next;
  e->pragma_next = NULL;
  if (!p) return 0;
  if (e->ranged_ok && !e->ranged && e->ind == 1 && !strncmp(p, "#pragma omp parallel for", 24)) {
    e->ranged = n;
    return 1;
  }
  em_line(e, "%s", p);
  return 0;
}

void em_split_for(Em *e, const char *v, int64_t n, const char *what) {
  if (em_pragma(e, n)) em_line(e, "for (int %s = r_lo; %s < r_hi; %s++) { /* %s of this thread's share of %lld */", v, v, v, what, (long long)n);
  else em_line(e, "for (int %s = 0; %s < %lld; %s++) { /* %s */", v, v, (long long)n, v, what);
}

/* One loop over a new loop variable of n iterations around body. */
void em_loop(Em *e, int64_t n, BodyFn body, void *ctx) {
  int l = e->L.nlv++;
  if (l >= MAXV) die("loop nest too deep");
  e->L.lv[l].size = n;
  e->L.lv[l].alias = NULL;
  e->L.lv[l].seg = 0;
  int novec = e->novec_next && !e->pragma_next && e->share_lv != l + 1; /* (not a loop split across threads) */
  e->novec_next = 0;
  if (em_unrolled(e, n)) {
    e->L.lv[l].lit = 1;
    for (int64_t v = 0; v < n; v++) {
      e->L.lv[l].val = v;
      body(e, ctx);
    }
  } else {
    e->L.lv[l].lit = 0;
    /* one loop per segment between the cuts (the bounds of pads along this loop, elem_cuts):
     * in each, every pad is its input or zero throughout, which em_expr writes without a test.
     * Not the loop split across threads (its pragma or share). */
    int ncut = e->ncut[l] > 0 && !e->pragma_next && e->share_lv != l + 1 ? e->ncut[l] : 0;
    e->L.lv[l].seg = ncut > 0;
    for (int s = 0; s <= ncut; s++) {
      int64_t lo = s ? e->cut[l][s - 1] : 0, hi = s < ncut ? e->cut[l][s] : n;
      e->L.lv[l].lo = lo, e->L.lv[l].hi = hi;
      if (novec) em_line(e, "DLC_NO_VEC");
      if (ncut && !s) em_line(e, "for (int i%d = 0; i%d < %lld; i%d++) { /* i%d in %d segments, cut at the pads' bounds */", l, l, (long long)hi, l, l, ncut + 1);
      else if (ncut) em_line(e, "for (int i%d = %lld; i%d < %lld; i%d++) {", l, (long long)lo, l, (long long)hi, l);
      else if (em_pragma(e, n)) em_line(e, "for (int i%d = r_lo; i%d < r_hi; i%d++) { /* this thread's share of %lld */", l, l, l, (long long)n);
      else em_line(e, "for (int i%d = 0; i%d < %lld; i%d++) {", l, l, (long long)n, l);
      /* (a loop from r_lo to r_hi, bounds the C compiler cannot see, is not vectorized inside) */
      if (e->share_lv == l + 1) em_line(e, "  if (i%d < r_lo || i%d >= r_hi) continue; /* another thread's */", l, l);
      e->ind++;
      body(e, ctx);
      e->ind--;
      em_line(e, "}");
    }
    e->L.lv[l].seg = 0;
  }
  e->L.nlv--;
}

/* A nest over the given loop sizes (outermost first). */
typedef struct {
  const int64_t *sizes;
  int n, at;
  BodyFn body;
  void *ctx;
} Nest;

/* Whether the loop around an innermost loop of n iterations stays scalar (DLC_NO_VEC): n whole
 * vectors, few enough that clang unrolls that loop in full (and would then vectorize the loop
 * around it) */
enum { NOVEC_INNER_MAX = 64 };
static int novec_around(const Em *e, int64_t n) { return n % em_vlanes(e) == 0 && n <= NOVEC_INNER_MAX; }

static void nest_step(Em *e, void *ctx) {
  Nest *ns = ctx;
  if (ns->at == ns->n) {
    ns->body(e, ns->ctx);
    return;
  }
  if (ns->at == ns->n - 2 && novec_around(e, ns->sizes[ns->n - 1])) e->novec_next = 1;
  int64_t sz = ns->sizes[ns->at++];
  em_loop(e, sz, nest_step, ns);
  ns->at--;
}

void em_nest(Em *e, const int64_t *sizes, int n, BodyFn body, void *ctx) {
  Nest ns = {sizes, n, 0, body, ctx};
  nest_step(e, &ns);
}

/* Original variables 0..n-1 each in its own loop variable, starting at the current depth. */
void em_plain_vars(Em *e, int n) {
  e->L.nov = n;
  for (int v = 0; v < n; v++) e->L.ov[v].lv = e->L.nlv + v, e->L.ov[v].last = 1;
}

/* ---- expressions --------------------------------------------------------------------------- */


/* Index of child c (right-aligned, broadcast) of a node with shape s at idx. */
void em_child_idx(const Graph *g, const Shape *s, int c, const Aff *idx, Aff *out) {
  const Shape *cs = &g->nodes[c].shape;
  int off = s->n - cs->n;
  for (int j = 0; j < cs->n; j++) out[j] = cs->d[j] == 1 ? em_aff_zero() : idx[j + off];
}

const char *em_read(Em *e, int id, const Aff *idx) {
  const Graph *g = e->g;
  int r = ir_root_of(g, id);
  for (int i = 0; i < e->nsubst; i++)
    if (r == e->subst_node[i]) return e->subst[i];
  if (g->nodes[r].op == OP_CONST) return em_expr(e, r, idx);
  if (e->fp->inl[id]) return em_expr(e, id, idx);
  Aff lin = em_linear(&g->nodes[id].shape, idx);
  return ir_fmt("%s[%s]", em_buffer(e, id, 0), em_aff_str(e, &lin));
}

/* The values of an elementwise op's C expression template (ops.h): operands, scalar
 * attributes as literals, and the libm suffix of the net's real type. */
typedef struct {
  const Em *e;
  const Node *n;
  const char *a, *b;
} ExprArgs;

static const char *expr_value(const char *name, void *ctx) {
  const ExprArgs *x = ctx;
  if (!strcmp(name, "1")) return x->a;
  if (!strcmp(name, "2")) return x->b;
  if (!strcmp(name, "a")) return em_lit(x->e, x->n->a);
  if (!strcmp(name, "b")) return em_lit(x->e, x->n->b);
  if (!strcmp(name, "f")) return x->e->d64 ? "" : "f";
  return NULL;
}

static const char *elementwise(Em *e, const Node *n, const char *a, const char *b) {
  const Node *bn = n->nin > 1 ? &e->g->nodes[n->in[1]] : NULL;
  if (n->op == OP_ADD) { /* a pad's zero (em_expr, in a segment where it is zero throughout) */
    const char *z = em_lit(e, 0);
    int za = !strcmp(a, z), zb = !strcmp(b, z);
    if (za && zb) return z;
    /* x + 0 is x but for -0 (+0): written as such once, (x + 0) + 0 being x + 0 */
    if (za || zb) return (za ? b : a) == e->plus0 ? e->plus0 : (e->plus0 = ir_fmt("(%s + %s)", za ? b : a, z));
  }
  if (n->op == OP_POW && bn->op == OP_CONST && bn->a == 2) return ir_fmt("%s(%s)", em_fn(e, "dlc_sq"), a);
  if (n->op == OP_POW && bn->op == OP_CONST && bn->a == 1) return a;
  if (!op_info[n->op].expr) die("%s has no C expression in ops.h", op_info[n->op].name);
  ExprArgs x = {e, n, a, b};
  return ir_template(op_info[n->op].expr, expr_value, &x);
}

/* The loop variable that index a is, plus a constant (a.c), as the only original variable in
 * its loop, which is not renamed (alias): its level, else -1. */
static int plain_var(const Em *e, const Aff *a, int opened) {
  int v = -1;
  for (int d = 0; d < e->L.nov; d++)
    if (a->k[d]) {
      if (v >= 0 || a->k[d] != 1) return -1;
      v = d;
    }
  if (v < 0 || e->L.ov[v].lv < 0 || !e->L.ov[v].last) return -1;
  int l = e->L.ov[v].lv;
  for (int d = 0; d < e->L.nov; d++)
    if (d != v && e->L.ov[d].lv == l) return -1; /* merged with another dimension */
  return opened && e->L.lv[l].alias ? -1 : l; /* (not opened yet: em_loop's, never renamed) */
}

/* The values [lo, hi) index a takes in the current loops, when it is one variable (plus a
 * constant) whose loop is unrolled (one value) or a segment (em_loop's cuts). */
static int pad_range(const Em *e, const Aff *a, int64_t *lo, int64_t *hi) {
  int l = plain_var(e, a, 1);
  if (l < 0) return 0;
  if (e->L.lv[l].lit) *lo = a->c + e->L.lv[l].val, *hi = *lo + 1;
  else if (e->L.lv[l].seg) *lo = a->c + e->L.lv[l].lo, *hi = a->c + e->L.lv[l].hi;
  else return 0;
  return 1;
}

/* The value of node id at idx, computed from its inputs. */
const char *em_expr(Em *e, int id, const Aff *idx) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id];
  Aff ci[MAX_DIMS];
  switch (op_info[n->op].kind) {
  case K_CONST:
    return n->cname ? ir_fmt("%s_%s", e->PRE, n->cname) : em_lit(e, n->a);
  case K_E1:
    em_child_idx(g, &n->shape, n->in[0], idx, ci);
    return elementwise(e, n, em_read(e, n->in[0], ci), NULL);
  case K_E2: {
    em_child_idx(g, &n->shape, n->in[0], idx, ci);
    const char *a = em_read(e, n->in[0], ci);
    em_child_idx(g, &n->shape, n->in[1], idx, ci);
    return elementwise(e, n, a, em_read(e, n->in[1], ci));
  }
  case K_BCAST:
    em_child_idx(g, &n->shape, n->in[0], idx, ci);
    return em_read(e, n->in[0], ci);
  case K_PERMUTE:
    for (int i = 0; i < n->shape.n; i++) ci[n->attr[i]] = idx[i];
    return em_read(e, n->in[0], ci);
  case K_SHIFT: {
    const Node *x = &g->nodes[n->in[0]];
    for (int i = 0; i < n->shape.n; i++) ci[i] = idx[i];
    if (n->op == OP_SLICE) {
      ci[n->axis].c += n->attr[0];
      return em_read(e, n->in[0], ci);
    }
    /* PAD: the input where it lies, zero around it */
    if (x->shape.d[n->axis] == 1) ci[n->axis] = em_aff_zero();
    else ci[n->axis].c -= n->attr[0];
    int64_t lo, hi; /* the range of the index along the axis in this loop, when known */
    if (pad_range(e, &idx[n->axis], &lo, &hi)) {
      if (lo >= n->attr[0] && hi <= n->attr[0] + x->shape.d[n->axis]) return em_read(e, n->in[0], ci);
      if (hi <= n->attr[0] || lo >= n->attr[0] + x->shape.d[n->axis]) return em_lit(e, 0);
    }
    const char *at = em_aff_str(e, &idx[n->axis]);
    return ir_fmt("((unsigned)(%s - %d) < %du ? %s : %s)", at, n->attr[0], x->shape.d[n->axis], em_read(e, n->in[0], ci),
                  em_lit(e, 0));
  }
  case K_ONEHOT:
    return ir_fmt("(%s == %s ? %s : %s)", em_read(e, n->in[0], idx), em_aff_str(e, &idx[1]), em_lit(e, 1),
                  em_lit(e, 0));
  case K_RAND: {
    Aff lin = em_linear(&n->shape, idx);
    e->uses_rng = 1;
    return ir_fmt("%s(seed, step, UINT64_C(%d), %lld, %s)", em_fn(e, "dlc_rand"), n->axis, (long long)shape_numel(&n->shape),
                  em_aff_str(e, &lin));
  }
  case K_RESHAPE: case K_LEAF:
    return em_read(e, id, idx);
  case K_TRANSP: case K_WINDOW: case K_REDUCE: case K_ROW: case K_MATMUL: case K_PICK: case K_XENT:
  case K_GATHER: case K_PHASE: case K_ASSIGN:
    break; /* always stored: the planner never inlines them */
  }
  die("no expression for %s", op_info[n->op].name);
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
  if (n->op == OP_CONST || g->nodes[ir_root_of(g, id)].op == OP_CONST) return;
  if (!as_root && !e->fp->inl[id]) {
    add_mask(m, &n->shape, map);
    return;
  }
  if (n->op == OP_ONEHOT) {
    for (int j = 0; j < 2; j++)
      if (map[j] >= 0) m->isolated |= 1u << map[j];
  }
  if (n->op == OP_RAND) add_mask(m, &n->shape, map); /* reads its own linear index */
  if (n->op == OP_SLICE || n->op == OP_PAD) {
    /* the shifted axis walks the input with another extent: it does not merge with the dim
     * before it, and a pad's bounds test reads it alone */
    if (map[n->axis] >= 0 && n->shape.d[n->axis] > 1) {
      m->split |= 1u << map[n->axis];
      if (n->op == OP_PAD) m->isolated |= 1u << map[n->axis];
    } else { /* a size-1 slice: the dims around it do not merge either */
      for (int j = n->axis + 1; j < n->shape.n; j++)
        if (map[j] >= 0 && n->shape.d[j] > 1) {
          m->split |= 1u << map[j];
          break;
        }
    }
    const Shape *cs = &g->nodes[n->in[0]].shape;
    for (int j = 0; j < cs->n; j++) cmap[j] = cs->d[j] == 1 ? -1 : map[j];
    masks_of(e, n->in[0], cmap, m, 0);
    return;
  }
  if (n->op == OP_PERMUTE) {
    /* dims stay mergeable only where the input walks them in the same order */
    const Shape *cs = &g->nodes[n->in[0]].shape;
    for (int j = 0; j < cs->n; j++) cmap[j] = -1;
    /* size-1 dims are not iterated: compare each dim with the previous iterated one, which
     * the input must hold right before it but for size-1 dims */
    for (int i = 0, prev = -1; i < n->shape.n; i++) {
      if (map[i] < 0 || n->shape.d[i] == 1) continue;
      int ok = prev >= 0 && map[i] - map[prev] == i - prev && n->attr[i] > n->attr[prev];
      for (int j = ok ? n->attr[prev] + 1 : 0; ok && j < n->attr[i]; j++) ok = cs->d[j] == 1;
      if (!ok) m->split |= 1u << map[i];
      cmap[n->attr[i]] = map[i];
      prev = i;
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
  e->L.nov = s->n;
  for (int d = 0; d < s->n; d++) {
    if (s->d[d] == 1) {
      e->L.ov[d].lv = -1;
      continue;
    }
    int merge = prev >= 0 && !((m->isolated >> d) & 1) && !((m->isolated >> prev) & 1) && !((m->split >> d) & 1);
    for (int a = 0; merge && a < m->nacc; a++)
      if (((m->mask[a] >> d) & 1) != ((m->mask[a] >> prev) & 1)) merge = 0;
    if (merge) {
      e->L.ov[prev].last = 0;
      sizes[nl - 1] *= s->d[d];
    } else {
      sizes[nl++] = s->d[d];
    }
    e->L.ov[d].lv = e->L.nlv + nl - 1;
    e->L.ov[d].last = 1;
    prev = d;
  }
  return nl;
}

static void ident_idx(const Shape *s, Aff *idx) {
  for (int d = 0; d < s->n; d++) idx[d] = s->d[d] == 1 ? em_aff_zero() : em_aff_var(d);
}

/* ---- blocks -------------------------------------------------------------------------------- */

/* The space an elementwise block's value is computed over: its input's for a reduction. */
static const Shape *value_space(const Graph *g, const Elem *el) {
  return el->reduce ? &g->nodes[g->nodes[el->id].in[0]].shape : &g->nodes[el->src].shape;
}

/* Where an elementwise block's value at the current loop variables goes. */
static const char *elem_out(Em *e, const Elem *el) {
  const Graph *g = e->g;
  const Shape *space = value_space(g, el);
  Aff idx[MAX_DIMS], oidx[MAX_DIMS];
  ident_idx(space, idx);
  em_child_idx(g, space, el->dst, idx, oidx);
  for (int d = 0; d < g->nodes[el->dst].shape.n; d++)
    if (g->nodes[el->dst].shape.d[d] == 1) oidx[d] = em_aff_zero();
  Aff lin = em_linear(&g->nodes[el->dst].shape, oidx);
  return ir_fmt("%s[%s]", em_buffer(e, el->dst, 1), em_aff_str(e, &lin));
}

/* The value an elementwise block computes at the current loop variables, and where it goes. */
static const char *elem_value(Em *e, const Elem *el, const char **out) {
  Aff idx[MAX_DIMS];
  ident_idx(value_space(e->g, el), idx);
  const char *v = el->root ? em_expr(e, el->src, idx) : em_read(e, el->src, idx);
  *out = elem_out(e, el);
  return v;
}

void elem_body(Em *e, void *ctx) {
  Elem *el = ctx;
  const char *out, *v = elem_value(e, el, &out);
  if (el->reduce == 1) em_line(e, "%s += %s;", out, v);
  else if (el->reduce == 2) em_line(e, "%s = %s(%s, %s);", out, em_fn(e, "dlc_max"), out, v);
  else em_line(e, "%s = %s;", out, v);
}

/* A sum whose innermost loop runs along reduced dims: VL partial sums (the lanes of a
 * vector, which the C compiler vectorizes), added pairwise in a fixed order, then the tail.
 * n sums over the same loops (sibling reductions): each its own partial sums, in one loop.
 * prod: the elementwise block whose output the sums read, computed in the same loop, each
 * element stored and summed from a local (r_v). */
typedef struct {
  Elem *el;
  int n;
  int64_t len;
  const Elem *prod;
} VSum;

static const char *part_name(int i) { return i ? ir_fmt("r_part%d", i + 1) : "r_part"; }

/* The statements at one element, indented by ind spaces: the producer's element into r_v and
 * its output, then each sum's value (read from r_v where it reads the producer's output)
 * into its partial sum at lane; out: the sums' outputs. */
static void vsum_element(Em *e, VSum *vs, const char *lane, int ind, const char **out) {
  const char *v[MAX_GROUP], *pout = NULL, *pv = elem_value(e, vs->prod, &pout);
  e->subst_node[0] = ir_root_of(e->g, vs->prod->dst), e->subst[0] = "r_v", e->nsubst = 1;
  for (int i = 0; i < vs->n; i++) v[i] = elem_value(e, &vs->el[i], &out[i]);
  e->nsubst = 0;
  em_line(e, "%*sconst %s r_v = %s;", ind, "", e->real, pv);
  em_line(e, "%*s%s = r_v;", ind, "", pout);
  for (int i = 0; i < vs->n; i++) em_line(e, "%*s%s[%s] += %s;", ind, "", part_name(i), lane, v[i]);
}

static void vsum_body(Em *e, void *ctx) {
  VSum *vs = ctx;
  int VL = em_vlanes(e), l = e->L.nlv, n = vs->n;
  int64_t Lv = vs->len / VL * VL;
  const char *out[MAX_GROUP], *v[MAX_GROUP];
  em_line(e, "{");
  e->ind++;
  for (int i = 0; i < n; i++) em_line(e, "%s %s[%d] = {0};", e->real, part_name(i), VL);
  e->L.nlv = l + 2;
  e->L.lv[l].size = vs->len, e->L.lv[l].lit = 0, e->L.lv[l].val = 0, e->L.lv[l].seg = 0;
  e->L.lv[l].alias = ir_fmt("(i%d + i%d)", l, l + 1);
  for (int i = 0; i < n && !vs->prod; i++) v[i] = elem_value(e, &vs->el[i], &out[i]);
  em_line(e, "for (int i%d = 0; i%d < %lld; i%d += %d)", l, l, (long long)Lv, l, VL);
  if (vs->prod) {
    em_line(e, "  for (int i%d = 0; i%d < %d; i%d++) {", l + 1, l + 1, VL, l + 1);
    vsum_element(e, vs, ir_fmt("i%d", l + 1), 4, out);
    em_line(e, "  }");
  } else if (n == 1) {
    em_line(e, "  for (int i%d = 0; i%d < %d; i%d++) r_part[i%d] += %s;", l + 1, l + 1, VL, l + 1, l + 1, v[0]);
  } else {
    em_line(e, "  for (int i%d = 0; i%d < %d; i%d++) {", l + 1, l + 1, VL, l + 1);
    for (int i = 0; i < n; i++) em_line(e, "    %s[i%d] += %s;", part_name(i), l + 1, v[i]);
    em_line(e, "  }");
  }
  em_line(e, "for (int i%d = %d; i%d > 0; i%d /= 2)%s", l, VL / 2, l, l, n > 1 ? " {" : "");
  for (int i = 0; i < n; i++)
    em_line(e, "  for (int i%d = 0; i%d < i%d; i%d++) %s[i%d] += %s[i%d + i%d];", l + 1, l + 1, l, l + 1, part_name(i), l + 1,
            part_name(i), l + 1, l);
  if (n > 1) em_line(e, "}");
  if (Lv < vs->len && vs->prod) {
    e->L.lv[l].alias = NULL;
    em_line(e, "for (int i%d = %lld; i%d < %lld; i%d++) {", l, (long long)Lv, l, (long long)vs->len, l);
    vsum_element(e, vs, "0", 2, out);
    em_line(e, "}");
  } else if (Lv < vs->len) {
    e->L.lv[l].alias = NULL;
    for (int i = 0; i < n; i++) {
      const char *vt = elem_value(e, &vs->el[i], &out[i]);
      em_line(e, "for (int i%d = %lld; i%d < %lld; i%d++) %s[0] += %s;", l, (long long)Lv, l, (long long)vs->len, l, part_name(i), vt);
    }
  }
  for (int i = 0; i < n; i++) em_line(e, "%s += %s[0];", out[i], part_name(i));
  e->L.nlv = l;
  e->ind--;
  em_line(e, "}");
}

/* --openmp: the next loop (the block's outermost) split across threads when the block is
 * large; an elementwise block writes each element once, from one thread, whatever the count.
 * (Not a reduction: its elements are sums that threads would share.) */
void em_omp_split(Em *e, int64_t numel) {
  if (e->o->openmp && numel >= OMP_MIN_ELEMS) e->pragma_next = em_omp(e, "parallel for");
}

typedef struct {
  int dst;
  const char *val;
} Fill;

static void fill_body(Em *e, void *ctx) {
  Fill *fl = ctx;
  Aff a = em_aff_var(0);
  em_line(e, "%s[%s] = %s;", em_buffer(e, fl->dst, 1), em_aff_str(e, &a), fl->val);
}

void em_fill(Em *e, int dst, const char *val) {
  Fill fl = {dst, val};
  int64_t n = shape_numel(&e->g->nodes[dst].shape);
  em_plain_vars(e, 1);
  em_omp_split(e, n);
  em_loop(e, n, fill_body, &fl);
  e->pragma_next = NULL;
}


/* Blocks of n maps and assigns over the same elements in one loop, each statement in turn at
 * each element (plan.c schedules one parameter's update as such a run).  Only when every
 * buffer they touch is walked element by element, or is a scalar, so that a statement reads
 * what an earlier one wrote at the same element only: 0 (nothing printed) otherwise. */
typedef struct {
  Elem *els;
  int n;
} Group;

static void group_body(Em *e, void *ctx) {
  Group *gr = ctx;
  for (int i = 0; i < gr->n; i++) elem_body(e, &gr->els[i]);
}

/* The loop size of the blocks as one flat loop, or 0 when they cannot be one. */
static int64_t group_loop(Em *e, const Elem *els, int n) {
  const Graph *g = e->g;
  const Shape *space = &g->nodes[els[0].src].shape;
  Masks m = {0};
  int map[MAX_DIMS] = {0};
  for (int d = 0; d < space->n; d++) map[d] = d;
  for (int i = 0; i < n; i++) {
    const Elem *el = &els[i];
    if (el->reduce || g->nodes[el->src].op == OP_CONST || !shape_eq(&g->nodes[el->src].shape, space) ||
        !shape_eq(&g->nodes[el->dst].shape, space))
      return 0;
    add_mask(&m, &g->nodes[el->dst].shape, map);
    masks_of(e, el->src, map, &m, el->root);
  }
  if (m.split || m.isolated) return 0; /* a slice, pad or one-hot walks a buffer otherwise */
  int64_t sizes[MAX_DIMS];
  /* one loop: every buffer is walked whole or is one element (a mask that differs keeps dims apart) */
  if (merge_space(e, space, &m, sizes) != 1 || em_unrolled(e, sizes[0])) return 0;
  return sizes[0];
}

int em_group_flat(Em *e, const Elem *els, int n) {
  Loops saved = e->L;
  int ok = group_loop(e, els, n) > 0;
  e->L = saved;
  return ok;
}

int emit_elem_group(Em *e, Elem *els, int n) {
  int64_t size = group_loop(e, els, n);
  if (!size) return 0;
  Group gr = {els, n};
  em_omp_split(e, size);
  em_nest(e, &size, 1, group_body, &gr);
  e->pragma_next = NULL;
  return 1;
}

/* The fused update's blocks at one element: the loop they would run in (em_group_flat) is
 * replaced by the flat index at, and the gradient slot's element by g. */
void em_update_epilogue(Em *e, const char *g, const char *at) {
  const FuseUpd *fu = e->fuse;
  const FnPlan *fp = e->fp;
  Loops saved = e->L;
  const Shape *space = &e->g->nodes[fu->els[0].src].shape;
  int l = e->L.nlv, lastd = -1;
  e->fp = &e->p->fn[FN_UPDATE];
  e->L.nlv = l + 1;
  e->L.lv[l].size = shape_numel(space), e->L.lv[l].lit = 0, e->L.lv[l].val = 0, e->L.lv[l].seg = 0;
  e->L.lv[l].alias = ir_fmt("(%s)", at);
  e->L.nov = space->n;
  for (int d = 0; d < space->n; d++) {
    e->L.ov[d].lv = space->d[d] == 1 ? -1 : l;
    e->L.ov[d].last = 0;
    if (space->d[d] > 1) lastd = d;
  }
  if (lastd >= 0) e->L.ov[lastd].last = 1;
  e->subst_node[0] = fu->grad, e->subst[0] = g, e->nsubst = 1;
  for (int i = 0; i < fu->nels; i++) {
    const Elem *el = &fu->els[i];
    if (e->p->fn[FN_UPDATE].store[ir_root_of(e->g, el->dst)].kind != S_ARENA) {
      elem_body(e, (Elem *)el);
      continue;
    }
    /* an intermediate the update stores for several of its blocks: a local here */
    Aff idx[MAX_DIMS];
    ident_idx(space, idx);
    const char *v = el->root ? em_expr(e, el->src, idx) : em_read(e, el->src, idx);
    em_line(e, "const %s r_v%d = %s;", e->real, i, v);
    e->subst_node[e->nsubst] = ir_root_of(e->g, el->dst), e->subst[e->nsubst++] = ir_fmt("r_v%d", i);
  }
  e->nsubst = 0;
  e->fp = fp;
  e->L = saved;
}

/* A product's elementwise epilogue (e->fuse->epi) at element (row, col) of C, whose value is
 * g: the user's expression with C's element replaced by g, stored at the user's element
 * (row, col).  Loops over C's two dimensions, their variables printed as row and col: a
 * tensor of C's shape is read at row * N + col, a broadcast row (a bias) at col. */
void em_elem_epilogue(Em *e, const char *g, const char *row, const char *col) {
  const FuseUpd *fu = e->fuse;
  Loops saved = e->L;
  const Shape *s = &e->g->nodes[fu->mm].shape;
  int l = e->L.nlv;
  const char *alias[2] = {row, col};
  e->L.nlv = l + 2;
  e->L.nov = 2;
  for (int d = 0; d < 2; d++) {
    e->L.lv[l + d].size = s->d[d], e->L.lv[l + d].lit = 0, e->L.lv[l + d].val = 0, e->L.lv[l + d].seg = 0;
    e->L.lv[l + d].alias = ir_fmt("(%s)", alias[d]);
    e->L.ov[d].lv = s->d[d] == 1 ? -1 : l + d;
    e->L.ov[d].last = 1;
  }
  e->subst_node[0] = fu->mm, e->subst[0] = g, e->nsubst = 1;
  elem_body(e, (Elem *)&fu->els[0]);
  e->nsubst = 0;
  e->L = saved;
}

/* --openmp, a reduction at a kernel's top level: the outermost loop the output walks, if any,
 * runs in each thread over that thread's share of it (dlc_thread_share: a contiguous range),
 * in place; the nest is a kernel of its own (share_gen), called by each thread from a parallel
 * region (em_sub_kernel: its pointers restrict).  Each output element is summed by one thread,
 * in the order of the reduced loops, as one thread sums it: the same bits.  Each thread reads contiguous
 * blocks (its channels of an image), which the prefetchers follow; moving the loop outside
 * would read rows of one channel, a page apart (fashion_cnn's batch norm sums: 3-5x slower).
 * The loop's index among the nest's, or -1 when there is none worth splitting. */
/* The output (the first access of m) walks loop variable lv. */
static int out_walks(const Em *e, const Masks *m, int lv) {
  for (int d = 0; d < e->L.nov; d++)
    if (e->L.ov[d].lv == lv && ((m->mask[0] >> d) & 1)) return 1;
  return 0;
}

static int shared_loop(const Em *e, const Masks *m, const int64_t *sizes, int nl) {
  for (int l = 0; l < nl; l++)
    if (out_walks(e, m, e->L.nlv + l)) return sizes[l] >= OMP_MIN_TILES && !em_unrolled(e, sizes[l]) ? l : -1;
  return -1;
}

/* The iteration space of a block, its access masks, and its loops merged (e->L). */
static const Shape *elem_space(Em *e, const Elem *el) {
  const Graph *g = e->g;
  return g->nodes[el->src].op == OP_CONST ? &g->nodes[el->dst].shape : value_space(g, el);
}

/* The nest's loop l (of nl from the current depth, sizes) moved to position pos[l], the
 * dimensions that live in it with it. */
static void move_loops(Em *e, int64_t *sizes, int nl, const int *pos) {
  int l0 = e->L.nlv;
  int64_t old[MAX_DIMS];
  memcpy(old, sizes, (size_t)nl * sizeof *sizes);
  for (int l = 0; l < nl; l++) sizes[pos[l]] = old[l];
  for (int d = 0; d < e->L.nov; d++)
    if (e->L.ov[d].lv >= l0) e->L.ov[d].lv = l0 + pos[e->L.ov[d].lv - l0];
}

/* A reduction whose output walks the innermost loop: its summed loops moved inward, right
 * outside that loop, the output's other loops outside them (each in its order).  A batched
 * product summed over its middle dim (attention's dV = P^T dO: [256, 16 summed, 16, 16]) then
 * adds each summed row into one row of the output, a vector the C compiler keeps in registers,
 * instead of sweeping the whole output per summed index (which clang vectorized across the
 * output's rows with gathers and scatters).  Each element gets the same terms in the same
 * order (the summed loops keep theirs): the same bits. */
static void sums_inward(Em *e, const Masks *m, int64_t *sizes, int nl) {
  int l0 = e->L.nlv, pos[MAX_DIMS], k = 0, moved = 0;
  if (nl < 3 || !out_walks(e, m, l0 + nl - 1)) return;
  for (int l = 0; l < nl - 1; l++)
    if (out_walks(e, m, l0 + l)) moved |= k != l, pos[l] = k++;
  for (int l = 0; l < nl - 1; l++)
    if (!out_walks(e, m, l0 + l)) moved |= k != l, pos[l] = k++;
  pos[nl - 1] = nl - 1;
  if (moved) move_loops(e, sizes, nl, pos);
}

static int elem_loops(Em *e, const Elem *el, Masks *m, int64_t *sizes) {
  const Graph *g = e->g;
  const Shape *space = elem_space(e, el);
  int map[MAX_DIMS] = {0}, omap[MAX_DIMS] = {0};
  for (int d = 0; d < space->n; d++) map[d] = d;
  const Shape *os = &g->nodes[el->dst].shape;
  for (int j = 0; j < os->n; j++) omap[j] = os->d[j] == 1 ? -1 : j + space->n - os->n;
  *m = (Masks){0};
  add_mask(m, os, omap);
  masks_of(e, el->src, map, m, el->root);
  int nl = merge_space(e, space, m, sizes);
  /* a sum over an elementwise block's output walks that block's nest (what the block reads
   * splits its dims as it splits the block's), so that the two can be one loop (emit_c.c
   * emit_sums), when that keeps the innermost loop: split outer loops walk the elements in
   * the same order, each output gets the same partial sums in the same order, the same bits
   * as the sum's own nest (--check-numerics) */
  const Node *src = &g->nodes[el->src];
  if (el->reduce == 1 && !el->root && nl > 0 && (op_info[src->op].kind == K_E1 || op_info[src->op].kind == K_E2) &&
      shape_eq(&src->shape, space)) {
    Masks pm = *m;
    Loops saved = e->L;
    int64_t ps[MAX_DIMS];
    masks_of(e, el->src, map, &pm, 1);
    int pn = merge_space(e, space, &pm, ps);
    if (pn > 0 && ps[pn - 1] == sizes[nl - 1]) {
      *m = pm;
      memcpy(sizes, ps, sizeof ps);
      sums_inward(e, m, sizes, pn);
      return pn;
    }
    e->L = saved;
  }
  if (el->reduce) sums_inward(e, m, sizes, nl);
  return nl;
}

/* Do n sums over a nest (e->L, sizes, nl, the first's masks m) sum in vector lanes (VSum)? */
static int lane_sums(Em *e, const Elem *els, const Masks *m, const int64_t *sizes, int nl) {
  int VL = em_vlanes(e);
  return els[0].reduce == 1 && nl > 0 && sizes[nl - 1] >= 4 * VL && !em_unrolled(e, sizes[nl - 1]) &&
         !out_walks(e, m, e->L.nlv + nl - 1); /* the innermost loop is a reduced one */
}

/* Sums whose output walks only the loop right outside the innermost, a reduced one too short
 * for lanes along it (VSum): batch norm's sums over [N, C, 7 x 7] planes, one output per
 * channel.  Their own nest adds each element into its output in turn, the output's 49
 * additions a chain and the next channel's another (clang unrolled the 49 and gathered across
 * the channels); here the outputs are computed VL at a time, one in each lane of a vector of
 * partial sums started from the output (its +0) and stored back at the end: the kept loop
 * outermost by steps of VL, the reduced loops inside it in their order, the lanes innermost
 * (each lane's terms gathered, stride the innermost loop's length).  Every output gets the
 * same terms in the same order, the same bits; the outputs after the last whole group get
 * their own nest.  Not under --check-numerics (the equiv tests' reference keeps the old nest),
 * nor in a thread's share of a split reduction (--openmp). */
typedef struct {
  Elem *el;
  int n;
} KeptLanes;

static int kept_lanes_ok(const Em *e, const Elem *els, const Masks *m, const int64_t *sizes, int nl) {
  int VL = em_vlanes(e), l0 = e->L.nlv;
  if (els[0].reduce != 1 || e->share_lv || e->o->check_numerics || nl < 2 || sizes[nl - 2] < VL || em_unrolled(e, VL) ||
      em_unrolled(e, sizes[nl - 1]))
    return 0;
  if (out_walks(e, m, l0 + nl - 1) || !out_walks(e, m, l0 + nl - 2)) return 0;
  for (int l = 0; l < nl - 2; l++)
    if (out_walks(e, m, l0 + l)) return 0;
  return 1;
}

static void kept_lanes_body(Em *e, void *ctx) {
  KeptLanes *k = ctx;
  const char *out;
  for (int i = 0; i < k->n; i++) {
    const char *v = elem_value(e, &k->el[i], &out);
    em_line(e, "%s[i%d] += %s;", part_name(i), e->L.nlv - 1, v);
  }
}

static void kept_lanes(Em *e, Elem *els, int n, const int64_t *sizes, int nl) {
  int VL = em_vlanes(e), l0 = e->L.nlv, lane = l0 + nl, pos[MAX_DIMS];
  int64_t rs[MAX_DIMS + 1];
  Loops saved = e->L;
  /* the kept loop first (l0), the summed ones after it in their order, then the lanes' */
  for (int l = 0; l < nl - 2; l++) pos[l] = l + 1;
  pos[nl - 2] = 0, pos[nl - 1] = nl - 1;
  memcpy(rs, sizes, (size_t)nl * sizeof *sizes);
  move_loops(e, rs, nl, pos);
  rs[nl] = VL;
  int64_t K = rs[0], Kv = K / VL * VL;
  e->L.nlv = l0 + 1;
  e->L.lv[l0].size = K, e->L.lv[l0].lit = 0, e->L.lv[l0].val = 0, e->L.lv[l0].seg = 0;
  e->L.lv[l0].alias = ir_fmt("(i%d + i%d)", l0, lane);
  const char *out[MAX_GROUP]; /* (each walks the kept loop only) */
  for (int i = 0; i < n; i++) out[i] = elem_out(e, &els[i]);
  em_line(e, "for (int i%d = 0; i%d < %lld; i%d += %d) { /* %d outputs at a time, one in each lane */", l0, l0, (long long)Kv, l0, VL, VL);
  e->ind++;
  for (int i = 0; i < n; i++) em_line(e, "%s %s[%d];", e->real, part_name(i), VL);
  em_line(e, "for (int i%d = 0; i%d < %d; i%d++) {", lane, lane, VL, lane);
  for (int i = 0; i < n; i++) em_line(e, "  %s[i%d] = %s;", part_name(i), lane, out[i]);
  em_line(e, "}");
  KeptLanes k = {els, n};
  em_nest(e, rs + 1, nl, kept_lanes_body, &k);
  em_line(e, "for (int i%d = 0; i%d < %d; i%d++) {", lane, lane, VL, lane);
  for (int i = 0; i < n; i++) em_line(e, "  %s = %s[i%d];", out[i], part_name(i), lane);
  em_line(e, "}");
  e->ind--;
  em_line(e, "}");
  if (Kv < K) { /* the outputs after the last group, each its own nest */
    e->L.lv[l0].alias = NULL;
    em_line(e, "for (int i%d = %lld; i%d < %lld; i%d++) {", l0, (long long)Kv, l0, (long long)K, l0);
    e->ind++;
    Group gr = {els, n};
    em_nest(e, rs + 1, nl - 1, group_body, &gr);
    e->ind--;
    em_line(e, "}");
  }
  e->L = saved;
}

/* Where the loops of a block are cut (e->ncut, e->cut): at the bounds of each pad along a loop
 * that its index is alone in, walking the expression as em_expr does (inlined nodes only).  A
 * concatenation's backward is a sum of pads of disjoint ranges (an LSTM's gates over its 28
 * steps: 31 pads, each element one of them or zero): cut there, each segment reads one input,
 * instead of every element testing every pad's range. */
static void add_cut(Em *e, int l, int64_t at, const int64_t *sizes, int nl) {
  if (l < e->L.nlv || l >= e->L.nlv + nl || at <= 0 || at >= sizes[l - e->L.nlv] || e->ncut[l] < 0) return;
  int k = 0;
  while (k < e->ncut[l] && e->cut[l][k] < at) k++;
  if (k < e->ncut[l] && e->cut[l][k] == at) return;
  if (e->ncut[l] == MAX_CUTS) { /* too many: the loop stays whole */
    e->ncut[l] = -1;
    return;
  }
  memmove(&e->cut[l][k + 1], &e->cut[l][k], (size_t)(e->ncut[l] - k) * sizeof e->cut[l][0]);
  e->cut[l][k] = at;
  e->ncut[l]++;
}

static void elem_cuts(Em *e, int id, const Aff *idx, int root, const int64_t *sizes, int nl) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id];
  Aff ci[MAX_DIMS];
  if (!root && (!e->fp->inl[id] || g->nodes[ir_root_of(g, id)].op == OP_CONST)) return; /* a read */
  for (int i = 0; i < e->nsubst; i++)
    if (!root && ir_root_of(g, id) == e->subst_node[i]) return;
  switch (op_info[n->op].kind) {
  case K_E1: case K_E2: case K_BCAST:
    for (int k = 0; k < n->nin; k++) {
      em_child_idx(g, &n->shape, n->in[k], idx, ci);
      elem_cuts(e, n->in[k], ci, 0, sizes, nl);
    }
    return;
  case K_PERMUTE:
    for (int i = 0; i < n->shape.n; i++) ci[n->attr[i]] = idx[i];
    elem_cuts(e, n->in[0], ci, 0, sizes, nl);
    return;
  case K_SHIFT: {
    const Node *x = &g->nodes[n->in[0]];
    for (int i = 0; i < n->shape.n; i++) ci[i] = idx[i];
    if (n->op == OP_SLICE) ci[n->axis].c += n->attr[0];
    else {
      int l = plain_var(e, &idx[n->axis], 0);
      if (l >= 0) {
        add_cut(e, l, n->attr[0] - idx[n->axis].c, sizes, nl);
        add_cut(e, l, n->attr[0] + x->shape.d[n->axis] - idx[n->axis].c, sizes, nl);
      }
      if (x->shape.d[n->axis] == 1) ci[n->axis] = em_aff_zero();
      else ci[n->axis].c -= n->attr[0];
    }
    elem_cuts(e, n->in[0], ci, 0, sizes, nl);
    return;
  }
  default: return;
  }
}

typedef struct {
  Elem *els;
  int n;
  const Masks *m;
  const int64_t *sizes;
  int nl;
  const Elem *prod;
  int l; /* the loop each thread runs over its share of */
} ShareGen;

static void elem_nest(Em *e, Elem *els, int n, const Masks *m, const int64_t *sizes, int nl, const Elem *prod);

/* A reduction's nest in a kernel of its own, over the calling thread's share of loop l. */
static int share_gen(Em *e, void *ctx) {
  const ShareGen *s = ctx;
  e->share_lv = e->L.nlv + s->l + 1;
  elem_nest(e, s->els, s->n, s->m, s->sizes, s->nl, s->prod);
  e->share_lv = 0;
  return 1;
}

/* The blocks' loop nest (e->L, sizes, nl, their first's masks m), printed: n sums (all of the
 * same output shape, with the block prod whose output they read, when lane_sums) or one block
 * of any kind. */
static void elem_nest(Em *e, Elem *els, int n, const Masks *m, const int64_t *sizes, int nl, const Elem *prod) {
  const Elem *el = &els[0];
  int64_t numel = shape_numel(elem_space(e, el));
  /* --openmp, a reduction at a kernel's top level: split (share_gen); elsewhere on one thread */
  int l = el->reduce && e->o->openmp && numel >= OMP_MIN_ELEMS && !e->share_lv && e->ind == 1 && e->L.nlv == 0
              ? shared_loop(e, m, sizes, nl)
              : -1;
  if (l >= 0) {
    ShareGen s = {els, n, m, sizes, nl, prod, l};
    em_sub_kernel(e, share_gen, &s, el->id, "_share", NULL, sizes[l], "this thread's share");
    return;
  }
  if (lane_sums(e, els, m, sizes, nl)) {
    VSum vs = {els, n, sizes[nl - 1], prod};
    em_nest(e, sizes, nl - 1, vsum_body, &vs);
    return;
  }
  if (kept_lanes_ok(e, els, m, sizes, nl)) { /* (prod: only with lane_sums) */
    kept_lanes(e, els, n, sizes, nl);
    return;
  }
  if (!el->reduce && nl > 0 && sizes[0] > 1) em_omp_split(e, numel);
  Group gr = {els, n};
  for (int i = 0; i < n; i++) {
    Aff idx[MAX_DIMS];
    ident_idx(elem_space(e, &els[i]), idx);
    elem_cuts(e, els[i].src, idx, els[i].root, sizes, nl);
  }
  /* an outer loop: its inner nest pasted per segment (up to MAX_CUTS of them with one loop
   * inside, a stack of an LSTM's 28 steps' outputs; 8 with more) */
  for (int l = e->L.nlv; l < e->L.nlv + nl - 2; l++)
    if (e->ncut[l] > 8) e->ncut[l] = 0;
  em_nest(e, sizes, nl, group_body, &gr);
  memset(e->ncut, 0, sizeof e->ncut);
  e->pragma_next = NULL;
}

void emit_elem(Em *e, Elem *el) {
  const Graph *g = e->g;
  if (el->reduce) em_fill(e, el->dst, el->reduce == 1 ? em_lit(e, 0) : "-INFINITY");
  Masks m;
  int64_t sizes[MAX_DIMS];
  int nl = elem_loops(e, el, &m, sizes);
  if (g->nodes[el->src].op == OP_CONST) {
    em_fill(e, el->dst, em_expr(e, el->src, NULL));
    return;
  }
  elem_nest(e, el, 1, &m, sizes, nl, NULL);
}

/* Sums over the same elements into outputs of the same shape, none reading another's output
 * (batch norm's backward: the sums of g and of g x), in one loop nest: each walks the nest its
 * own block would, so each output gets the same additions in the same order, the same bits.
 * prod (or NULL): an elementwise block over those elements whose output the sums read, each
 * element stored and summed as it is computed (batch norm's forward: the convolution's
 * output, bias added, and its sum), when its own nest is the same and the sums run in vector
 * lanes.  0 (nothing printed) when their own nests would differ. */
int emit_elem_sums(Em *e, Elem *els, int n, const Elem *prod) {
  Loops saved = e->L, first = e->L;
  Masks m, mi;
  int64_t sizes[MAX_DIMS], si[MAX_DIMS];
  int nl = 0;
  for (int i = 0; i < n + (prod != NULL); i++) {
    e->L = saved;
    int k = elem_loops(e, i < n ? &els[i] : prod, i ? &mi : &m, i ? si : sizes);
    if (!i) {
      nl = k, first = e->L;
      continue;
    }
    int same = k == nl && e->L.nov == first.nov && !memcmp(si, sizes, (size_t)nl * sizeof *si);
    for (int d = 0; same && d < first.nov; d++) same = e->L.ov[d].lv == first.ov[d].lv && e->L.ov[d].last == first.ov[d].last;
    if (!same) {
      e->L = saved;
      return 0;
    }
  }
  e->L = first;
  int lanes = lane_sums(e, els, &m, sizes, nl);
  e->L = saved;
  if (prod && !lanes) return 0;
  for (int i = 0; i < n; i++) em_fill(e, els[i].dst, em_lit(e, 0));
  e->L = first;
  elem_nest(e, els, n, &m, sizes, nl, prod);
  return 1;
}

