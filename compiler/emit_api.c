/* emit_api.c - the model API around the kernels: net.h (sizes, offsets, the model struct, the
 * functions), _init, the tensor table, safetensors checkpoints, named constants, and the C
 * names of inputs, parameters and state. */
#include "emit.h"

#include "dlc_rt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int em_is_target(const Graph *g, int i) { return i == g->target; }

/* The learning rate's state leaf (the optimizer's own scalar "lr", read by the update) when the
 * model has a scheduler and a training step; else -1. */
static int lr_state(const Em *e) {
  if (!e->o->sched || e->o->inference) return -1;
  for (int i = 0; i < e->g->nstates; i++)
    if (e->g->states[i].owner < 0 && strcmp(e->g->states[i].slot, "lr") == 0) return i;
  return -1;
}

/* with_outputs: 0 none, 1 the model's outputs, 2 those and the per-sample losses */
void em_fn_params(Em *e, FILE *f, int with_target, int with_outputs) {
  const Graph *g = e->g;
  for (int i = 0; i < g->ninputs; i++) {
    if (em_is_target(g, i) && !with_target) continue;
    if (g->inputs[i].dt == DT_INT && em_is_target(g, i))
      fprintf(f, ", const void *%s_", e->in_names[i]);
    else if (g->inputs[i].dt == DT_INT)
      fprintf(f, ", const int32_t *%s", e->in_names[i]);
    else fprintf(f, ", const %s *%s", e->real, e->in_names[i]);
  }
  for (int i = 0; i < g->noutputs && with_outputs; i++)
    if (!g->outputs[i].eval_only || with_outputs == 2) fprintf(f, ", %s *%s", e->real, e->out_names[i]);
}

static const char *fill_call(const Em *e, const Leaf *l, int64_t off);

/* The fill, then the row zero_row - 1 set to 0 (nn.Embedding's padding_idx). */
static const char *init_call(const Em *e, const Leaf *l, int64_t off) {
  const char *fill = fill_call(e, l, off);
  if (!l->init.zero_row) return fill;
  int64_t row = shape_numel(&l->shape) / l->shape.d[0];
  return ir_fmt("%s\n  rt_fill_const_%s(m->param + %lld, %lld, 0); /* row %lld: zeros */", fill, e->d64 ? "f64" : "f32",
                (long long)(off + (l->init.zero_row - 1) * row), (long long)row, (long long)(l->init.zero_row - 1));
}

static const char *fill_call(const Em *e, const Leaf *l, int64_t off) {
  int64_t n = shape_numel(&l->shape);
  const char *sfx = e->d64 ? "f64" : "f32";
  uint64_t stream = rt_hash_name(l->name); /* the runtime's stream for this tensor */
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

void emit_init(Em *e) {
  const Graph *g = e->g;
  FILE *f = e->f;
  fprintf(f, "void %s_init(%s_model *m, uint64_t seed) {\n", e->pre, e->pre);
  fprintf(f, "  memset(m, 0, sizeof *m);\n");
  fprintf(f, "  m->seed = seed; /* also keys dropout's masks, with the step count */\n");
  int lr = lr_state(e);
  if (lr >= 0)
    fprintf(f, "  m->state[%lld] = (%s)%.17g; /* optim.lr: the schedule's base learning rate */\n",
            (long long)e->p->state_off[lr], e->real, e->o->sched->base_lr);
  for (int i = 0; i < g->nparams; i++) {
    const Leaf *l = &g->params[i];
    fprintf(f, "  /* %s %s   # %s:%d */\n", ir_esc(l->name, RT_ESC_C_COMMENT), shape_str(&l->shape),
            ir_esc(l->loc.file, RT_ESC_C_COMMENT), l->loc.line);
    fprintf(f, "  %s\n", init_call(e, l, e->p->param_off[i]));
  }
  fprintf(f, "}\n\n");
}

/* --openmp: NAME_par_begin(m, f) at the start of model function f that has parallel regions,
 * NAME_par(m, k) before its region k (a kernel call whose loops split across threads),
 * NAME_par_end(m, f) at its end. */
void emit_par(Em *e) {
  const char *P = e->pre, *fns = "0";
  int npar = e->npar ? e->npar : 1;
  for (int k = 0; k < e->npar; k++) fns = k ? ir_fmt("%s, %d", fns, e->par_fn[k]) : ir_fmt("%d", e->par_fn[k]);
  fprintf(e->f,
          "/* --openmp: a model function's parallel regions (kernel calls whose loops split across the\n"
          " * threads) run on all the caller's threads (omp_get_max_threads()) or on one, as measured on\n"
          " * the function's first calls.  After %d untimed calls, each way in turn, %d calls run all regions\n"
          " * on one thread, then %d on all threads, timing each call and each region (from its call to\n"
          " * the next region's: what it leaves in the other core's cache is paid by the blocks after it,\n"
          " * which that interval holds).  Each way in a run of calls, not in turns: a call on one thread\n"
          " * after one on all finds half of the data in the other core's cache (LeNet on vCPUs far\n"
          " * apart: 650-700 us, against 570 us after a call on one thread).  Then %d calls try the mix:\n"
          " * each region as it was fastest.  The function keeps the fastest of the three (its fastest\n"
          " * call each way; the mix must win by 3 %%), and measures again after %d calls (a VM's vCPUs\n"
          " * move), the first time after %d (Linux starts a new thread on its caller's CPU and moves it\n"
          " * some 10-50 ms later).  On vCPUs far apart, a small block on two threads costs more in data\n"
          " * crossing cores than it saves.  The bits are the same either way: every element is computed\n"
          " * by one thread in one order. */\n"
          "#ifdef _OPENMP\n#include <omp.h>\n"
          "static _Thread_local int %s_par_all = 1; /* the next region's: 1 all threads, 0 one (its if clause) */\n"
          "static const signed char %s_par_fn[%d] = {%s}; /* the model function each region is in */\n\n"
          "static void %s_par_begin(%s_model *m, int f) {\n"
          "  m->par.nmax = omp_get_max_threads();\n"
          "  %s_par_all = 1;\n"
          "  m->par.last = -1;\n"
          "  if (m->par.nmax < 2) return;\n"
          "  if (m->par.state[f] && ++m->par.since[f] >= %d) { /* measure again */\n"
          "    m->par.state[f] = 0, m->par.calls[f] = m->par.since[f] = 0;\n"
          "    memset(m->par.ncall[f], 0, sizeof m->par.ncall[f]);\n"
          "    for (int k = 0; k < %d; k++)\n"
          "      if (%s_par_fn[k] == f) memset(m->par.count[k], 0, sizeof m->par.count[k]);\n"
          "  }\n"
          "  int st = m->par.state[f], c = st ? 0 : m->par.calls[f]++; /* (counted until decided) */\n"
          "  /* this call's mode: 0 one thread, 1 all threads, 2 the mix; timed unless decided */\n"
          "  m->par.mode = st == 0 ? (c < %d ? c %% 2 : c < %d ? 0 : c < %d ? 1 : 2) : st - 1;\n"
          "  m->par.timed = st == 0 && c >= %d;\n"
          "  if (m->par.timed) m->par.t0 = m->par.tstart = omp_get_wtime();\n"
          "  if (m->par.mode < 2) %s_par_all = m->par.mode;\n"
          "}\n\n"
          "static void %s_par_time(%s_model *m, double now) { /* the last region's, up to now */\n"
          "  int j = m->par.last, w = m->par.mode;\n"
          "  if (j >= 0 && w < 2 && (!m->par.count[j][w]++ || now - m->par.t0 < m->par.best[j][w])) m->par.best[j][w] = now - m->par.t0;\n"
          "  m->par.t0 = now;\n"
          "}\n\n"
          "static void %s_par(%s_model *m, int k) {\n"
          "  if (m->par.nmax < 2) return;\n"
          "  if (m->par.timed) %s_par_time(m, omp_get_wtime());\n"
          "  m->par.last = k;\n"
          "  if (m->par.mode == 2) %s_par_all = m->par.best[k][1] < 0.95 * m->par.best[k][0];\n"
          "}\n\n"
          "static void %s_par_end(%s_model *m, int f) {\n"
          "  if (m->par.nmax < 2) return; /* one thread, or no call begun */\n"
          "  if (m->par.timed) {\n"
          "    double now = omp_get_wtime(), t = now - m->par.tstart;\n"
          "    %s_par_time(m, now);\n"
          "    int w = m->par.mode;\n"
          "    if (!m->par.ncall[f][w]++ || t < m->par.tbest[f][w]) m->par.tbest[f][w] = t;\n"
          "    if (m->par.calls[f] == %d) { /* decided: the fastest of the three */\n"
          "      double *b = m->par.tbest[f];\n"
          "      m->par.state[f] = b[2] < 0.97 * b[0] && b[2] < 0.97 * b[1] ? 3 : b[1] < b[0] ? 2 : 1;\n"
          "      if (!m->par.decided[f]++) m->par.since[f] = %d; /* the first, measured again after %d calls */\n"
          "    }\n"
          "  }\n"
          "  %s_par_all = 1;\n"
          "  m->par.nmax = 0;\n"
          "}\n"
          "#else\n"
          "#define %s_par_all 1\n"
          "#define %s_par_begin(m, f) ((void)(m))\n"
          "#define %s_par(m, k) ((void)(m))\n"
          "#define %s_par_end(m, f) ((void)(m))\n"
          "#endif\n\n",
          PAR_WARM, PAR_SAMPLES, PAR_SAMPLES, PAR_SAMPLES, PAR_RETUNE, PAR_RECHECK, /* the comment */
          P, P, npar, fns, P, P, P, PAR_RETUNE, npar, P, PAR_WARM, PAR_WARM + PAR_SAMPLES, PAR_WARM + 2 * PAR_SAMPLES, PAR_WARM, P, /* par_begin */
          P, P, P, P, P, P, /* par_time, par */
          P, P, P, PAR_WARM + 3 * PAR_SAMPLES, PAR_RETUNE - PAR_RECHECK, PAR_RECHECK, P, /* par_end */
          P, P, P, P);
}

void emit_tensor_table(Em *e) {
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
    /* optional state: absent in a file, zero; the learning rate keeps its value */
    int optional = !st ? 0 : i - g->nparams == lr_state(e) ? 2 : 1;
    fprintf(f, "%s}, (void *)(m->%s + %lld), %d};\n", l->shape.n ? "" : "0", st ? "state" : "param",
            (long long)off, optional);
  }
  fprintf(f, "}\n\n");
}

void emit_checkpoint(Em *e, uint64_t hash) {
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

void emit_consts(Em *e) {
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
    fprintf(e->f, "#define %s_%s %s   /* %s:%d */\n", e->PRE, n->cname, em_lit(e, n->a),
            ir_esc(n->loc.file, RT_ESC_C_COMMENT), n->loc.line);
  }
  if (ns) fputc('\n', e->f);
}

void emit_header(Em *e, FILE *h, const char *hname) {
  const Graph *g = e->g;
  const Plan *p = e->p;
  const char *P = e->pre, *U = e->PRE;
  char *guard = em_upper(ir_c_ident(hname));
  fprintf(h, "/* %s - generated by dlc %s. The API of model \"%s\". */\n", ir_esc(hname, RT_ESC_C_COMMENT),
          DLC_VERSION, ir_esc(g->name, RT_ESC_C_COMMENT));
  fprintf(h, "#ifndef %s\n#define %s\n\n#include <stdint.h>\n\n", guard, guard);
  int batch = g->ninputs ? g->inputs[0].shape.d[0] : 1;
  fprintf(h, "#define %s_BATCH %d\n", U, g->ninputs && g->inputs[0].shape.n ? batch : 1);
  for (int i = 0; i < g->ninputs; i++)
    fprintf(h, "#define %s_%s_SIZE %lld   /* %s %s %s */\n", U, em_upper(e->in_names[i]),
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
    fprintf(h, "#define %s_PARAM_%s %lld   /* %s %s */\n", U, em_upper(e->param_ids[i]), (long long)p->param_off[i],
            ir_esc(g->params[i].name, RT_ESC_C_COMMENT), shape_str(&g->params[i].shape));
  fprintf(h, "\n/* Parameters, their gradients, optimizer state and activations: one slab each,\n"
             " * 64-byte aligned; every tensor in a slab starts 64-byte aligned. */\n");
  fprintf(h, "typedef struct %s_model {\n", P);
  fprintf(h, "  _Alignas(64) %s param[%lld];\n", e->real, (long long)(p->param_slab ? p->param_slab : 1));
  /* 16 more: room after the gradients for a data-parallel driver's loss and flags, summed with
   * them in place (dlc train --mpi, RtNet.slab) */
  fprintf(h, "  _Alignas(64) %s grad[%lld + 16];\n", e->real, (long long)(p->param_slab ? p->param_slab : 1));
  fprintf(h, "  _Alignas(64) %s state[%lld];\n", e->real, (long long)(p->state_slab ? p->state_slab : 1));
  fprintf(h, "  _Alignas(64) %s arena[%lld];\n", e->real, (long long)(p->arena ? p->arena : 1));
  fprintf(h, "  int64_t step;     /* optimizer steps taken */\n");
  fprintf(h, "  uint64_t seed;    /* given to _init */\n");
  fprintf(h, "  int32_t rank, ranks; /* data-parallel training (dlc train --mpi): this replica's slice of\n"
             "                          the global batch, which keys dropout's masks; 0, 0: alone */\n");
  if (e->o->openmp) {
    int n = e->npar ? e->npar : 1;
    fprintf(h, "  struct {          /* --openmp: which parallel regions run on all threads, which on one\n"
               "                      (%s_par_begin in the C, measured on the first calls) */\n"
               "    double best[%d][2];       /* per region: its fastest timed visit on one thread, on all */\n"
               "    int32_t count[%d][2];     /* and its timed visits */\n"
               "    double tbest[%d][3];      /* per model function: its fastest timed call on one thread,\n"
               "                                 on all, as the mix */\n"
               "    int32_t ncall[%d][3];     /* and its timed calls */\n"
               "    int32_t calls[%d];        /* its calls while measuring */\n"
               "    int32_t since[%d];        /* its calls since it decided */\n"
               "    int32_t decided[%d];      /* its decisions so far */\n"
               "    int8_t state[%d];         /* 0 measuring, 1 one thread, 2 all threads, 3 the mix */\n"
               "    int32_t nmax, mode, timed, last; /* during a call: the caller's thread count (0: no call),\n"
               "                                 the call's mode, whether it is timed, the last region */\n"
               "    double t0, tstart;        /* when that region and the call started */\n"
               "  } par;\n", P, n, n, PAR_FNS, PAR_FNS, PAR_FNS, PAR_FNS, PAR_FNS, PAR_FNS);
  }
  fprintf(h, "  char error[256];  /* why the last save or load failed%s */\n} %s_model;\n\n",
          e->o->check_numerics ? "; with --check-numerics, where the last model function met a NaN or an infinity (else \"\")" : "",
          P);
  fprintf(h, "/* Parameters from seed; optimizer state zero. */\n");
  fprintf(h, "void %s_init(%s_model *m, uint64_t seed);\n", P, P);
  fprintf(h, "/* Inference: outputs from inputs. */\nvoid %s_forward(%s_model *restrict m", P, P);
  em_fn_params(e, h, 0, 1);
  fprintf(h, ");\n");
  if (!e->o->inference) {
    fprintf(h, "/* Loss and gradients (into m->grad), without updating. */\n%s %s_grad(%s_model *restrict m", e->real, P, P);
    em_fn_params(e, h, 1, 0);
    fprintf(h, ");\n/* The optimizer's update from the gradients in m->grad, and the step count; _grad then\n"
               " * _update is _train_step. */\n");
    fprintf(h, "void %s_update(%s_model *restrict m);\n", P, P);
    fprintf(h, "/* Forward, backward and optimizer update; returns the loss before the update.  The update\n"
               " * of a weight whose gradient is a matrix product is applied by that product as it goes, so\n"
               " * m->grad does not hold every gradient afterwards (_grad stores them all). */\n");
    fprintf(h, "%s %s_train_step(%s_model *restrict m", e->real, P, P);
    em_fn_params(e, h, 1, 0);
    fprintf(h, ");\n");
  }
  if (e->p->fn[FN_EVAL].planned) {
    fprintf(h, "/* Evaluation: outputs and each sample's loss, in inference mode. */\n");
    fprintf(h, "void %s_eval(%s_model *restrict m", P, P);
    em_fn_params(e, h, 1, 2);
    fprintf(h, ");\n");
  }
  fprintf(h, "/* Safetensors checkpoints; 0 on success, else m->error says why.  _save_meta adds\n"
             " * nmeta key/value string pairs (kv[2i], kv[2i+1]; at most 16) to the metadata. */\n");
  fprintf(h, "int %s_save(const %s_model *m, const char *path);\n", P, P);
  fprintf(h, "int %s_save_meta(const %s_model *m, const char *path, const char *const *kv, int nmeta);\n", P, P);
  fprintf(h, "int %s_load(%s_model *m, const char *path);\n", P, P);
  if (lr_state(e) >= 0)
    fprintf(h, "/* The learning rate, a run-time value (the model has a scheduler): the optimizer state\n"
               " * optim.lr, saved in checkpoints; _init sets the schedule's base rate.  The rate for epoch n\n"
               " * (for OneCycleLR: optimizer step n) is rt_sched_lr(&%s_sched, n, total_steps) (dlc_rt.h). */\n"
               "double %s_lr(const %s_model *m);\n"
               "void %s_set_lr(%s_model *m, double lr);\n"
               "extern const struct RtSched %s_sched;\n", P, P, P, P, P, P);
  if (em_descriptor_input(e) >= 0)
    fprintf(h, "\n/* The net's descriptor for drivers that are not shape-specific (RtNet, dlc_rt.h). */\n"
               "extern const struct RtNet %s_net;\n", P);
  fprintf(h, "\n#endif\n");
}

const char *em_base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* Names the generated code uses itself: C keywords and types, the model pointer, locals
 * (t12, i0, p_*, g_*, s_*, w_*, row_*), outputs. */
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
  if (n[0] && n[1] == '_' && strchr("pgsrw", n[0])) return 1; /* w_*: the window kernels' locals */
  return strncmp(n, "row_", 4) == 0 || strncmp(n, "out", 3) == 0 || strncmp(n, "dlc_", 4) == 0 ||
         n[0] == '_';
}

/* Unique C identifiers for the inputs (also the function parameters' names), parameters and
 * optimizer state; see NameSet. */
void em_name_io(Em *e) {
  const Graph *g = e->g;
  NameSet ins = {0}, params = {0}, states = {0};
  e->in_names = ir_alloc((size_t)(g->ninputs + 1) * sizeof(char *));
  e->out_names = ir_alloc((size_t)(g->noutputs + 1) * sizeof(char *));
  e->param_ids = ir_alloc((size_t)(g->nparams + 1) * sizeof(char *));
  e->state_ids = ir_alloc((size_t)(g->nstates + 1) * sizeof(char *));
  em_ns_add(&params, "count"); /* <PRE>_PARAM_COUNT is the header's */
  for (int i = 0; i < g->ninputs; i++) {
    char *n = ir_c_ident(g->inputs[i].name), *up = em_upper(n);
    int taken = reserved(n) || strncmp(up, "PARAM_", 6) == 0 || strncmp(up, "OUTPUT", 6) == 0;
    e->in_names[i] = em_ns_unique(&ins, taken ? ir_fmt("in_%s", n) : n);
    if (em_is_target(g, i) && g->inputs[i].dt == DT_INT) em_ns_add(&ins, ir_fmt("%s_", e->in_names[i])); /* the void * */
  }
  int nout = 0;
  for (int i = 0; i < g->noutputs; i++) nout += !g->outputs[i].eval_only;
  for (int i = 0, k = 0; i < g->noutputs; i++)
    e->out_names[i] = g->outputs[i].eval_only ? "sample_loss" : nout == 1 ? "out" : ir_fmt("out%d", ++k);
  for (int i = 0; i < g->nparams; i++) e->param_ids[i] = em_ns_unique(&params, ir_c_ident(g->params[i].name));
  for (int i = 0; i < g->nstates; i++) {
    const Leaf *l = &g->states[i];
    const char *slot = ir_c_ident(l->slot);
    e->state_ids[i] = em_ns_unique(&states, l->owner < 0 ? slot : ir_fmt("%s_%s", e->param_ids[l->owner], slot));
  }
  /* what an activation's name must not be: the model functions' parameters and slab locals */
  e->node_ids = ir_alloc((size_t)g->nnodes * sizeof(char *) + 1);
  for (int i = 0; i < g->ninputs; i++) em_ns_add(&e->arena_ids, e->in_names[i]), em_ns_add(&e->arena_ids, ir_fmt("%s_", e->in_names[i]));
  for (int i = 0; i < g->noutputs; i++) em_ns_add(&e->arena_ids, e->out_names[i]);
  for (int i = 0; i < g->nparams; i++)
    em_ns_add(&e->arena_ids, ir_fmt("p_%s", e->param_ids[i])), em_ns_add(&e->arena_ids, ir_fmt("g_%s", e->param_ids[i]));
  for (int i = 0; i < g->nstates; i++) em_ns_add(&e->arena_ids, ir_fmt("s_%s", e->state_ids[i]));
}

/* An activation (an arena buffer) is named after its module and op, "net_4_relu", with "_bw"
 * when the backward pass computes it ("net_4_mul_bw"); outside a module after its node,
 * "t17_xent".  Names that could clash with what the generated code or the runtime declare
 * (reserved words and prefixes, the model's own prefix) get "t_" in front; a name already
 * given gets "_2", "_3", ... */
const char *em_node_name(Em *e, int id) {
  if (e->node_ids[id]) return e->node_ids[id];
  const Node *n = &e->g->nodes[id];
  const Scope *sc = ir_scope(e->g, n->loc.scope);
  const char *op = op_info[n->op].name, *bw = n->flags & NF_BACKWARD ? "_bw" : "";
  const char *base = sc ? ir_fmt("%s_%s%s", ir_c_ident(sc->name), op, bw) : ir_fmt("t%d_%s", id, op);
  size_t np = strlen(e->pre);
  if (sc && (reserved(base) || strncmp(base, "rt_", 3) == 0 || (strncmp(base, e->pre, np) == 0 && base[np] == '_')))
    base = ir_fmt("t_%s", base);
  return e->node_ids[id] = em_ns_unique(&e->arena_ids, base);
}

const char *em_node_role_esc(const Em *e, int id, RtEsc ctx) {
  const Node *n = &e->g->nodes[id];
  const Scope *sc = ir_scope(e->g, n->loc.scope);
  const char *who = sc ? ir_fmt("%s %s, ", ir_esc(sc->name, ctx), ir_esc(sc->kind, ctx)) : "";
  return ir_fmt("%s%s:%d%s", who, ir_esc(n->loc.file ? n->loc.file : "?", ctx), n->loc.line,
                n->flags & NF_BACKWARD ? ", backward" : "");
}

const char *em_node_role(const Em *e, int id) { return em_node_role_esc(e, id, RT_ESC_C_COMMENT); }


/* ---- the descriptor ------------------------------------------------------------------------ */

/* The input a descriptor describes: the one named by o->feed, else the first besides the target,
 * float or int32, in an f32 net with one output whose every other input is the target; -1 when
 * the net has another form (it gets no descriptor). */
int em_descriptor_input(const Em *e) {
  const Graph *g = e->g;
  int x = -1, nout = 0;
  for (int i = 0; i < g->ninputs && x < 0; i++)
    if (e->o->feed ? strcmp(g->inputs[i].name, e->o->feed) == 0 : !em_is_target(g, i)) x = i;
  for (int i = 0; i < g->ninputs; i++)
    if (i != x && !em_is_target(g, i)) return -1;
  for (int i = 0; i < g->noutputs; i++) nout += !g->outputs[i].eval_only;
  if (e->d64 || x < 0 || em_is_target(g, x) || nout != 1 || !g->inputs[x].shape.n) return -1;
  return x;
}

static const char *const sched_kind[] = {"RT_SCHED_STEP", "RT_SCHED_MULTISTEP", "RT_SCHED_EXPONENTIAL",
                                        "RT_SCHED_COSINE", "RT_SCHED_ONECYCLE"};

/* <name>_lr, <name>_set_lr and the schedule <name>_sched (an RtSched, dlc_rt.h). */
static void emit_lr_api(Em *e) {
  const RtSched *s = e->o->sched;
  const char *P = e->pre;
  FILE *f = e->f;
  int lr = lr_state(e);
  if (lr < 0) return;
  long long off = (long long)e->p->state_off[lr];
  fprintf(f, "\n/* ---- the learning rate (optim.lr) and its schedule, %s (runtime/sched.c) ---- */\n\n",
          rt_sched_name(s));
  fprintf(f, "double %s_lr(const %s_model *m) { return m->state[%lld]; }\n", P, P, off);
  fprintf(f, "void %s_set_lr(%s_model *m, double lr) { m->state[%lld] = (%s)lr; }\n\n", P, P, off, e->real);
  if (s->nmilestones) {
    fprintf(f, "static const int64_t %s_milestones[%d] = {", P, s->nmilestones);
    for (int i = 0; i < s->nmilestones; i++) fprintf(f, "%s%lld", i ? ", " : "", (long long)s->milestones[i]);
    fprintf(f, "};\n");
  }
  fprintf(f, "const RtSched %s_sched = {\n", P);
  fprintf(f, "    .kind = %s, .base_lr = %.17g, .gamma = %.17g, .step_size = %lld,\n", sched_kind[s->kind],
          s->base_lr, s->gamma, (long long)s->step_size);
  fprintf(f, "    .milestones = %s, .nmilestones = %d, .t_max = %lld, .eta_min = %.17g,\n",
          s->nmilestones ? ir_fmt("%s_milestones", P) : "NULL", s->nmilestones, (long long)s->t_max, s->eta_min);
  fprintf(f, "    .max_lr = %.17g, .pct_start = %.17g, .div_factor = %.17g, .final_div_factor = %.17g,\n",
          s->max_lr, s->pct_start, s->div_factor, s->final_div_factor);
  fprintf(f, "    .linear = %d, .three_phase = %d, .total_steps = %lld, .epochs = %lld};\n", s->linear,
          s->three_phase, (long long)s->total_steps, (long long)s->epochs);
}

void emit_descriptor(Em *e) {
  const Graph *g = e->g;
  const char *P = e->pre;
  FILE *f = e->f;
  int xi = em_descriptor_input(e), y = 0;
  emit_lr_api(e);
  if (xi < 0) {
    fprintf(f, "\n/* No descriptor (RtNet): it describes f32 nets with one float input and one output. */\n");
    return;
  }
  while (g->outputs[y].eval_only) y++;
  const Shape *xs = &g->inputs[xi].shape;
  int B = xs->d[0], c = 0, h = 0, w = 0, classes = 0;
  if (xs->n == 4) c = xs->d[1], h = xs->d[2], w = xs->d[3];
  if (xs->n == 3) c = 1, h = xs->d[1], w = xs->d[2];
  int64_t out = shape_numel(&g->outputs[y].shape) / B, tdim = 0;
  /* without a target the loss reads the input alone (an autoencoder: target = "input") */
  int train = !e->o->inference && (g->target >= 0 || g->loss >= 0) && e->p->fn[FN_GRAD].planned;
  int eval = (g->target >= 0 || g->loss >= 0) && e->p->fn[FN_EVAL].planned;
  if (g->target >= 0 && g->inputs[g->target].dt == DT_INT) classes = (int)out;
  else if (g->target >= 0) tdim = shape_numel(&g->inputs[g->target].shape) / B;
  /* the arguments in the order of the net's inputs; an int32 input is passed as the float
   * pointer of RtNet's signature (RtNet.in_int) */
  const char *xa = g->inputs[xi].dt == DT_INT ? "(const int32_t *)(const void *)x" : "x";
  const char *xt = g->target < 0 ? xa : ir_fmt(xi < g->target ? "%s, t" : "t, %s", xa);
  const char *unused_t = g->target < 0 ? "(void)t; " : "";
  fprintf(f, "\n/* ---- the descriptor (RtNet, dlc_rt.h): this net for drivers that are not shape-specific ---- */\n\n");
  fprintf(f, "static void %s_rt_init(void *m, uint64_t seed) { %s_init(m, seed); }\n", P, P);
  fprintf(f, "static void %s_rt_forward(void *m, const float *x, float *out) { %s_forward(m, %s, out); }\n", P, P, xa);
  if (train)
    fprintf(f, "static float %s_rt_train_step(void *m, const float *x, const void *t) { %sreturn %s_train_step(m, %s); }\n",
            P, unused_t, P, xt);
  int nb = 0; /* buffers (batch-norm running statistics) among the parameters */
  for (int i = 0; i < g->nparams; i++) nb += g->params[i].buffer;
  if (train) {
    fprintf(f, "static float %s_rt_grad(void *m, const float *x, const void *t) { %sreturn %s_grad(m, %s); }\n"
               "static void %s_rt_update(void *m) { %s_update(m); }\n", P, unused_t, P, xt, P, P);
    fprintf(f, "static float *%s_rt_slab(void *m, int grad) {\n"
               "  return grad ? ((%s_model *)m)->grad : ((%s_model *)m)->param;\n}\n", P, P, P);
    fprintf(f, "static void %s_rt_replica(void *m, int rank, int ranks) {\n"
               "  ((%s_model *)m)->rank = rank, ((%s_model *)m)->ranks = ranks;\n}\n", P, P, P);
    if (nb) {
      fprintf(f, "static const int64_t %s_rt_buffers[] = { /* where buffers are in m->param: offset, count */\n", P);
      for (int i = 0; i < g->nparams; i++)
        if (g->params[i].buffer)
          fprintf(f, "    %lld, %lld, /* %s */\n", (long long)e->p->param_off[i], (long long)shape_numel(&g->params[i].shape),
                  ir_esc(g->params[i].name, RT_ESC_C_COMMENT));
      fprintf(f, "};\n");
    }
  }
  if (eval)
    fprintf(f, "static void %s_rt_eval(void *m, const float *x, const void *t, float *out, float *loss) {\n"
               "  %s%s_eval(m, %s, out, loss);\n}\n", P, unused_t, P, xt);
  fprintf(f, "static int %s_rt_save_meta(const void *m, const char *path, const char *const *kv, int n) {\n"
             "  return %s_save_meta(m, path, kv, n);\n}\n", P, P);
  fprintf(f, "static int %s_rt_load(void *m, const char *path) { return %s_load(m, path); }\n", P, P);
  fprintf(f, "static const char *%s_rt_error(const void *m) { return ((const %s_model *)m)->error; }\n", P, P);
  fprintf(f, "static int64_t %s_rt_steps(const void *m) { return ((const %s_model *)m)->step; }\n", P, P);
  fprintf(f, "static void %s_rt_tensors(void *m, RtTensor *t) { %s_tensors(m, t); }\n", P, P);
  if (lr_state(e) >= 0)
    fprintf(f, "static double %s_rt_lr(const void *m) { return %s_lr(m); }\n"
               "static void %s_rt_set_lr(void *m, double lr) { %s_set_lr(m, lr); }\n", P, P, P, P);
  fprintf(f, "#ifdef _OPENMP\n#include <omp.h>\n"
             "static void %s_rt_threads(int n) { omp_set_num_threads(n); }\n#endif\n\n", P);
  fprintf(f, "const RtNet %s_net = {\n", P);
  fprintf(f, "    .name = \"%s\", .model_bytes = sizeof(%s_model), .batch = %d,\n", ir_esc(g->name, RT_ESC_C_STRING), P, B);
  fprintf(f, "    .in_dim = %lld, .out_dim = %lld, .classes = %d, .target_dim = %lld, /* %s -> %s */\n",
          (long long)(shape_numel(xs) / B), (long long)out, classes, (long long)tdim, shape_str(xs),
          shape_str(&g->outputs[y].shape));
  fprintf(f, "    .c = %d, .h = %d, .w = %d,\n", c, h, w);
  if (g->inputs[xi].dt == DT_INT)
    fprintf(f, "    .in_int = 1, .in_name = \"%s\", /* x holds int32 values */\n", ir_esc(g->inputs[xi].name, RT_ESC_C_STRING));
  fprintf(f, "    .init = %s_rt_init, .forward = %s_rt_forward,\n", P, P);
  fprintf(f, "    .train_step = %s, .eval = %s,\n", train ? ir_fmt("%s_rt_train_step", P) : "NULL",
          eval ? ir_fmt("%s_rt_eval", P) : "NULL");
  fprintf(f, "    .save_meta = %s_rt_save_meta, .load = %s_rt_load, .error = %s_rt_error, .steps = %s_rt_steps,\n", P, P, P, P);
  if (train) {
    fprintf(f, "    .grad = %s_rt_grad, .update = %s_rt_update, .slab = %s_rt_slab, .slab_len = %lld,\n", P, P, P,
            (long long)(e->p->param_slab ? e->p->param_slab : 1));
    fprintf(f, "    .buffers = %s, .nbuffers = %d, .set_replica = %s_rt_replica,\n", nb ? ir_fmt("%s_rt_buffers", P) : "NULL",
            nb, P);
  }
  if (lr_state(e) >= 0)
    fprintf(f, "    .sched = &%s_sched, .lr = %s_rt_lr, .set_lr = %s_rt_set_lr,\n", P, P, P);
  fprintf(f, "    .ntensors = %s_NTENSORS, .nparams = %d, .tensors = %s_rt_tensors, /* parameters and buffers first */\n",
          e->PRE, g->nparams, P);
  if (e->o->check_numerics) fprintf(f, "    .check_numerics = 1,\n");
  fprintf(f, "#ifdef _OPENMP\n    .set_threads = %s_rt_threads,\n#endif\n};\n", P);
}
