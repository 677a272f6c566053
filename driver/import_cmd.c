/* import_cmd.c - dlc import MODEL.onnx -o model.lua [--batch B]: the command line of the ONNX
 * importer (importer/onnx_import.c), which writes model.lua and model.safetensors beside it.
 * Exit status as dlc's: 0, 1 an error in the file (every message names it), 2 a bad command line. */
#define _POSIX_C_SOURCE 200809L /* strndup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc_text.h"
#include "fileio.h"
#include "onnx_import.h"
#include "pipeline.h"

static const char import_usage[] =
    "usage: dlc import MODEL.onnx -o model.lua [--batch B] [--shape NAME=D1,D2,...]\n"
    "  writes model.lua (a dlc model file, functional style) and model.safetensors beside it\n"
    "  (the weights, named as in the ONNX file: PyTorch's state_dict names)\n"
    "  --batch B   the size of a dynamic first dimension of the inputs (dlc compiles static shapes)\n"
    "  --shape NAME=D1,D2,...  the whole shape of input NAME (its dynamic dims; repeatable)\n";

static int bad_import(const char *msg, const char *arg) {
  fprintf(stderr, "dlc import: %s%s\n(dlc import --help shows the usage)\n", msg, arg);
  return 2;
}

int import_main(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  const char *shapes[64];
  OnnxOptions o = {0, 0, NULL, 0};
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(import_usage, stdout);
      return 0;
    } else if (!strcmp(a, "-o")) {
      if (i + 1 >= argc) return bad_import("-o needs a file name", "");
      out = argv[++i];
    } else if (!strcmp(a, "--batch") || !strncmp(a, "--batch=", 8)) {
      const char *v = a[7] == '=' ? a + 8 : i + 1 < argc ? argv[++i] : NULL;
      long b;
      if (pipeline_parse_int(v, 1, 1000000, &b)) return bad_import("--batch takes a size from 1 to 1000000", "");
      o.batch = b;
    } else if (!strcmp(a, "--shape") || !strncmp(a, "--shape=", 8)) {
      const char *v = a[7] == '=' ? a + 8 : i + 1 < argc ? argv[++i] : NULL;
      if (!v || !strchr(v, '=')) return bad_import("--shape takes NAME=D1,D2,... (an input's name and its dims)", "");
      if (o.nshapes == 64) return bad_import("at most 64 --shape options", "");
      shapes[o.nshapes++] = v;
      o.shapes = shapes;
    } else if (a[0] == '-' && a[1]) {
      return bad_import("unknown option ", a);
    } else if (in) {
      return bad_import("one ONNX file at a time (got a second: ", a);
    } else {
      in = a;
    }
  }
  if (!in) return bad_import("no ONNX file given", "");
  if (!out) return bad_import("give -o model.lua", "");
  return onnx_import_file(in, out, &o, stderr);
}

/* ---- dlc MODEL.onnx -o net.c: translated in memory and compiled from memory (the model's
 * messages and the generated C's comments name the ONNX file, with lines of the model file
 * dlc import writes from it), the weights beside net.c (net.safetensors) */

int import_compile(Options *o) {
  const char *in = o->dsl.path;
  char err[512], b1[80], b2[80];
  /* the model's name: the ONNX file's stem, as a C identifier; the weights: net.c -> net.safetensors */
  const char *base = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;
  size_t n = o->out ? strlen(o->out) : 0;
  char *stem = strndup(base, strlen(base) - 5), *id = stem ? rt_c_ident(stem) : NULL, *w = malloc(n + 16);
  free(stem);
  if (!id || !w) { free(id), free(w); return fprintf(stderr, "dlc: out of memory\n"), 1; }
  snprintf(w, n + 16, "%.*s.safetensors", (int)(n > 2 && !strcmp(o->out + n - 2, ".c") ? n - 2 : n), o->out ? o->out : "");
  OnnxOptions io = {o->dsl.batch, 0, NULL, 0}; /* --batch: also a dynamic first dimension's size */
  OnnxResult r;
  int rc = onnx_translate_file(in, id, strrchr(w, '/') ? strrchr(w, '/') + 1 : w, &io, &r, stderr);
  free(id);
  if (rc) return free(w), 1;
  Options co = *o;
  co.dsl.text = r.lua, co.dsl.text_len = strlen(r.lua);
  co.dsl.batch = 0; /* the import's (a functional model): given to its dynamic first dimensions */
  if ((rc = pipeline_run(&co)))
    fprintf(stderr, "dlc: (the lines above are of the model imported from %s: dlc import %s -o model.lua writes it to read)\n",
            rt_shown(b1, sizeof b1, in), b1);
  RtMeta meta[] = {{"dlc.imported_from", "onnx"}};
  if (!rc && o->out) {
    if (rt_st_save(w, r.params, r.nparams, meta, 1, err, sizeof err)) fprintf(stderr, "dlc: %s\n", err), rc = 1;
    else fprintf(stderr, "dlc: the weights of %s are in %s (m_load)\n", rt_shown(b1, sizeof b1, in), rt_shown(b2, sizeof b2, w));
  }
  onnx_result_free(&r);
  free(w);
  return rc;
}
