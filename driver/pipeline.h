/* pipeline.h - the driver (driver/), the layer above the model language (dsl/) and the
 * compiler (compiler/): command-line options, the stages in order (pipeline.c), dlc train. */
#ifndef DLC_PIPELINE_H
#define DLC_PIPELINE_H

#include "dsl.h"
#include "ir.h"

enum {
  STAGE_GRAPH = 1, /* after the model file ran */
  STAGE_GRAD = 2,  /* after autodiff and the optimizer */
  STAGE_OPT = 4,   /* after the passes */
  STAGE_PLAN = 8   /* schedule and storage */
};

typedef struct {
  DslOptions dsl;
  EmitOptions emit;
  const char *out;  /* -o */
  const char *name; /* --name */
  unsigned dumps;   /* STAGE_* to print */
  unsigned dot_stage;
  int dot_modules;      /* --dot=module: one node per module (of the graph stage) */
  int stats;
  Plan **plan_out;  /* when set: receives the plan (dlc train) */
  DslTrainDefaults *train_out; /* when set: receives the spec's defaults for dlc train */
} Options;

int pipeline_run(const Options *o); /* exit status */
/* --lua-timeout's value: seconds in (0, 86400] into *out, 0; else 1. */
int pipeline_parse_timeout(const char *v, double *out);
/* A decimal integer in [lo, hi] into *out, 0; else (none, not a number, out of range) 1. */
int pipeline_parse_int(const char *s, long lo, long hi, long *out);
int train_main(int argc, char **argv); /* dlc train (train_cmd.c) */
int predict_main(int argc, char **argv); /* dlc predict (train_cmd.c) */
int import_main(int argc, char **argv); /* dlc import (import_cmd.c) */
/* dlc MODEL.onnx ...: the model imported into a private temporary directory, compiled with o,
 * its weights written beside -o's file (net.c -> net.safetensors) (import_cmd.c) */
int import_compile(Options *o);

#endif
