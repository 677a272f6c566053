/* pipeline.c - the compiler's stages in order, with the dumps between them.
 *
 *   model.lua -> dsl (forward graph, loss) -> autodiff (gradients into grad slots)
 *   -> optimizer update (dsl) -> simplify* -> layout -> plan -> emit
 *
 * Each pass rebuilds the graph; ir_verify checks the invariants after every pass. */
#include "pipeline.h"

#include <ctype.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dlc_rt.h"
#include "dsl.h"

static int valid_ident(const char *s) {
  if (!isalpha((unsigned char)*s) && *s != '_') return 0;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_') return 0;
  return 1;
}

int pipeline_parse_timeout(const char *v, double *out) {
  char *end = NULL;
  double t = v ? strtod(v, &end) : 0;
  if (!v || end == v || *end || !(t > 0 && t <= 86400)) return 1;
  *out = t;
  return 0;
}

int pipeline_parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = s ? strtol(s, &end, 10) : 0;
  if (!s || errno || *end || end == s || v < lo || v > hi) return 1;
  *out = v;
  return 0;
}

static const Leaf *sort_leaves;
static int by_name(const void *a, const void *b) {
  const Leaf *x = &sort_leaves[*(const int *)a], *y = &sort_leaves[*(const int *)b];
  int c = strcmp(x->name, y->name);
  return c ? c : x->loc.line - y->loc.line;
}

/* Two leaves of one kind with one name: an error at the later one's line. */
static int check_unique(const Leaf *l, int n, const char *what) {
  int *ix = ir_alloc((size_t)(n + 1) * sizeof(int));
  for (int i = 0; i < n; i++) ix[i] = i;
  sort_leaves = l;
  qsort(ix, (size_t)n, sizeof *ix, by_name);
  for (int i = 1; i < n; i++)
    if (strcmp(l[ix[i]].name, l[ix[i - 1]].name) == 0) {
      fprintf(stderr, "%s:%d: %s name '%s' is also used at line %d\n", ir_esc(l[ix[i]].loc.file, RT_ESC_TERM),
              l[ix[i]].loc.line, what, ir_esc(l[ix[i]].name, RT_ESC_C_STRING), l[ix[i - 1]].loc.line);
      return 1;
    }
  return 0;
}

static int check_names(Graph *g) {
  return check_unique(g->params, g->nparams, "parameter") || check_unique(g->inputs, g->ninputs, "input");
}

static void dump(const Options *o, const Graph *g, unsigned stage, const char *name) {
  if (o->dumps & stage) dump_graph(stdout, g, o->emit.dtype64, name);
  if (o->dot_stage == stage) {
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!f) die("open_memstream failed");
    dump_dot(f, g, o->emit.dtype64, o->dot_modules);
    fclose(f);
    int st = ir_write_file(o->out, text, n);
    free(text);
    if (st) exit(1);
  }
}

/* Gradients of the loss into the grad slots (FN_GRAD), then the optimizer's update. */
static int differentiate(Graph *g, Dsl *d) {
  int *grads = ir_alloc((size_t)(g->nparams + 1) * sizeof(int));
  ad_gradients(g, g->loss, grads);
  ir_add_root(g, FN_GRAD, g->loss);
  for (int i = 0; i < g->nparams; i++) {
    if (!ir_trained(g, i)) continue; /* buffers and frozen parameters */
    ir_set_loc(g, g->params[i].loc);
    ir_set_flags(g, NF_BACKWARD);
    ir_add_root(g, FN_GRAD, ir_assign(g, ir_grad(g, g->params[i].node), grads[i]));
    ir_set_flags(g, 0);
  }
  return dsl_build_update(d);
}

static Graph *optimize(Graph *g) {
  int changed = 1;
  for (int round = 0; changed && round < 16; round++) {
    g = opt_simplify(g, &changed);
    ir_verify(g);
  }
  g = opt_layout(g, &changed);
  ir_verify(g);
  return g;
}

static const char *header_path(const char *cpath) {
  size_t n = strlen(cpath);
  if (n > 2 && strcmp(cpath + n - 2, ".c") == 0) return ir_fmt("%.*s.h", (int)(n - 2), cpath);
  return ir_fmt("%s.h", cpath);
}

int pipeline_run(const Options *o) {
  jmp_buf on_error;
  Graph *volatile g = ir_new();
  Dsl *volatile d = NULL;
  ir_set_on_error(g, ir_on_error_jump, &on_error); /* a user error after the model ran: here */
  if (setjmp(on_error)) {
    dsl_close(d);
    return 1;
  }
  d = dsl_open(&o->dsl, g);
  if (!d) return 1;
  DslTrainDefaults train_defaults;
  dsl_finish_forward(d, &train_defaults);
  g = dsl_graph(d);
  if (o->train_out) *o->train_out = train_defaults;
  if (o->name) {
    if (!valid_ident(o->name)) {
      fprintf(stderr, "dlc: --name %s is not a C identifier\n", o->name);
      dsl_close(d);
      return 2;
    }
    ir_set_name(g, o->name);
  }
  int train = !o->emit.inference && g->loss >= 0 && dsl_has_optim(d);
  int status = check_names(g);
  ir_verify(g);
  ir_set_hash(g, ir_graph_hash(g)); /* of the model as written: compiler passes do not change it */
  if (!status) dump(o, g, STAGE_GRAPH, "graph");
  if (!status && train) status = differentiate(g, d);
  RtSched *sched = ir_alloc(sizeof *sched);
  if (!dsl_scheduler(d, sched)) sched = NULL;
  dsl_close(d);
  d = NULL;
  if (status) return status;
  EmitOptions eo = o->emit;
  eo.inference = !train;
  eo.sched = train ? sched : NULL;
  if (!train) ir_set_loss(g, -1);
  ir_verify(g);
  dump(o, g, STAGE_GRAD, "grad");
  g = optimize(g);
  dump(o, g, STAGE_OPT, "opt");
  Plan *p = plan_build(g, &eo);
  if (o->plan_out) *o->plan_out = p;
  if (o->dumps & STAGE_PLAN) dump_plan(stdout, p, eo.dtype64);
  if (o->stats) dump_stats(stdout, p, eo.dtype64);
  if (o->out && !o->dot_stage) return emit_c(p, &eo, o->out, header_path(o->out), o->dsl.path);
  return 0;
}
