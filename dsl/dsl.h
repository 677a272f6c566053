/* dsl.h - the model language: runs a model file and builds its graph (see dsl.c). */
#ifndef DLC_DSL_H
#define DLC_DSL_H

#include "ir.h"

typedef struct Dsl Dsl;

enum {
  DSL_DEFAULT_TIMEOUT = 5,   /* CPU seconds for the model file */
  DSL_MAX_NODES = 1 << 16    /* graph nodes a model may build */
};

typedef struct {
  const char *path;      /* the model file; with text, the name its messages and comments use */
  const char *text;      /* non-NULL: the model's source (text_len bytes), not read from path */
  size_t text_len;
  char **defs;           /* -D KEY=VALUE, read by the model as dlc.arg.KEY */
  int ndefs;
  long long instr_limit; /* Lua instructions before a model is stopped */
  size_t mem_limit;      /* bytes the model's Lua state may allocate */
  double time_limit;     /* CPU seconds the model's code may run (--lua-timeout); 0: the default */
  int batch;             /* > 0: replaces the batch size of a sequential model's input */
  const char *loss;      /* dlc train --loss: completes a model without loss and optim (an imported */
  const char *optim;     /*   one) with this loss, optimizer (--optim) and learning rate (--lr, */
  double lr;             /*   > 0; 0: the optimizer's default) */
} DslOptions;

/* spec.train: the model's defaults for `dlc train`'s options (the driver applies those its
 * command line leaves unsaid); has_* says which the spec sets.  Not part of the graph. */
typedef struct {
  int has_epochs, has_val, has_seed, has_norm, has_augment, has_shuffle;
  int epochs, shuffle;
  double val_split;
  long long seed;
  const char *normalize, *augment; /* live as long as the IR (ir_free_all) */
  int binary; /* the loss: 1 nn.BCELoss (outputs are probabilities), 2 nn.BCEWithLogitsLoss (logits), else 0 */
} DslTrainDefaults;

/* Run the model file and its spec; NULL after printing a user error. */
Dsl *dsl_open(const DslOptions *o, Graph *g);
/* Name, outputs (assigned in FN_FORWARD), target and loss into the graph; spec.train into
 * *train (all zero when the spec has none). */
int dsl_finish_forward(Dsl *d, DslTrainDefaults *train);
/* The model's graph: after dsl_finish_forward a new one (phases resolved, unused parameters
 * out: ir_resolve_phases), which the caller takes over. */
Graph *dsl_graph(const Dsl *d);
int dsl_has_optim(Dsl *d);
/* spec.scheduler (checked by optim.lua) into *s: 1, or 0 when the spec has none.  The
 * milestones live as long as the IR. */
int dsl_scheduler(Dsl *d, struct RtSched *s);
/* The optimizer's update as assigns in FN_UPDATE; 1 after printing a user error. */
int dsl_build_update(Dsl *d);
void dsl_close(Dsl *d);

#endif
