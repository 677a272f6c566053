/* emit_c.c - writes net.c and net.h from a planned graph: the emitter's driver.
 *
 * Every scheduled node becomes one block: a kernel (a static function taking restrict
 * pointers to the buffers it touches, so the C compiler knows they do not overlap) whose body
 * is the node's loop nest, and a call to it.  Kernels with the same text are emitted once.
 * The parts: emit.h lists them.  Output is deterministic: it depends only on the plan and the
 * options. */
#include "emit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The elementwise block of node id (a map or an assign), or 0. */
static int elem_of(const Em *e, int id, Elem *el) {
  const Node *n = &e->g->nodes[id];
  switch (op_info[n->op].kind) {
  case K_E1: case K_E2: *el = (Elem){id, id, id, 0, 1}; return 1;
  case K_ASSIGN: *el = (Elem){id, n->in[1], n->in[0], 0, 0}; return 1;
  default: return 0;
  }
}

/* The input of elementwise node id whose block computes id as its epilogue (plan.c), or -1:
 * read directly or with its planes swapped (an inlined ir_plane_swap); *via (if not NULL):
 * the node id reads it through, itself or the swap. */
static int epilogue_host(const Em *e, int id, int *via) {
  const Node *n = &e->g->nodes[id];
  for (int k = 0; k < n->nin; k++) {
    int x = n->in[k];
    if (e->fp->inl[x] && ir_plane_swap(e->g, x)) x = e->g->nodes[x].in[0];
    if (!e->fp->inl[x] || e->g->nodes[x].op != OP_MAXPOOL_BACK) continue;
    if (via) *via = n->in[k];
    return x;
  }
  return -1;
}

static void emit_node(Em *e, int id) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id];
  switch (op_info[n->op].kind) {
  case K_E1: case K_E2: case K_BCAST: case K_PERMUTE: case K_SHIFT: case K_ONEHOT: case K_RAND: {
    int via, host = epilogue_host(e, id, &via);
    if (host >= 0) {
      emit_pool_epilogue(e, host, via, id);
      break;
    }
    if (emit_permute_tiles(e, id)) break;
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
  case K_ROW: case K_XENT: emit_row(e, id, -1); break;
  case K_PICK: emit_pick(e, id); break;
  case K_GATHER: emit_gather(e, id); break;
  case K_LEAF: case K_CONST: case K_RESHAPE: case K_PHASE:
    die("cannot emit %s: never scheduled", op_info[n->op].name);
  }
}

/* The nodes computed inside this block's loop, for its comment. */
static void comment_fused(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  for (int k = n->op == OP_ASSIGN; k < n->nin; k++)
    if (e->fp->inl[n->in[k]]) {
      em_line(e, " *   with %s", ir_esc(dump_node_str(e->g, n->in[k], e->d64), RT_ESC_C_COMMENT));
      comment_fused(e, n->in[k]);
    }
}

/* A pointer into one of the model's slabs, declared once at the top of the model function
 * under the name the kernels give that buffer, with what it holds. */
static void declare_local(Em *e, const Buf *b, const char *type) {
  int *seen = em_sm_get(&e->locals, b->name);
  e->reads_model = 1;
  if (*seen) return;
  *seen = 1;
  const char *what = "";
  if (b->kind == S_ARENA) {
    const Node *n = &e->g->nodes[b->node];
    what = ir_fmt("   /* %%%d %s%s: %s */", b->node, op_info[n->op].name, shape_str(&n->shape), em_node_role(e, b->node));
  }
  fprintf(e->decls, "  %s *const %s = %s + %lld;%s\n", type, b->name, em_slab(b->kind), (long long)b->off, what);
}

/* The constant C at the end of index text[i, j) ("64*i0 + i1 + C"); -1 when it has none, or
 * when the index holds an operator that binds looser than + (C would not be a term of it). */
static int64_t trailing_const(const char *text, size_t i, size_t j) {
  for (size_t t = i; t < j; t++)
    if (strchr("?:<>=&|^,", text[t])) return -1;
  size_t k = j;
  while (k > i && text[k - 1] >= '0' && text[k - 1] <= '9') k--;
  if (k == j || k - i < 4 || strncmp(text + k - 3, " + ", 3) != 0) return -1;
  return strtoll(text + k, NULL, 10);
}

/* The next use of buffer `name` in body[from, n): 1 with *at its start and *close its index's
 * closing ']' (n when the name is not indexed: used as a pointer, or the text ends); 0 if none. */
static int next_use(const char *body, size_t n, size_t from, const char *name, size_t *at, size_t *close) {
  size_t len = strlen(name);
  for (size_t i = from; i + len <= n; i++) {
    if (strncmp(body + i, name, len) != 0 || (i && em_ident_char(body[i - 1])) || em_ident_char(body[i + len]))
      continue;
    size_t j = i + len, depth = 0;
    if (body[j] == '[')
      for (j++; j < n && (body[j] != ']' || depth); j++) depth += (body[j] == '[') - (body[j] == ']');
    else
      j = n;
    *at = i, *close = j;
    return 1;
  }
  return 0;
}

/* Offsets hoisted out of the loops: a buffer the body indexes only as name[... + C], with C >= 1
 * in every access, is passed to the kernel as name + min C and indexed with C - min C.  The
 * blocks of an unrolled recurrence read the steps' slices of one buffer at offsets that differ
 * by a constant: hoisted, their loop nests are the same text and share one kernel.  (Done on
 * the block's text, after the loop nest is written, because the minimum over all of a buffer's
 * accesses is known only then.) */
static char *hoist_offsets(Em *e, char *body) {
  size_t n = strlen(body), at, close;
  for (int b = 0; b < e->nbuf; b++) {
    Buf *buf = &e->buf[b];
    size_t len = strlen(buf->name);
    int64_t lo = INT64_MAX;
    buf->hoisted = 0;
    for (size_t i = 0; lo > 0 && next_use(body, n, i, buf->name, &at, &close); i = close) {
      int64_t c = close < n ? trailing_const(body, at + len + 1, close) : -1;
      lo = c < 1 ? 0 : c < lo ? c : lo;
    }
    if (lo == INT64_MAX || lo == 0) continue;
    buf->hoisted = lo;
    /* every "name[E + C]" becomes "name[E + (C - lo)]", or "name[E]" when C == lo */
    char *r = ir_alloc(n + 1);
    size_t k = 0, i = 0;
    for (; next_use(body, n, i, buf->name, &at, &close); i = close) {
      size_t d = close;
      while (body[d - 1] >= '0' && body[d - 1] <= '9') d--;
      int64_t c = strtoll(body + d, NULL, 10) - lo;
      memcpy(r + k, body + i, d - 3 - i); /* the text before, and name[E */
      k += d - 3 - i;
      if (c) k += (size_t)sprintf(r + k, " + %lld", (long long)c);
    }
    memcpy(r + k, body + i, n - i);
    k += n - i;
    r[k] = 0;
    body = r;
    n = k;
  }
  return body;
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
      if (em_slab(b->kind)) declare_local(e, b, type);
      a = b->hoisted ? ir_fmt("%s%s%s + %lld", a, n ? ", " : "", b->name, (long long)b->hoisted)
                     : ir_fmt("%s%s%s", a, n ? ", " : "", b->name);
      n++;
    }
  if (e->uses_rng) {
    p = ir_fmt("%s%suint64_t seed, int64_t step", p, n ? ", " : "");
    a = ir_fmt("%s%sm->seed, dlc_draw_step(m->step, m->rank, m->ranks)", a, n ? ", " : "");
    e->reads_model = 1;
  }
  if (e->ranged) {
    p = ir_fmt("%s%sint r_lo, int r_hi", p, n ? ", " : "");
    a = ir_fmt("%s%sr_lo, r_hi", a, n ? ", " : "");
  }
  *params = p;
  *args = a;
}

/* A kernel: the loop nest of one or more blocks.  Blocks whose loop nests differ only in the
 * buffers they touch (the steps of an unrolled recurrence, the heads of an attention, two
 * layers of one shape) share one kernel, called with each block's buffers: repeated structure
 * is compiled once.  A kernel used by one block (or by blocks on the same buffers, in
 * different functions) keeps the buffers' names; a shared one calls them out0.., in0.. and
 * lists the nodes it computes. */
struct Kernel {
  const char *name;
  char *comment;             /* the first block's node comment */
  const char *params, *body; /* with the first block's buffer names */
  const char *gparams, *gbody; /* with positional names */
  const char *named_key;     /* params and body as named: 1 user, or users on one set of buffers */
  int shared;                /* a block on other buffers calls it too */
  int nusers;
  char *users;               /* the other blocks' nodes, for the comment */
};

/* text with every identifier that is a buffer of the block replaced by its positional name */
static const char *positional(Em *e, const char *text, const char *const *gname) {
  const char *from[MAXBUF];
  for (int b = 0; b < e->nbuf; b++) from[b] = e->buf[b].name;
  return em_rename(text, e->nbuf, from, gname);
}

/* The kernel of blocks ids[0..n) (the first names it; the others are fused into its loop, or,
 * upd, the update its product's elements go into), name suffix added, as params and body. */
static const char *kernel(Em *e, const int *ids, int n, const FuseUpd *upd, const char *suffix, const char *params,
                          const char *body) {
  int id = ids[0];
  const char *gname[MAXBUF];
  int nout = 0, nin = 0;
  for (int written = 1; written >= 0; written--) /* positions in the signature's order */
    for (int i = 0; i < e->nbuf; i++)
      if (e->buf[i].written == written) gname[i] = written ? ir_fmt("out%d", nout++) : ir_fmt("in%d", nin++);
  const char *gparams = positional(e, params, gname), *gbody = positional(e, body, gname);
  const char *named_key = ir_fmt("(%s) {\n%s", params, body);
  int *known = em_sm_get(&e->kernels, ir_fmt("(%s) {\n%s", gparams, gbody));
  if (*known) {
    struct Kernel *k = &e->kern[*known - 1];
    if (strcmp(k->named_key, named_key) != 0) {
      k->shared = 1;
      if (k->nusers < 16) k->users = ir_fmt("%s%s%%%d", k->users, k->nusers ? ", " : "", id);
      else if (k->nusers == 16) k->users = ir_fmt("%s, ...", k->users);
      k->nusers++;
    }
    return k->name;
  }
  if (e->nk == e->capk) {
    e->capk = e->capk ? 2 * e->capk : 64;
    e->kern = realloc(e->kern, (size_t)e->capk * sizeof *e->kern);
    if (!e->kern) die("out of memory");
  }
  const char *name = ir_fmt("%s_%s_%d", e->pre, op_info[e->g->nodes[id].op].name, id);
  if (upd) name = ir_fmt("%s_update", name);
  if (suffix) name = ir_fmt("%s%s", name, suffix);
  int twins = (*em_sm_get(&e->twins, name))++; /* the same node, computed differently in another function */
  if (twins) name = ir_fmt("%s_v%d", name, twins + 1);
  *known = e->nk + 1;
  struct Kernel *k = &e->kern[e->nk++];
  *k = (struct Kernel){name, NULL, params, ir_strdup(body), gparams, gbody, named_key, 0, 0, ir_strdup("")};
  char *text = NULL;
  size_t len = 0;
  FILE *out = e->f;
  int ind = e->ind;
  e->f = open_memstream(&text, &len);
  if (!e->f) die("open_memstream: %s", strerror(errno));
  e->ind = 0;
  const Node *nd = &e->g->nodes[id];
  int fused = 0;
  for (int i = nd->op == OP_ASSIGN; i < nd->nin; i++) fused |= e->fp->inl[nd->in[i]];
  em_line(e, "/* %s", ir_esc(dump_node_str(e->g, id, e->d64), RT_ESC_C_COMMENT));
  if (fused) comment_fused(e, id);
  if (upd) { /* the update's blocks are m_update's, whose kernel comments spell them out */
    const char *blocks = "";
    for (int i = 1; i < n; i++) blocks = ir_fmt("%s%s%%%d", blocks, i > 1 ? ", " : "", ids[i]);
    em_line(e, " * each element, as %s computed, goes straight into %s's update (%s)%s, never stored",
            em_matmul_tiled(e, id) ? "its tile is" : "it is", ir_esc(e->g->params[upd->param].name, RT_ESC_C_COMMENT), blocks,
            upd->trans >= 0 ? ir_fmt(" at its transposed position (%%%d)", upd->trans) : "");
  }
  for (int i = 1; i < n && !upd; i++) { /* the blocks fused into this loop (an epilogue's) */
    int gid = ids[i];
    em_line(e, " * then, in the same loop, %s", ir_esc(dump_node_str(e->g, gid, e->d64), RT_ESC_C_COMMENT));
    comment_fused(e, gid);
  }
  fclose(e->f);
  k->comment = ir_strdup(text);
  free(text);
  e->f = out;
  e->ind = ind;
  return name;
}

/* Every kernel, in the order of first use. */
static void write_kernels(Em *e) {
  for (int i = 0; i < e->nk; i++) {
    const struct Kernel *k = &e->kern[i];
    const char *c = k->comment;
    size_t n = strlen(c);
    int one_line = !strchr(c, '\n') || (size_t)(strchr(c, '\n') - c) == n - 1;
    if (!k->shared && one_line) {
      fprintf(e->kf, "%.*s */\n", (int)(n - 1), c);
    } else {
      fputs(c, e->kf);
      if (k->shared)
        fprintf(e->kf, " *   the same kernel, on other buffers, computes %s (%d blocks share it)\n",
                ir_esc(k->users, RT_ESC_C_COMMENT), k->nusers + 1);
      fputs(" */\n", e->kf);
    }
    fprintf(e->kf, "%sstatic void %s(%s) {\n%s}\n\n", k->shared ? "DLC_SHARED_KERNEL " : "DLC_KERNEL ", k->name,
            k->shared ? k->gparams : k->params,
            k->shared ? k->gbody : k->body);
  }
}

/* --check-numerics: after the block of node id, every element of what it wrote must be finite,
 * else the model function stops, m->error naming the node and its model line (NAME_numerics,
 * emitted by emit_numerics_check). */
static void check_numerics(Em *e, int id) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id];
  int t = ir_root_of(g, n->op == OP_ASSIGN ? n->in[0] : id);
  const Store *s = &e->fp->store[t];
  int src = n->op == OP_ASSIGN ? n->in[1] : id;
  if (g->nodes[t].dt == DT_INT || g->nodes[src].dt == DT_INT) return;
  const char *at = s->kind == S_OUTPUT ? e->out_names[s->leaf] : em_slab(s->kind) ? ir_fmt("%s + %lld", em_slab(s->kind), (long long)s->off) : NULL;
  if (!at) return;
  const char *what = ir_fmt("%%%d %s %s (%s)", id, op_info[n->op].name, shape_str(&g->nodes[t].shape), em_node_role_esc(e, id, RT_ESC_C_STRING));
  e->reads_model = 1;
  const char *ret = ir_fmt("return%s;", e->fp == &e->p->fn[FN_GRAD] ? " NAN" : ""); /* m_grad returns the loss */
  if (e->o->openmp) ret = ir_fmt("{ %s_par_end(m, %d); %s }", e->pre, (int)(e->fp - e->p->fn), ret); /* the threads as they were */
  em_line(e, "if (%s_numerics(m, %s, %lld, \"%s\")) %s", e->pre, at, (long long)shape_numel(&g->nodes[t].shape), what, ret);
}

/* A ranged block's body (em_pragma) must be its one loop over [r_lo, r_hi) and nothing else:
 * every line at the kernel's top level (two spaces in) is that loop's first or last. */
static int one_ranged_loop(const char *body) {
  int top = 0, first = 1;
  for (const char *l = body; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
    if (l[0] != ' ' || l[1] != ' ' || l[2] == ' ' || l[2] == '\n') continue;
    if (first && strncmp(l + 2, "for (", 5) != 0) return 0;
    first = 0;
    top++;
  }
  return top == 2;
}

/* gen's body, printed as the body of a kernel (e->buf: the buffers it touches).  --openmp: ranged
 * first (em_pragma), again plain when the split loop is not the body's one loop; or, share > 0,
 * its loops over a thread's share of share iterations.  e->ranged: the split, if any.  NULL
 * when gen gives up. */
static char *kernel_body(Em *e, BlockGen gen, void *ctx, int64_t share) {
  FILE *out = e->f;
  char *body = NULL;
  size_t len = 0;
  int ind = e->ind, ok = 0;
  for (int ranged_ok = e->o->openmp && !share; ranged_ok >= 0; ranged_ok--) { /* ranged if it can be */
    free(body);
    body = NULL;
    e->f = open_memstream(&body, &len);
    if (!e->f) die("open_memstream: %s", strerror(errno));
    e->nbuf = 0, e->uses_rng = 0, e->sub_par = 0, e->ind = 1;
    e->ranged_ok = ranged_ok, e->ranged = share;
    ok = gen(e, ctx);
    fclose(e->f);
    e->f = out;
    e->ind = ind;
    if (!ok || share || !e->ranged || one_ranged_loop(body)) break;
  }
  e->ranged_ok = 0;
  if (!ok) free(body);
  return ok ? body : NULL;
}

/* A kernel's call (line); --openmp, its loop split (split iterations): from a parallel region,
 * each thread its share.  Inside the caller's own region (Em.team) the call takes its thread's
 * share of that region's threads, or runs on one of them (split 0), and all wait for it. */
static void kernel_call(Em *e, int64_t split, const char *line) {
  if (!split) {
    if (e->team) em_line(e, "#pragma omp single");
    em_line(e, "%s", line);
    return;
  }
  if (!e->team) em_line(e, "%s", em_omp(e, "parallel"));
  em_line(e, "{");
  em_line(e, "  int r_lo, r_hi;");
  em_line(e, "  dlc_thread_share(%lld, &r_lo, &r_hi);", (long long)split);
  em_line(e, "  %s", line);
  em_line(e, "}");
  if (e->team) em_line(e, "#pragma omp barrier");
}

/* Print a block's loop nest (gen) as a kernel taking restrict pointers to the buffers it
 * touches (so the C compiler knows they do not overlap), for the nodes ids (the first names
 * it), and call it; the call's comment says what it computes.  0 when gen gives up.
 * --openmp: generated ranged first (em_pragma), else again as a plain kernel. */
static int emit_kernel_call(Em *e, BlockGen gen, void *ctx, const int *ids, int n, const char *what) {
  char *params, *args;
  e->L.nlv = 0;
  char *body = kernel_body(e, gen, ctx, 0);
  if (!body) return 0;
  const char *hoisted = hoist_offsets(e, body);
  kernel_signature(e, &params, &args);
  const FuseUpd *upd = e->fuse && !e->fuse->epi ? e->fuse : NULL; /* a product with its parameter's update */
  const char *name = kernel(e, ids, n, upd, NULL, params, hoisted);
  if (e->o->openmp && (e->ranged || e->sub_par || strstr(hoisted, "#pragma omp"))) { /* all threads or one (NAME_par) */
    e->par_fn = realloc(e->par_fn, (size_t)(e->npar + 1));
    if (!e->par_fn) die("out of memory");
    e->par_fn[e->npar] = (signed char)(e->fp - e->p->fn);
    em_line(e, "%s_par(m, %d);", e->pre, e->npar++);
    e->fn_par = 1, e->reads_model = 1;
  }
  kernel_call(e, e->ranged, ir_fmt("%s(%s); /* %s: %s */", name, args, what, em_node_role(e, ids[0])));
  e->ranged = 0;
  for (int i = 0; i < n && e->o->check_numerics; i++) check_numerics(e, ids[i]);
  free(body);
  return 1;
}

/* A kernel called from inside the body of the block being generated (in its loop over var, which
 * the call passes, when var is given): gen prints its body on buffers of its own, which then
 * become the caller's too.  A kernel of its own so that callers that differ elsewhere share it.
 * --openmp: its one split loop (em_pragma, as a block's) ranged, or, share > 0, its loops
 * ranging over a thread's share of share iterations (gen's "if (i < r_lo || ...) continue"):
 * called from a parallel region, each thread its share.  A parallel region's body in the C
 * is a function clang outlines, whose pointers (captured) are restrict no longer, and clang
 * vectorized the loops of many stores poorly or not at all (fashion_cnn's batch-norm sums and
 * col2im: 2-3x slower than without --openmp on one thread); the region's call passes them to
 * this kernel's restrict parameters. */
void em_sub_kernel(Em *e, BlockGen gen, void *ctx, int id, const char *suffix, const char *var, int64_t share, const char *what) {
  Buf outer[MAXBUF], inner[MAXBUF];
  int nbuf = e->nbuf, ranged_ok = e->ranged_ok, uses_rng = e->uses_rng, sub_par = e->sub_par;
  int64_t ranged = e->ranged;
  char *params, *args;
  memcpy(outer, e->buf, (size_t)nbuf * sizeof *outer);
  int team = e->team; /* (the kernel's own body is not in the caller's region) */
  e->team = 0;
  char *body = kernel_body(e, gen, ctx, share);
  e->team = team;
  if (!body || e->uses_rng) die("%%%d: a kernel called from a kernel gave up or draws random numbers", id);
  int64_t split = e->ranged;
  const char *hoisted = hoist_offsets(e, body);
  kernel_signature(e, &params, &args);
  if (var) params = ir_fmt("%s, int %s", params, var), args = ir_fmt("%s, %s", args, var);
  const char *name = kernel(e, &id, 1, NULL, suffix, params, hoisted);
  int par = strstr(hoisted, "#pragma omp") != NULL;
  if (e->team && par) die("%%%d: internal: a parallel region inside a kernel's parallel region", id);
  e->sub_par = sub_par || e->sub_par || par;
  int ninner = e->nbuf;
  memcpy(inner, e->buf, (size_t)ninner * sizeof *inner);
  memcpy(e->buf, outer, (size_t)nbuf * sizeof *outer);
  e->nbuf = nbuf, e->ranged_ok = ranged_ok, e->ranged = ranged, e->uses_rng = uses_rng;
  for (int i = 0; i < ninner; i++) em_buffer(e, inner[i].node, inner[i].written);
  kernel_call(e, split, ir_fmt("%s(%s); /* %s */", name, args, what));
  free(body);
}

static int node_gen(Em *e, void *ctx) {
  emit_node(e, *(int *)ctx);
  return 1;
}

static void emit_block(Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  if (n->op == OP_ASSIGN && e->fp->coalesced[n->in[1]] == id) {
    em_line(e, "/* %%%d = assign: computed in place by %%%d */", id, n->in[1]);
    return;
  }
  emit_kernel_call(e, node_gen, &id, &id, 1, ir_fmt("%%%d %s", id, op_info[n->op].name));
}

/* The optimizer's update for one parameter, scheduled as a run of elementwise blocks over the
 * same elements (plan.c), as one loop: one pass over the parameter and its state instead of
 * one per block.  Each element gets the same statements in the same order, so the same bits.
 * The run starts at schedule position s; returns the positions it covers, 0 if none. */

static int slab_written(const Em *e, const Elem *el) {
  StoreKind k = e->fp->store[ir_root_of(e->g, el->dst)].kind;
  return k == S_PARAM || k == S_STATE || k == S_GRAD;
}

typedef struct {
  Elem *els;
  int n;
} Group;

static int group_gen(Em *e, void *ctx) {
  Group *gr = ctx;
  return emit_elem_group(e, gr->els, gr->n);
}

typedef struct {
  Elem *els;
  int n;
  const Elem *prod;
} SumsGen;

static int sums_gen(Em *e, void *ctx) {
  SumsGen *sg = ctx;
  return emit_elem_sums(e, sg->els, sg->n, sg->prod);
}

static int emit_group(Em *e, int s) {
  const FnPlan *fp = e->fp;
  if (fp != &e->p->fn[FN_UPDATE]) return 0;
  int ids[MAX_GROUP], n = 0;
  Elem els[MAX_GROUP];
  for (int t = s; t < fp->nsched && n < MAX_GROUP; t++) {
    int id = fp->sched[t];
    const Node *nd = &e->g->nodes[id];
    if (e->segment && e->segment[id] != e->segment[fp->sched[s]]) break;
    if (nd->op == OP_ASSIGN && fp->coalesced[nd->in[1]] == id) { /* written by its value's block */
      if (!n) break;
      continue;
    }
    Elem el;
    if (!elem_of(e, id, &el) || !slab_written(e, &el)) break;
    if (n && !shape_eq(&e->g->nodes[el.src].shape, &e->g->nodes[els[0].src].shape)) break;
    els[n] = el, ids[n++] = id;
  }
  if (n < 2) return 0;
  const char *what = "";
  for (int i = 0; i < n; i++) what = ir_fmt("%s%s%%%d %s", what, i ? " + " : "", ids[i], op_info[e->g->nodes[ids[i]].op].name);
  Group gr = {els, n};
  if (!emit_kernel_call(e, group_gen, &gr, ids, n, what)) return 0;
  int covered = 0; /* positions up to the last fused block and the in-place assigns right after it */
  while (fp->sched[s + covered] != ids[n - 1]) covered++;
  for (covered++; s + covered < fp->nsched; covered++) {
    const Node *a = &e->g->nodes[fp->sched[s + covered]];
    if (a->op != OP_ASSIGN || fp->coalesced[a->in[1]] != fp->sched[s + covered]) break;
  }
  for (int t = s; t < s + covered; t++) {
    const Node *a = &e->g->nodes[fp->sched[t]];
    if (a->op == OP_ASSIGN && fp->coalesced[a->in[1]] == fp->sched[t])
      em_line(e, "/* %%%d = assign: computed in place by %%%d */", fp->sched[t], a->in[1]);
  }
  return covered;
}

/* ---- the training step: updates fused into the weight-gradient products -----------------
 * m_train_step is m_grad then m_update, except that the update of a parameter whose gradient
 * is one register-tiled matrix product (a Linear's or a convolution's weight), or an outer
 * product at batch 1 (k = 1), is applied by that product's tiles (elements) as they are
 * computed: the gradient goes from registers into SGD or Adam and is never stored (m->grad
 * does not hold it afterwards).  Each element gets the update's statements in the update's
 * order, from the same sum, so the same bits as m_grad then m_update (tests/fused).  Without
 * repeating their bodies: m_grad's body becomes NAME_backward(..., int fused) and m_update's
 * NAME_update_step(m, int fused); with fused set
 * (by the training step) the backward computes the prelude first and calls each fused
 * product's kernel instead of the plain one, and the update skips both.
 * Conditions (fuse_param), else the parameter is updated as in m_update:
 *  - in m_grad: the gradient is that product (maybe reshaped), read by nothing else, and no
 *    block after the product reads the parameter (autodiff orders the input's gradient
 *    first);
 *  - in m_update: the parameter's blocks (and arena intermediates of them) are one run over its
 *    elements that can be one flat loop, the only ones to read its gradient, which may move
 *    ahead of the blocks before it; besides the parameter, its state and constants they read
 *    only the optimizer's own state and the prelude: the update's scalar bookkeeping (step
 *    count, bias corrections), which runs before the backward pass when nothing before it
 *    conflicts (prelude_ok; plan.c keeps the update's arena above the gradient's). */

static void target_cast(Em *e);
static void unused_inputs(Em *e, FnKind k);

/* node id (a scheduled block, or an assign) reads the storage of a node in set, or of node x
 * (set NULL), through what is inlined */
static int reads_from(const Em *e, const FnPlan *fp, int id, const char *set, int x) {
  const Node *n = &e->g->nodes[id];
  for (int k = n->op == OP_ASSIGN; k < n->nin; k++) {
    int c = n->in[k], r = ir_root_of(e->g, c);
    if ((set ? set[r] : r == x) || (fp->inl[c] && reads_from(e, fp, c, set, x))) return 1;
  }
  return 0;
}

static int reads_root(const Em *e, const FnPlan *fp, int id, int x) { return reads_from(e, fp, id, NULL, x); }
static int reads_any(const Em *e, const FnPlan *fp, int id, const char *set) { return reads_from(e, fp, id, set, -1); }

/* the leaf block id writes, or -1 */
static int written_leaf(const Em *e, const FnPlan *fp, int id) {
  const Node *n = &e->g->nodes[id];
  if (n->op == OP_ASSIGN) return ir_root_of(e->g, n->in[0]);
  if (fp->coalesced[id] >= 0) return ir_root_of(e->g, e->g->nodes[fp->coalesced[id]].in[0]);
  return -1;
}

/* the parameter whose update writes leaf (the parameter or its optimizer state), or -1 */
static int owner_param(const Graph *g, int leaf) {
  if (leaf < 0) return -1;
  const Node *n = &g->nodes[leaf];
  if (n->op == OP_PARAM) return n->leaf;
  if (n->op == OP_STATE) return g->states[n->leaf].owner;
  return -1;
}

static int sched_pos(const FnPlan *fp, int id) {
  for (int s = 0; s < fp->nsched; s++)
    if (fp->sched[s] == id) return s;
  return -1;
}

/* The prelude: the update's scalar bookkeeping (the step count, bias corrections, a
 * schedule's rate): blocks of one element that depend on no gradient and write no parameter
 * or parameter's state.  The training step runs them all first, in their order, when
 * prelude_ok. */
static char *find_prelude(const Em *e) {
  const Graph *g = e->g;
  const FnPlan *up = &e->p->fn[FN_UPDATE];
  char *dep = ir_alloc((size_t)g->nnodes + 1), *prelude = ir_alloc((size_t)g->nnodes + 1);
  for (int i = 0; i < g->nnodes; i++) { /* depends on a gradient (ids are a topological order) */
    dep[i] = g->nodes[i].op == OP_GRAD;
    for (int k = 0; k < g->nodes[i].nin; k++) dep[i] |= dep[g->nodes[i].in[k]];
  }
  for (int s = 0; s < up->nsched; s++) {
    int id = up->sched[s], w = written_leaf(e, up, id);
    const Node *n = &g->nodes[id];
    int64_t numel = shape_numel(n->op == OP_ASSIGN ? &g->nodes[n->in[1]].shape : &n->shape);
    if (!dep[id] && numel == 1 && owner_param(g, w) < 0 && (w < 0 || g->nodes[w].op == OP_STATE)) prelude[id] = 1;
  }
  return prelude;
}

/* block a (of fp) writes a leaf block b (of fq) reads, or the other way round */
static int conflict(const Em *e, const FnPlan *fp, int a, const FnPlan *fq, int b) {
  int wa = written_leaf(e, fp, a), wb = written_leaf(e, fq, b);
  return (wa >= 0 && reads_root(e, fq, b, wa)) || (wb >= 0 && reads_root(e, fp, a, wb));
}

/* The prelude may run before m_grad and before the update's other blocks ahead of it. */
static int prelude_ok(const Em *e, const char *prelude) {
  const FnPlan *gp = &e->p->fn[FN_GRAD], *up = &e->p->fn[FN_UPDATE];
  for (int t = 0; t < up->nsched; t++) {
    if (!prelude[up->sched[t]]) continue;
    for (int s = 0; s < t; s++)
      if (!prelude[up->sched[s]] && conflict(e, up, up->sched[s], up, up->sched[t])) return 0;
    for (int s = 0; s < gp->nsched; s++)
      if (conflict(e, gp, gp->sched[s], up, up->sched[t])) return 0;
  }
  return 1;
}

/* what the parameter's update may read besides its own blocks: its own leaves, constants, the
 * optimizer's own state, the prelude */
static int run_input_ok(const Em *e, const FuseUpd *fu, const char *prelude, const char *mine, int id) {
  const Graph *g = e->g;
  const FnPlan *up = &e->p->fn[FN_UPDATE];
  const Node *n = &g->nodes[id];
  for (int k = n->op == OP_ASSIGN; k < n->nin; k++) {
    int c = n->in[k], r = ir_root_of(g, c);
    const Node *rn = &g->nodes[r];
    if (up->inl[c]) {
      if (!run_input_ok(e, fu, prelude, mine, c)) return 0;
      continue;
    }
    if (r == fu->grad || mine[r] || owner_param(g, r) == fu->param || rn->op == OP_CONST || prelude[r]) continue;
    if (rn->op == OP_STATE && g->states[rn->leaf].owner < 0) continue;
    return 0;
  }
  return 1;
}

static int fuse_param(Em *e, int i, FuseUpd *fu, const char *prelude) {
  const Graph *g = e->g;
  const FnPlan *gp = &e->p->fn[FN_GRAD], *up = &e->p->fn[FN_UPDATE];
  int P = g->params[i].node, G = g->params[i].grad - 1;
  if (G < 0) return 0;
  /* m_grad: the gradient is one tiled product, read only by its assign, the parameter by no later block */
  int a = -1;
  for (int s = 0; s < gp->nsched && a < 0; s++) {
    const Node *n = &g->nodes[gp->sched[s]];
    if (n->op == OP_ASSIGN && ir_root_of(g, n->in[0]) == G) a = gp->sched[s];
  }
  if (a < 0) return 0;
  int mm = ir_root_of(g, g->nodes[a].in[1]), trans = -1;
  /* the product transposed ((B A^T)^T, opt_layout.c; an LSTM's input weights): its tiles update
   * the weight at transposed positions, in the axpy form only */
  if (g->nodes[mm].op == OP_TRANSPOSE && g->nodes[g->nodes[mm].in[0]].op == OP_MATMUL) {
    trans = mm, mm = g->nodes[mm].in[0];
    if (g->nodes[mm].tb) return 0;
  }
  int pm = sched_pos(gp, mm);
  if (g->nodes[mm].op != OP_MATMUL || pm < 0 || mm == g->loss || !(em_matmul_tiled(e, mm) || em_matmul_outer(e, mm))) return 0;
  for (int s = 0; s < gp->nsched; s++) {
    int id = gp->sched[s];
    if ((id != a && id != trans && reads_root(e, gp, id, mm)) || (s > pm && reads_root(e, gp, id, P))) return 0;
    if (trans >= 0 && id != a && reads_root(e, gp, id, trans)) return 0;
  }
  /* m_update: the parameter's blocks (writing it or its state, or an intermediate of them in
   * the arena), one run but for prelude blocks; the only readers of the gradient and of the
   * intermediates */
  char *mine = ir_alloc((size_t)g->nnodes + 1), *src = ir_alloc((size_t)g->nnodes + 1);
  src[G] = src[P] = 1; /* what an intermediate of the parameter's update reads */
  int first = -1, last = -1;
  for (int s = 0; s < up->nsched; s++) {
    int id = up->sched[s];
    if (prelude[id]) continue;
    int m = owner_param(g, written_leaf(e, up, id)) == i || (up->store[id].kind == S_ARENA && reads_any(e, up, id, src));
    if (!m) continue;
    mine[id] = src[id] = 1;
    if (first < 0) first = s;
    last = s;
  }
  if (first < 0) return 0;
  *fu = (FuseUpd){0, mm, trans, a, i, G, {{0}}, 0, first, last - first + 1};
  char *priv = ir_alloc((size_t)g->nnodes + 1); /* the gradient and the run's arena intermediates */
  priv[G] = 1;
  for (int id = 0; id < g->nnodes; id++) priv[id] |= mine[id] && up->store[id].kind == S_ARENA;
  for (int s = 0; s < up->nsched; s++) {
    int id = up->sched[s];
    const Node *n = &g->nodes[id];
    if (s < first || s > last) {
      if (reads_any(e, up, id, priv)) return 0;
      continue;
    }
    if (prelude[id]) continue;
    if (!mine[id]) return 0; /* another parameter's block in between */
    if (n->op == OP_ASSIGN && up->coalesced[n->in[1]] == id) continue; /* written by its value's block */
    if (fu->nels == MAX_GROUP || !elem_of(e, id, &fu->els[fu->nels])) return 0;
    fu->nels++;
  }
  const FnPlan *saved = e->fp;
  e->fp = up;
  int flat = fu->nels && em_group_flat(e, fu->els, fu->nels);
  e->fp = saved;
  if (!flat || shape_numel(&g->nodes[fu->els[0].src].shape) != shape_numel(&g->nodes[mm].shape)) return 0;
  for (int k = 0; k < fu->nels; k++)
    if (!run_input_ok(e, fu, prelude, mine, fu->els[k].id)) return 0;
  /* the run moves before the update's blocks ahead of it (the prelude aside) */
  for (int s = 0; s < first; s++)
    for (int k = 0; k < fu->nels && !prelude[up->sched[s]]; k++)
      if (conflict(e, up, up->sched[s], up, fu->els[k].id)) return 0;
  return 1;
}

/* A product with what e->fuse gives its tiles (the caller sets it): an update or an epilogue. */
static int fused_gen(Em *e, void *ctx) {
  emit_matmul(e, ((const FuseUpd *)ctx)->mm);
  return 1;
}

/* The fused product of the backward pass (m_grad's body when e->nfus): with the update when
 * the body runs for the training step ("fused"), as m_grad computes it otherwise. */
static void emit_fused_product(Em *e, const FuseUpd *fu) {
  const Graph *g = e->g;
  int ids[1 + MAX_GROUP] = {fu->mm};
  const char *what = ir_fmt("%%%d %s", fu->mm, op_info[g->nodes[fu->mm].op].name);
  for (int k = 0; k < fu->nels; k++) {
    ids[1 + k] = fu->els[k].id;
    what = ir_fmt("%s + %%%d %s", what, fu->els[k].id, op_info[g->nodes[fu->els[k].id].op].name);
  }
  em_line(e, "if (fused) {");
  e->ind++;
  e->fuse = fu;
  emit_kernel_call(e, fused_gen, (void *)fu, ids, 1 + fu->nels, what);
  e->fuse = NULL;
  e->ind--;
  em_line(e, "} else {");
  e->ind++;
  emit_block(e, fu->mm);
  e->ind--;
  em_line(e, "}");
}

/* A block of m_grad's body the training step does not run: its update took the gradient
 * straight from product mm (why: the comment's words). */
static void emit_unless_fused(Em *e, int id, const char *why, int mm) {
  em_line(e, "if (!fused) { /* the training step's update took the gradient%s straight from %%%d */", why, mm);
  e->ind++;
  emit_block(e, id);
  e->ind--;
  em_line(e, "}");
}

/* A scheduled block of m_grad's body when some updates are fused. */
static void emit_grad_block(Em *e, int id) {
  const Graph *g = e->g;
  int f = 0;
  while (f < e->nfus && e->fus[f].mm != id && e->fus[f].assign != id && e->fus[f].trans != id) f++;
  if (f == e->nfus) {
    emit_block(e, id);
  } else if (e->fus[f].mm == id) {
    emit_fused_product(e, &e->fus[f]);
  } else if (e->fus[f].trans == id) {
    emit_unless_fused(e, id, ", transposed,", e->fus[f].mm);
  } else if (e->fp->coalesced[g->nodes[id].in[1]] == id) {
    em_line(e, "/* %%%d = assign: computed in place by %%%d (not at all by the training step: the update takes it "
               "straight from the product) */", id, e->fus[f].mm);
  } else {
    emit_unless_fused(e, id, "", e->fus[f].mm);
  }
}

/* The update's scalars, at the top of m_grad's body when it runs for the training step. */
static void emit_prelude(Em *e) {
  const FnPlan *up = &e->p->fn[FN_UPDATE], *fp = e->fp;
  int any = 0;
  for (int s = 0; s < up->nsched; s++) any |= e->prelude[up->sched[s]];
  if (!any) return;
  em_line(e, "if (fused) { /* the update's scalars, before the backward pass applies the update */");
  e->ind++;
  e->fp = up;
  for (int s = 0; s < up->nsched; s++)
    if (e->prelude[up->sched[s]]) emit_block(e, up->sched[s]);
  e->fp = fp;
  e->ind--;
  em_line(e, "}");
}

/* The update's blocks from schedule position s when some updates are fused (m_update's
 * body, "fused" set by the training step): the prelude and the fused updates run only when
 * not fused; returns the positions covered. */
static int emit_update_blocks(Em *e, int s) {
  const Graph *g = e->g;
  const FnPlan *up = e->fp;
  int id = up->sched[s];
  const Node *n = &g->nodes[id];
  if (e->prelude[id] && n->op == OP_ASSIGN && up->coalesced[n->in[1]] == id) {
    emit_block(e, id); /* a comment */
    return 1;
  }
  if (e->prelude[id]) {
    em_line(e, "if (!fused) { /* else computed before the backward pass */");
    e->ind++;
    emit_block(e, id);
    e->ind--;
    em_line(e, "}");
    return 1;
  }
  for (int f = 0; f < e->nfus; f++)
    if (e->fus[f].first == s) {
      em_line(e, "if (!fused) { /* else %s was updated in the backward pass, straight from %%%d */",
              ir_esc(g->params[e->fus[f].param].name, RT_ESC_C_COMMENT), e->fus[f].mm);
      e->ind++;
      for (int t = s; t < s + e->fus[f].covered; t++) { /* with the prelude blocks among them, in order */
        int run = emit_group(e, t);
        if (run) t += run - 1;
        else emit_block(e, up->sched[t]);
      }
      e->ind--;
      em_line(e, "}");
      return e->fus[f].covered;
    }
  int run = emit_group(e, s);
  if (run) return run;
  emit_block(e, id);
  return 1;
}

/* Do the storages of nodes a and b overlap? */
static int store_overlap(const Em *e, int a, int b) {
  const Store *x = &e->fp->store[a], *y = &e->fp->store[b];
  int64_t nx = plan_numel(e->g, e->fp, a), ny = plan_numel(e->g, e->fp, b);
  return x->kind != S_NONE && x->kind == y->kind && x->leaf == y->leaf && x->off < y->off + ny && y->off < x->off + nx;
}

/* Does block id (through what it computes inside itself) read storage that node x's overlaps? */
static int reads_store(const Em *e, int id, int x) {
  const Node *n = &e->g->nodes[id];
  for (int i = 0; i < n->nin; i++) {
    int c = n->in[i];
    if (e->fp->inl[c] ? reads_store(e, c, x) : store_overlap(e, ir_root_of(e->g, c), x)) return 1;
  }
  return 0;
}

/* Does node id's expression read node p only at its own elements: through elementwise nodes
 * of p's shape computed inside it (not a broadcast, permute or reshape of it)? */
static int reads_elementwise(const Em *e, int id, int p) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id];
  for (int k = 0; k < n->nin; k++) {
    int x = n->in[k];
    if (x == p) continue;
    if (ir_root_of(g, x) == p) return 0;
    if (!e->fp->inl[x] || !reads_root(e, e->fp, x, p)) continue;
    OpKind xk = op_info[g->nodes[x].op].kind;
    if ((xk != K_E1 && xk != K_E2) || !shape_eq(&g->nodes[x].shape, &g->nodes[p].shape) || !reads_elementwise(e, x, p)) return 0;
  }
  return 1;
}

/* Node id's expression computes inside itself only elementwise ops, broadcasts and views
 * (no random numbers, no pooling adjoint) */
static int expr_plain(const Em *e, int id) {
  const Node *n = &e->g->nodes[id];
  for (int k = 0; k < n->nin; k++) {
    int x = n->in[k];
    if (!e->fp->inl[x]) continue;
    OpKind xk = op_info[e->g->nodes[x].op].kind;
    if ((xk != K_E1 && xk != K_E2 && xk != K_BCAST && xk != K_PERMUTE && xk != K_RESHAPE) || !expr_plain(e, x)) return 0;
  }
  return 1;
}

/* The producer of sibling sums: an elementwise block at position s (a map of plain
 * expression, stored in the arena) followed by a sum over its output (batch norm's forward: a
 * convolution's output with the bias added, then its sum).  1 with *el set, else 0. */
static int sum_producer(const Em *e, int s, Elem *el) {
  const FnPlan *fp = e->fp;
  const Graph *g = e->g;
  if (s + 1 >= fp->nsched) return 0;
  int p = fp->sched[s], sum = fp->sched[s + 1];
  OpKind k = op_info[g->nodes[p].op].kind;
  if ((k != K_E1 && k != K_E2) || epilogue_host(e, p, NULL) >= 0 || !expr_plain(e, p) || fp->store[p].kind != S_ARENA) return 0;
  if (g->nodes[sum].op != OP_SUM_TO || !shape_eq(&g->nodes[g->nodes[sum].in[0]].shape, &g->nodes[p].shape) ||
      !reads_root(e, fp, sum, p))
    return 0;
  *el = (Elem){p, p, p, 0, 1};
  return 1;
}

/* Sibling sums: the sum_to blocks scheduled from position s on over the same elements into
 * outputs of the same shape (batch norm's backward sums g and g x), as one loop nest
 * (emit_elem_sums) when none reads or overwrites what another reads or writes; with their
 * producer (sum_producer) in the same loop, each element stored and summed as it is computed,
 * when the sums read its output only element by element (reads_elementwise) and none of them
 * writes what it reads.  Returns the positions covered, 0 if fewer than two. */
static int emit_sums(Em *e, int s) {
  const FnPlan *fp = e->fp;
  const Graph *g = e->g;
  if (e->o->check_numerics || fp == &e->p->fn[FN_UPDATE]) return 0;
  int ids[MAX_GROUP + 1], n = 0, np; /* ids: the producer (if any), then the sums */
  Elem els[MAX_GROUP], prod;
  np = sum_producer(e, s, &prod);
  if (np) ids[0] = prod.id;
  for (int t = s + np; t < fp->nsched && n < MAX_GROUP; t++) {
    int id = fp->sched[t];
    const Node *nd = &g->nodes[id];
    if (nd->op != OP_SUM_TO) break;
    const Shape *in = &g->nodes[nd->in[0]].shape;
    if (n && (!shape_eq(in, &g->nodes[els[0].src].shape) || !shape_eq(&nd->shape, &g->nodes[els[0].id].shape))) break;
    if (np && !reads_elementwise(e, id, prod.id)) break;
    int clash = 0;
    for (int i = 0; i < n + np && !clash; i++) { /* id against each earlier one, both ways */
      int a = ir_root_of(g, ids[i]), b = ir_root_of(g, id);
      clash = (!(np && i == 0) && reads_store(e, id, a)) || reads_store(e, ids[i], b) || store_overlap(e, a, b);
    }
    if (clash) break;
    els[n] = (Elem){id, nd->in[0], id, 1, 0}, ids[np + n++] = id;
  }
  if (n + np < 2) return 0;
  const char *what = "";
  for (int i = 0; i < n + np; i++) what = ir_fmt("%s%s%%%d %s", what, i ? " + " : "", ids[i], op_info[g->nodes[ids[i]].op].name);
  SumsGen sg = {els, n, np ? &prod : NULL};
  return emit_kernel_call(e, sums_gen, &sg, ids, n + np, what) ? n + np : 0;
}

/* A cross-entropy at position s and the softmax of its logits right after it (plan.c
 * hoist_softmax), as one kernel (emit_rows.c emit_row), when the softmax's output
 * shares no storage with what the cross-entropy reads or writes.  Not under --check-numerics,
 * which checks each block's output.  Returns the positions covered: 2, or 0. */
typedef struct {
  int x, sm;
} XentSoftmax;

static int xent_softmax_gen(Em *e, void *ctx) {
  const XentSoftmax *p = ctx;
  emit_row(e, p->x, p->sm);
  return 1;
}

static int emit_xent_with_softmax(Em *e, int s) {
  const FnPlan *fp = e->fp;
  const Graph *g = e->g;
  if (e->o->check_numerics || s + 1 >= fp->nsched) return 0;
  int x = fp->sched[s], sm = fp->sched[s + 1];
  if (!plan_xent_softmax(g, x, sm) || reads_store(e, x, sm) || reads_store(e, sm, x) || store_overlap(e, x, sm)) return 0;
  XentSoftmax p = {x, sm};
  int ids[2] = {x, sm};
  return emit_kernel_call(e, xent_softmax_gen, &p, ids, 2, ir_fmt("%%%d xent + %%%d softmax", x, sm)) ? 2 : 0;
}

/* ---- an elementwise block and the pooling of its output ---------------------------------
 * An elementwise block over [N, C, H, W] followed by the 2 x 2 max pooling of its whole output
 * (a batch norm's scale and shift with the ReLU, then MaxPool2d(2): fashion_cnn's) is one
 * kernel, plane by plane: the block's plane (n, c), then its pooling from that plane while it
 * is in the cache (dlc_pool2_fwd, as the pooling's own block would), instead of a pass of the
 * pooling over the whole output after it.  plan.c's plan_elem_pool says when: the block's
 * expression reads tensors of its shape (at the plane's pixels), per-channel tensors (at the
 * plane's channel) and single elements; the pooling's output is live from the block on, so it
 * takes no memory the block reads.  The same expression at every element and the same
 * maxima: the same bits.  Not under --check-numerics, which checks each block's output. */
typedef struct {
  int u, p;
  int local; /* the pooling alone reads u: its planes stay on the stack */
  PlanReads r; /* what u reads */
} ElemPool;

enum { ELEM_POOL_LOCAL_MAX = 8192 }; /* elements of a plane kept on the stack */
_Static_assert(PLAN_MAX_READS <= MAX_GROUP + 1, "a block's reads fit Em.subst");

/* The stored tensors the block reads (plan_elem_pool's), substituted: those of its shape by
 * their plane (w_e<i>, declared here; plane (c, n) of one read with its planes swapped), the
 * others at the plane's channel or element 0 */
static void elem_pool_subst(Em *e, const PlanReads *r, const Shape *us) {
  int64_t HW = (int64_t)us->d[2] * us->d[3], numel = shape_numel(us);
  for (int i = 0; i < r->n; i++) {
    const char *buf = em_buffer(e, r->root[i], 0);
    int64_t nb = shape_numel(&e->g->nodes[r->root[i]].shape);
    e->subst_node[i] = r->root[i];
    if (r->swap[i] || nb == numel) {
      const char *plane = r->swap[i] ? ir_fmt("(size_t)(w_nc %% %d * %d + w_nc / %d)", us->d[1], us->d[0], us->d[1]) : "(size_t)w_nc";
      em_line(e, "const %s *restrict w_e%d = %s + %s * %lld;%s", e->real, i, buf, plane, (long long)HW,
              r->swap[i] ? " /* its plane (c, n) */" : "");
      e->subst[i] = ir_fmt("w_e%d[w_j]", i);
    } else {
      e->subst[i] = ir_fmt("%s[%s]", buf, nb == 1 ? "0" : ir_fmt("w_nc %% %d", us->d[1]));
    }
  }
  e->nsubst = r->n;
}

static int elem_pool_gen(Em *e, void *ctx) {
  const ElemPool *x = ctx;
  const Shape *us = &e->g->nodes[x->u].shape, *ps = &e->g->nodes[x->p].shape;
  int64_t HW = (int64_t)us->d[2] * us->d[3], planes = (int64_t)us->d[0] * us->d[1];
  em_omp_split(e, planes * HW);
  em_split_for(e, "w_nc", planes, "an image plane (n, c)");
  e->ind++;
  if (x->local)
    em_line(e, "%s w_x[%lld]; /* %%%d's plane (nothing else reads %%%d) */", e->real, (long long)HW, x->u, x->u);
  else
    em_line(e, "%s *restrict w_x = %s + (size_t)w_nc * %lld; /* %%%d's plane */", e->real, em_buffer(e, x->u, 1), (long long)HW, x->u);
  em_line(e, "%s *restrict w_y = %s + (size_t)w_nc * %lld; /* %%%d's */", e->real, em_buffer(e, x->p, 1), (long long)ps->d[2] * ps->d[3],
          x->p);
  elem_pool_subst(e, &x->r, us);
  Aff idx[MAX_DIMS];
  for (int d = 0; d < MAX_DIMS; d++) idx[d] = em_aff_zero();
  const char *v = em_expr(e, x->u, idx);
  e->nsubst = 0;
  em_line(e, "for (int w_j = 0; w_j < %lld; w_j++) w_x[w_j] = %s;", (long long)HW, v);
  em_pool2_plane(e, x->p, "w_x", "w_y");
  e->ind--;
  em_line(e, "}");
  return 1;
}

/* Block sched[s] with the pooling after it (plan_elem_pool), or 0 when it is not one */
static int emit_elem_pool(Em *e, int s) {
  const FnPlan *fp = e->fp;
  if (e->o->check_numerics || fp->coalesced[fp->sched[s]] >= 0) return 0;
  ElemPool x = {fp->sched[s], -1, 0, {0}};
  int p = x.p = plan_elem_pool(e->g, fp->sched, fp->nsched, fp->store, fp->inl, s, &x.r);
  if (p < 0) return 0;
  const Shape *us = &e->g->nodes[x.u].shape;
  x.local = (int64_t)us->d[2] * us->d[3] <= ELEM_POOL_LOCAL_MAX;
  for (int t = s + 2; t < fp->nsched && x.local; t++) x.local = !reads_root(e, fp, fp->sched[t], x.u);
  int ids[2] = {x.u, p};
  if (!emit_kernel_call(e, elem_pool_gen, &x, ids, 2, ir_fmt("%%%d %s + %%%d max_pool", x.u, op_info[e->g->nodes[x.u].op].name, p)))
    return 0;
  em_line(e, "/* %%%d = max_pool: computed by %%%d's kernel, each plane as it stored it */", p, x.u);
  return 1;
}

/* ---- elementwise epilogues of products --------------------------------------------------
 * A product tiled over all of k at once (em_matmul_whole_tiles) whose one reader is an
 * elementwise block over the same elements (a Linear's bias and activation, relu(x W^T + b);
 * in the backward, the activation's mask, g * step(y)) is computed with that block as its
 * epilogue: each element of C, as its tile stores it, goes through the block's expression
 * into the block's output, and C is never stored (em_elem_epilogue).  The block may read,
 * besides C: tensors of C's shape, rows broadcast down C (a bias), scalars and constants, all
 * computed before the product; the blocks scheduled between the two must not write what it
 * reads nor touch its output, which must not overlap the product's operands or its own
 * inputs.  The same operations on the same sums: the same bits (tests/fused/equiv_*).  Not
 * with --check-numerics, which checks each node's output. */

/* the node whose storage block id writes */
static int block_dst(const Em *e, int id) {
  int w = written_leaf(e, e->fp, id);
  return w >= 0 ? w : ir_root_of(e->g, id);
}

/* What node id's expression (through what it computes inside itself) reads besides the
 * product mm (M x N), computed before schedule position pm: tensors of C's shape and type,
 * rows of N elements broadcast down C, scalars, constants; none overlapping out. */
static int epi_reads_ok(const Em *e, int id, int mm, int pm, int out) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id], *c = &g->nodes[mm];
  int N = c->shape.d[1];
  for (int k = 0; k < n->nin; k++) {
    int x = n->in[k], r = ir_root_of(g, x);
    const Node *xn = &g->nodes[x];
    if (x == mm || g->nodes[r].op == OP_CONST) continue;
    if (xn->dt != c->dt) return 0;
    if (e->fp->inl[x]) {
      OpKind xk = op_info[xn->op].kind;
      if (xk == K_E1 || xk == K_E2) {
        if (!shape_eq(&xn->shape, &c->shape) || !epi_reads_ok(e, x, mm, pm, out)) return 0;
        continue;
      }
      if (xk != K_BCAST || !shape_eq(&xn->shape, &c->shape)) return 0;
      x = xn->in[0], r = ir_root_of(g, x), xn = &g->nodes[x];
      if (e->fp->inl[x] || xn->dt != c->dt) return 0;
    }
    int64_t nb = shape_numel(&xn->shape); /* C's shape, a row broadcast down C, a scalar */
    if (!shape_eq(&xn->shape, &c->shape) && nb != 1 && !(nb == N && xn->shape.d[xn->shape.n - 1] == N)) return 0;
    int pr = sched_pos(e->fp, r);
    if ((pr >= 0 && pr > pm) || store_overlap(e, r, out)) return 0;
  }
  return 1;
}

/* A convolution's forward product mm computed with its window (plan.c: f->win), from the
 * image itself (emit_window.c's direct convolution), and its reader id, an elementwise block
 * over the image's NCHW layout [N, M, OH, OW] (the epilogue's candidate): what id's expression
 * (through the elementwise nodes computed inside it) reads, besides the product through its
 * planes swapped (the product's layout is CNHW): per-channel tensors (a bias, [M] broadcast
 * over N, OH, OW) and single elements, computed before schedule position pm, none overlapping
 * out (into b, nb; scalar[i]: a single element); constants.  1 when that is all it reads. */
typedef struct {
  int nb, b[DIRECT_MAX_READS], scalar[DIRECT_MAX_READS];
} DirectReads;

static int direct_epi_reads(const Em *e, int id, int mm, int pm, int out, DirectReads *r) {
  const Graph *g = e->g;
  const Node *n = &g->nodes[id];
  int M = g->nodes[mm].shape.d[0];
  for (int k = 0; k < n->nin; k++) {
    int x = n->in[k], root = ir_root_of(g, x);
    const Node *xn = &g->nodes[x];
    if (g->nodes[root].op == OP_CONST) continue;
    if (xn->dt != n->dt) return 0;
    if (e->fp->inl[x]) {
      if (ir_plane_swap(g, x)) { /* the product's CNHW planes read as NCHW */
        if (ir_root_of(g, xn->in[0]) != mm || e->fp->inl[xn->in[0]] || !shape_eq(&xn->shape, &n->shape)) return 0;
        continue;
      }
      OpKind xk = op_info[xn->op].kind;
      if ((xk != K_E1 && xk != K_E2) || !shape_eq(&xn->shape, &n->shape) || !direct_epi_reads(e, x, mm, pm, out, r)) return 0;
      continue;
    }
    if (root == mm) return 0; /* the product in another order */
    int64_t nb = shape_numel(&g->nodes[root].shape);
    int off = 4 - xn->shape.n, ok = off >= 0 && (nb == 1 || nb == M);
    for (int j = 0; ok && j < xn->shape.n; j++) ok = xn->shape.d[j] == (nb == M && j + off == 1 ? M : 1);
    int pr = sched_pos(e->fp, root);
    if (!ok || (pr >= 0 && pr > pm) || store_overlap(e, root, out)) return 0;
    int seen = 0;
    for (int i = 0; i < r->nb; i++) seen |= r->b[i] == root;
    if (seen) continue;
    if (r->nb == DIRECT_MAX_READS) return 0;
    r->scalar[r->nb] = nb == 1 && M > 1, r->b[r->nb++] = root;
  }
  return 1;
}

/* The 2 x 2 max pooling of elementwise block u's output scheduled right after it, that a
 * direct convolution's epilogue computes too (plan.c made its output live from the product
 * on), or -1. */
static int direct_pool(const Em *e, int u) {
  const FnPlan *fp = e->fp;
  return plan_direct_pool(e->g, fp->sched, fp->nsched, fp->store, sched_pos(fp, u) + 1);
}

/* A direct convolution's epilogue (emit_window.c, which checks the user's layout): product mm
 * with its window, its user u; NULL when the product is not direct or u reads other tensors */
static const Direct *direct_epilogue(Em *e, int mm, int u) {
  const FnPlan *fp = e->fp;
  DirectReads r = {0};
  if (!direct_epi_reads(e, u, mm, sched_pos(fp, mm), block_dst(e, u), &r)) return NULL;
  return em_direct_conv_epi(e, fp->win[mm], mm, u, direct_pool(e, u), r.nb, r.b, r.scalar);
}

/* The block whose expression product mm takes as its epilogue (plan.c's candidate), or -1. */
static int epilogue_user(Em *e, int mm) {
  const Graph *g = e->g;
  const FnPlan *fp = e->fp;
  int u = fp->epi[mm], win = fp->win && fp->win[mm] >= 0;
  if (u < 0 || u == g->loss || mm == g->loss || fp->store[mm].kind != S_ARENA || fp->coalesced[mm] >= 0 ||
      (win ? !direct_epilogue(e, mm, u) : !em_matmul_whole_tiles(e, mm)))
    return -1;
  int pm = sched_pos(fp, mm), pu = sched_pos(fp, u), out = block_dst(e, u);
  if ((!win && !epi_reads_ok(e, u, mm, pm, out)) || reads_store(e, mm, out)) return -1;
  for (int s = pm + 1; s < pu; s++) { /* the blocks the epilogue moves ahead of */
    int id = fp->sched[s], w = block_dst(e, id);
    if (store_overlap(e, w, out) || reads_store(e, id, out) || reads_store(e, u, w)) return -1;
  }
  return u;
}

static void emit_epilogue_product(Em *e, int mm, int u) {
  FuseUpd fu = {1, mm, -1, -1, -1, mm, {{u, u, u, 0, 1}}, 1, 0, 0};
  int ids[2] = {mm, u};
  e->fuse = &fu;
  emit_kernel_call(e, fused_gen, &fu, ids, 2, ir_fmt("%%%d matmul + %%%d %s", mm, u, op_info[e->g->nodes[u].op].name));
  e->fuse = NULL;
}

/* A product and a window node, B images at a time (plan.c's product_readers, emit_window.c's
 * window_images): the scatter-add of the product's columns (a convolution's input gradient:
 * the block's columns into the product's buffer, which holds one block, then scattered into
 * the block's image planes), or the gather the product reads (a convolution's forward: the
 * block's windows into the window's buffer, which holds one block, then the product's columns
 * of those images from it). */
typedef struct {
  int mm, w, B;
  const Direct *direct; /* computed from the image instead (em_direct_conv), or from dY (em_direct_grad) */
} ChunkGen;

/* Window w's B images from i4 (the block loop's variable): scattered from product mm's
 * columns, or gathered into the window's buffer. */
static int block_gen(Em *e, void *ctx) {
  const ChunkGen *c = ctx;
  int scatter = e->g->nodes[c->w].op == OP_UNWINDOW;
  em_window_images(e, c->w, c->B, "i4", scatter ? em_buffer(e, c->mm, 0) : em_buffer(e, c->w, 1));
  return 1;
}

static int chunk_gen(Em *e, void *ctx) {
  const ChunkGen *c = ctx;
  const Node *n = &e->g->nodes[c->mm];
  int NI = e->g->nodes[c->w].shape.d[0], ohw = n->shape.d[1] / NI;
  /* (no node ids in the body: blocks of the same shapes share the kernel) */
  em_line(e, "for (int i4 = 0; i4 < %d; i4 += %d) { /* images [i4, i4 + %d): the product's columns, then their scatter into the images */",
          NI, c->B, c->B);
  e->ind++;
  em_matmul_cols(e, c->mm, c->B * ohw, em_buffer(e, c->mm, 1), c->B * ohw, ir_fmt("%s + (size_t)i4 * %d", em_buffer(e, n->in[1], 0), ohw),
                 n->shape.d[1]);
  /* the scatter a kernel of its own: products of other depths before the same scatter (ResNet's
   * 32- and 64-channel convolutions into 32 channels) share it */
  em_sub_kernel(e, block_gen, ctx, c->w, NULL, "i4", 0, "the block's columns added into its images");
  e->ind--;
  em_line(e, "}");
  return 1;
}

static int direct_gen(Em *e, void *ctx) {
  const ChunkGen *c = ctx;
  em_direct_conv_body(e, c->w, c->mm, c->direct);
  return 1;
}

static void emit_chunked_product(Em *e, int mm, int u, int B) {
  ChunkGen c = {mm, u, B, em_direct_grad(e, u, mm)};
  int ids[2] = {mm, u};
  if (c.direct) { /* from dY itself, no columns (emit_window.c) */
    emit_kernel_call(e, direct_gen, &c, ids, 2, ir_fmt("%%%d matmul + %%%d unwindow, direct from the output gradient", mm, u));
    return;
  }
  emit_kernel_call(e, chunk_gen, &c, ids, 2,
                   ir_fmt("%%%d matmul + %%%d unwindow, %d image%s at a time", mm, u, B, B > 1 ? "s" : ""));
}

static int window_chunk_gen(Em *e, void *ctx) {
  const ChunkGen *c = ctx;
  const Node *n = &e->g->nodes[c->mm];
  int NI = e->g->nodes[e->g->nodes[c->w].in[0]].shape.d[0], ohw = n->shape.d[1] / NI;
  em_line(e, "for (int i4 = 0; i4 < %d; i4 += %d) { /* images [i4, i4 + %d): their windows, then the product's columns */",
          NI, c->B, c->B);
  e->ind++;
  /* the gather a kernel of its own, as the scatter: convolutions of other widths from the same
   * images share it */
  em_sub_kernel(e, block_gen, ctx, c->w, "_block", "i4", 0, "the block's windows");
  em_matmul_cols(e, c->mm, c->B * ohw, ir_fmt("%s + (size_t)i4 * %d", em_buffer(e, c->mm, 1), ohw), n->shape.d[1], em_buffer(e, c->w, 0),
                 c->B * ohw);
  e->ind--;
  em_line(e, "}");
  return 1;
}

static void emit_windowed_product(Em *e, int mm, int w, int B, int u) {
  ChunkGen c = {mm, w, B, u >= 0 ? direct_epilogue(e, mm, u) : em_direct_conv(e, w, mm)};
  int p = u >= 0 ? direct_pool(e, u) : -1, ids[4] = {w, mm, u, p};
  if (c.direct) { /* from the image itself, no windows (emit_window.c) */
    emit_kernel_call(e, direct_gen, &c, ids, u < 0 ? 2 : p < 0 ? 3 : 4,
                     ir_fmt("%%%d window + %%%d matmul%s, direct from the image", w, mm,
                            u < 0 ? "" : p < 0 ? ir_fmt(" + %%%d %s", u, op_info[e->g->nodes[u].op].name)
                                           : ir_fmt(" + %%%d %s + %%%d max_pool", u, op_info[e->g->nodes[u].op].name, p)));
    return;
  }
  emit_kernel_call(e, window_chunk_gen, &c, ids, 2,
                   ir_fmt("%%%d window + %%%d matmul, %d image%s at a time", w, mm, B, B > 1 ? "s" : ""));
}

/* ---- functions ------------------------------------------------------------------------- */

/* (void) the inputs function k does not read, so the C compiles warning-free. */
static void unused_inputs(Em *e, FnKind k) {
  const Graph *g = e->g;
  if (k == FN_UPDATE) return; /* takes no inputs */
  char *m = ir_alloc((size_t)g->nnodes + 1);
  ir_reachable(g, g->roots[k].v, g->roots[k].n, m);
  for (int i = 0; i < g->ninputs; i++)
    if (!m[g->inputs[i].node] && (k != FN_FORWARD || !em_is_target(g, i)))
      fprintf(e->f, "  (void)%s%s;\n", e->in_names[i], em_is_target(g, i) && g->inputs[i].dt == DT_INT ? "_" : "");
}

/* The int target comes in as const void * (the API is the same for every model). */
static void target_cast(Em *e) {
  const Graph *g = e->g;
  if (g->target >= 0 && g->inputs[g->target].dt == DT_INT)
    fprintf(e->f, "  const int32_t *%s = %s_;\n", e->in_names[g->target], e->in_names[g->target]);
}
/* A model function's body: the pointers into the model's slabs it uses, named after what
 * they hold, then one kernel call per scheduled node. */
static void emit_fn_body(Em *e, FnKind k) {
  const FnPlan *fp = &e->p->fn[k];
  FILE *out = e->f;
  char *body = NULL, *decls = NULL;
  size_t len = 0, dlen = 0;
  e->f = open_memstream(&body, &len);
  e->decls = open_memstream(&decls, &dlen);
  if (!e->f || !e->decls) die("open_memstream: %s", strerror(errno));
  e->locals = (StrMap){0};
  e->reads_model = 0;
  e->fn_par = 0;
  e->fp = fp;
  e->ind = 1;
  if (k == FN_GRAD || k == FN_EVAL) target_cast(e);
  unused_inputs(e, k);
  if (e->o->check_numerics) {
    em_line(e, "m->error[0] = 0; /* --check-numerics: set when a block writes a NaN or an infinity */");
    e->reads_model = 1;
  }
  if (k == FN_GRAD && e->nfus) emit_prelude(e);
  int *epi = ir_alloc(((size_t)e->g->nnodes + 1) * sizeof *epi); /* product -> its epilogue's block + 1, and back */
  for (int s = 0; s < fp->nsched; s++) {
    int u = epilogue_user(e, fp->sched[s]), p;
    if (u >= 0) epi[fp->sched[s]] = u + 1, epi[u] = -(fp->sched[s] + 1);
    if (u >= 0 && fp->win && fp->win[fp->sched[s]] >= 0 && (p = direct_pool(e, u)) >= 0) epi[p] = -(fp->sched[s] + 1);
  }
  for (int s = 0; s < fp->nsched; s++) {
    int id = fp->sched[s];
    if (fp->unw && fp->unw[id] >= 0) { /* a block of images at a time, with its scatter (plan.c) */
      emit_chunked_product(e, id, fp->unw[id], fp->unw_images[id]);
      continue;
    }
    if (fp->win && fp->win[id] >= 0) { /* its window gathered with it a block of images at a time (plan.c) */
      emit_windowed_product(e, id, fp->win[id], fp->win_images[fp->win[id]], epi[id] > 0 ? epi[id] - 1 : -1);
      continue;
    }
    if (fp->win_images && fp->win_images[id]) {
      em_line(e, "/* %%%d = window: computed with %%%d, a block of images at a time */", id, fp->sched[s + 1]);
      continue;
    }
    int src = e->g->nodes[id].op == OP_UNWINDOW ? ir_root_of(e->g, e->g->nodes[id].in[0]) : -1;
    if (src >= 0 && fp->unw && fp->unw[src] == id) {
      em_line(e, "/* %%%d = unwindow: computed with %%%d, a block of images at a time */", id, src);
      continue;
    }
    if (epi[id] > 0) {
      emit_epilogue_product(e, id, epi[id] - 1);
      continue;
    }
    if (epi[id] < 0 && e->g->nodes[id].op == OP_MAXPOOL) {
      em_line(e, "/* %%%d = max_pool: computed by %%%d's kernel, each image's planes as its tiles stored them */", id, -epi[id] - 1);
      continue;
    }
    if (epi[id] < 0) {
      em_line(e, "/* %%%d = %s: computed by %%%d's tiles, from each element as it is stored */", id, op_info[e->g->nodes[id].op].name,
              -epi[id] - 1);
      continue;
    }
    if (k != FN_UPDATE && emit_elem_pool(e, s)) {
      s++;
      continue;
    }
    if (k != FN_UPDATE && emit_xent_with_softmax(e, s)) {
      s++;
      continue;
    }
    int sums = k != FN_UPDATE ? emit_sums(e, s) : 0;
    if (sums) {
      s += sums - 1;
    } else if (k == FN_GRAD && e->nfus) {
      emit_grad_block(e, fp->sched[s]);
    } else if (k == FN_UPDATE && e->nfus) {
      s += emit_update_blocks(e, s) - 1;
    } else {
      int run = emit_group(e, s);
      if (run) s += run - 1;
      else emit_block(e, fp->sched[s]);
    }
  }
  if (e->fn_par) em_line(e, "%s_par_end(m, %d);", e->pre, (int)k);
  fclose(e->f);
  fclose(e->decls);
  e->f = out;
  if (!e->reads_model && k != FN_GRAD) em_line(e, "(void)m; /* nothing here reads the model */");
  fputs(decls, e->f);
  if (e->fn_par) em_line(e, "%s_par_begin(m, %d); /* its parallel regions on all threads or one, as measured */", e->pre, (int)k);
  fputs(body, e->f);
  free(body);
  free(decls);
}

/* --check-numerics: the check after each block (check_numerics) */
static void emit_numerics_check(Em *e) {
  fprintf(e->f, "/* --check-numerics: 1 when p[0..n) holds a NaN or an infinity, m->error then naming the first and\n"
                " * the block that wrote it (what: its IR node and model line) */\n"
                "static int %s_numerics(%s_model *restrict m, const %s *p, int64_t n, const char *what) {\n"
                "  for (int64_t i = 0; i < n; i++)\n"
                "    if (!(p[i] - p[i] == 0)) {\n"
                "      snprintf(m->error, sizeof m->error, \"--check-numerics: %%s at element %%lld of %%s\",\n"
                "               p[i] != p[i] ? \"nan\" : p[i] > 0 ? \"inf\" : \"-inf\", (long long)i, what);\n"
                "      return 1;\n"
                "    }\n"
                "  return 0;\n}\n\n",
          e->pre, e->pre, e->real);
}

static void emit_functions(Em *e) {
  const Graph *g = e->g;
  FILE *f = e->f;
  if (e->o->check_numerics) emit_numerics_check(e);
  fprintf(f, "void %s_forward(%s_model *restrict m", e->pre, e->pre);
  em_fn_params(e, f, 0, 1);
  fprintf(f, ") {\n");
  emit_fn_body(e, FN_FORWARD);
  fprintf(f, "}\n\n");
  if (e->o->inference) return;
  /* updates fused into the training step's products, when any: m_grad's body then takes a
   * flag, "fused", set by the training step only */
  FuseUpd *fus = ir_alloc((size_t)(g->nparams + 1) * sizeof *fus);
  char *prelude = find_prelude(e);
  int nf = 0;
  /* (not under --check-numerics: every value is then stored and checked, gradients too) */
  for (int i = 0, ok = !e->o->check_numerics && prelude_ok(e, prelude); i < g->nparams && ok; i++)
    nf += fuse_param(e, i, &fus[nf], prelude);
  const Store *ls = &e->p->fn[FN_GRAD].store[ir_root_of(g, g->loss)];
  const char *args = "";
  for (int i = 0; i < g->ninputs; i++)
    args = ir_fmt("%s, %s%s", args, e->in_names[i], em_is_target(g, i) && g->inputs[i].dt == DT_INT ? "_" : "");
  if (nf) fprintf(f, "static %s %s_backward(%s_model *restrict m", e->real, e->pre, e->pre);
  else fprintf(f, "%s %s_grad(%s_model *restrict m", e->real, e->pre, e->pre);
  em_fn_params(e, f, 1, 0);
  fprintf(f, "%s) {\n", nf ? ", int fused" : "");
  e->fus = fus, e->nfus = nf, e->prelude = prelude;
  emit_fn_body(e, FN_GRAD);
  e->nfus = 0;
  if (g->nodes[ir_root_of(g, g->loss)].op == OP_CONST)
    fprintf(f, "  return %s;\n}\n\n", em_lit(e, g->nodes[ir_root_of(g, g->loss)].a));
  else
    fprintf(f, "  return %s[%lld];\n}\n\n", em_slab(ls->kind), (long long)ls->off);
  if (nf) {
    fprintf(f, "%s %s_grad(%s_model *restrict m", e->real, e->pre, e->pre);
    em_fn_params(e, f, 1, 0);
    fprintf(f, ") {\n  return %s_backward(m%s, 0);\n}\n\n", e->pre, args);
  }
  if (nf) fprintf(f, "static void %s_update_step(%s_model *restrict m, int fused) {\n", e->pre, e->pre);
  else fprintf(f, "void %s_update(%s_model *restrict m) {\n", e->pre, e->pre);
  int *seg = ir_alloc((size_t)g->nnodes * sizeof(int) + 1); /* no loop fuses blocks across these */
  for (int i = 0; i < g->nnodes; i++) seg[i] = prelude[i] ? -1 - i : 0;
  for (int k = 0; k < nf; k++)
    for (int c = 0; c < fus[k].covered; c++)
      if (!prelude[e->p->fn[FN_UPDATE].sched[fus[k].first + c]]) seg[e->p->fn[FN_UPDATE].sched[fus[k].first + c]] = 1 + k;
  e->nfus = nf, e->segment = nf ? seg : NULL;
  emit_fn_body(e, FN_UPDATE);
  e->nfus = 0, e->segment = NULL;
  fprintf(f, "  m->step++;\n}\n\n");
  if (nf) fprintf(f, "void %s_update(%s_model *restrict m) {\n  %s_update_step(m, 0);\n}\n\n", e->pre, e->pre, e->pre);
  fprintf(f, "%s %s_train_step(%s_model *restrict m", e->real, e->pre, e->pre);
  em_fn_params(e, f, 1, 0);
  const char *stop = e->o->check_numerics ? "\n  if (m->error[0]) return loss; /* --check-numerics: no update */" : "";
  if (nf)
    fprintf(f, ") {\n  %s loss = %s_backward(m%s, 1);%s\n  %s_update_step(m, 1);\n  return loss;\n}\n\n", e->real, e->pre,
            args, stop, e->pre);
  else
    fprintf(f, ") {\n  %s loss = %s_grad(m%s);%s\n  %s_update(m);\n  return loss;\n}\n\n", e->real, e->pre, args, stop,
            e->pre);
  if (!e->p->fn[FN_EVAL].planned) return;
  fprintf(f, "void %s_eval(%s_model *restrict m", e->pre, e->pre);
  em_fn_params(e, f, 1, 2);
  fprintf(f, ") {\n");
  emit_fn_body(e, FN_EVAL);
  fprintf(f, "}\n\n");
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
  e.PRE = em_upper(e.pre);
  em_name_io(&e);
  for (const char *c = em_base_name(hpath); *c; c++)
    if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 || *c == 0x7F)
      return fprintf(stderr, "dlc: -o %s: the header's name cannot hold quotes, backslashes or control characters "
                             "(net.c #includes it)\n", ir_esc(cpath, RT_ESC_TERM)), 2;
  char *htext = NULL, *ctext = NULL;
  size_t hlen = 0, clen = 0;
  FILE *h = open_memstream(&htext, &hlen), *f = open_memstream(&ctext, &clen);
  if (!h || !f) die("open_memstream: %s", strerror(errno));
  e.f = f;
  fprintf(f, "/* %s - generated by dlc %s from %s. Do not edit: change the model and regenerate.\n",
          ir_esc(em_base_name(cpath), RT_ESC_C_COMMENT), DLC_VERSION, ir_esc(source, RT_ESC_C_COMMENT));
  fprintf(f, " * Model \"%s\": %lld parameters, %s, arena %lld bytes. */\n", ir_esc(p->g->name, RT_ESC_C_COMMENT),
          (long long)p->param_count, e.real, (long long)(p->arena * (e.d64 ? 8 : 4)));
  if (o->target == TARGET_AVX512)
    fprintf(f, "/* --target avx512: 64-byte vectors; build with AVX-512 (-mavx512f -mfma, or -march=native on such a machine).\n"
               " * Other ISAs run it too (the vectors are split), with the same results but slower. */\n");
  else if (o->target != TARGET_GENERIC)
    fprintf(f, "/* --target %s: vectors of %d bytes and register tiles for that ISA; any C compiler with vector\n"
               " * extensions builds it (GCC, Clang), for any machine, with the same results. */\n",
            target_names[o->target], em_vlanes(&e) * (e.d64 ? 8 : 4));
  fprintf(f, "#include \"%s\"\n\n#include <math.h>\n#include <stdio.h>\n#include <string.h>\n\n"
             "#include \"dlc_rt.h\"\n\n", em_base_name(hpath));
  char *code = NULL, *kernels = NULL;
  size_t len = 0, klen = 0;
  e.f = open_memstream(&code, &len);
  e.kf = open_memstream(&kernels, &klen);
  if (!e.f || !e.kf) die("open_memstream: %s", strerror(errno));
  emit_init(&e);
  emit_functions(&e);
  emit_tensor_table(&e);
  emit_checkpoint(&e, p->g->hash);
  emit_descriptor(&e);
  write_kernels(&e);
  fclose(e.f);
  fclose(e.kf);
  e.f = f;
  emit_header(&e, h, em_base_name(hpath)); /* after the code: the model holds NAME_par's regions */
  fclose(h);
  emit_consts(&e);
  if (o->openmp && e.npar) emit_par(&e); /* (no region: nothing calls it) */
  fputs(kernels, f);
  fputs(code, f);
  free(code);
  free(kernels);
  free(e.kern);
  free(e.mname);
  free(e.par_fn);
  fclose(f);
  /* both files whole or not at all: the header first, which the C includes */
  int st = ir_write_file(hpath, htext, hlen) || ir_write_file(cpath, ctext, clen);
  free(htext);
  free(ctext);
  return st;
}

