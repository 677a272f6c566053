/* import_cmd.c - dlc import MODEL.onnx -o model.lua [--batch B]: the command line of the ONNX
 * importer (importer/onnx_import.c), which writes model.lua and model.safetensors beside it.
 * Exit status as dlc's: 0, 1 an error in the file (every message names it), 2 a bad command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_import.h"
#include "pipeline.h"

static const char import_usage[] =
    "usage: dlc import MODEL.onnx -o model.lua [--batch B]\n"
    "  writes model.lua (a dlc model file, functional style) and model.safetensors beside it\n"
    "  (the weights, named as in the ONNX file: PyTorch's state_dict names)\n"
    "  --batch B   the size of a dynamic first dimension of the inputs (dlc compiles static shapes)\n";

static int bad_import(const char *msg, const char *arg) {
  fprintf(stderr, "dlc import: %s%s\n(dlc import --help shows the usage)\n", msg, arg);
  return 2;
}

int import_main(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  OnnxOptions o = {0, 0};
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
      char *end = NULL;
      long long b = v ? strtoll(v, &end, 10) : 0;
      if (!v || end == v || *end || b < 1 || b > 1000000) return bad_import("--batch takes a size from 1 to 1000000", "");
      o.batch = b;
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
