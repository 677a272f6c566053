/* main.c - the dlc command line: options, then the pipeline.  Exit status: 0 success, 1 an
 * error in the user's model or data, 2 a bad command line, 3 an internal error. */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

static const char usage[] =
    "usage: dlc MODEL.lua -o net.c [options]   write net.c and net.h (forward + training step)\n"
    "       dlc MODEL.lua --dump=STAGE          print the IR after STAGE: graph|grad|opt|plan\n"
    "       dlc MODEL.lua --dot=STAGE -o g.dot  Graphviz of that stage, nodes grouped by module;\n"
    "                                           --dot=module: one node per module\n"
    "       dlc MODEL.lua --stats               parameters, FLOPs, arena bytes\n"
    "       dlc train MODEL.lua [options]       build, train and evaluate (dlc train --help)\n"
    "       dlc predict MODEL.lua --load CKPT   predictions as CSV (dlc predict --help)\n"
    "       dlc import MODEL.onnx -o model.lua  an ONNX model as a dlc model file + weights (dlc import --help)\n"
    "       dlc MODEL.onnx -o net.c             compile an ONNX model directly (weights: net.safetensors)\n"
    "       dlc --help | --version\n"
    "options:\n"
    "  --name ID          C prefix (default: the spec's name, else the file stem)\n"
    "  --dtype f32|f64    floating-point type of the generated code (default f32)\n"
    "  --target T         generic|avx2|avx512|neon: vector width and register tiles of the kernels\n"
    "                     (default generic: suits any ISA; the C is portable for every target)\n"
    "  --unroll N|full    fully unroll loops of at most N iterations (default 0)\n"
    "  --l2 KIB           the L2 cache per core the products' blocking assumes (default 1024;\n"
    "                     dlc train: the machine's); the results' bits do not depend on it\n"
    "  --batch B          the batch size of a sequential model's input (default: the model's);\n"
    "                     of an ONNX file, the size of its inputs' dynamic first dimension\n"
    "  --inference        forward pass only, no training step\n"
    "  --check-numerics   each block's output checked for NaN/Inf: the model function stops,\n"
    "                     m->error naming the IR node and the model line (slower; off by default)\n"
    "  --openmp           large matrix products run their rows in parallel (build with -fopenmp)\n"
    "  -D KEY=VALUE       value the model reads as dlc.arg.KEY\n"
    "  --loss L --optim O --lr X  complete a model without loss and optim (dlc import's):\n"
    "                     L cross_entropy|nll|mse|l1|bce|bce_with_logits, O sgd|adam|adamw|rmsprop\n"
    "  --lua-timeout S    CPU seconds the model file may run (default 5)\n";

static int bad(const char *fmt, const char *arg) {
  fprintf(stderr, "dlc: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n(dlc --help shows the usage)\n");
  return 2;
}

static unsigned stage_bit(const char *s) {
  if (strcmp(s, "graph") == 0) return STAGE_GRAPH;
  if (strcmp(s, "grad") == 0) return STAGE_GRAD;
  if (strcmp(s, "opt") == 0) return STAGE_OPT;
  if (strcmp(s, "plan") == 0) return STAGE_PLAN;
  return 0;
}

/* The value of an option given as --opt=V or --opt V. */
static const char *value(int argc, char **argv, int *i, const char *opt) {
  size_t n = strlen(opt);
  if (strncmp(argv[*i], opt, n) == 0 && argv[*i][n] == '=') return argv[*i] + n + 1;
  if (strcmp(argv[*i], opt) == 0 && *i + 1 < argc) return argv[++*i];
  return NULL;
}

static int is_opt(const char *arg, const char *opt) {
  size_t n = strlen(opt);
  return strncmp(arg, opt, n) == 0 && (arg[n] == 0 || arg[n] == '=');
}

static int parse(int argc, char **argv, Options *o) {
  const char *v;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-o") == 0) {
      if (i + 1 >= argc) return bad("-o needs a file name", "");
      o->out = argv[++i];
    } else if (is_opt(a, "--dump")) {
      if (!(v = value(argc, argv, &i, "--dump")) || !stage_bit(v)) return bad("--dump=STAGE: STAGE is graph, grad, opt or plan", "");
      o->dumps |= stage_bit(v);
    } else if (is_opt(a, "--dot")) {
      v = value(argc, argv, &i, "--dot");
      if (v && strcmp(v, "module") == 0) {
        o->dot_stage = STAGE_GRAPH, o->dot_modules = 1;
        continue;
      }
      if (!v || !stage_bit(v) || stage_bit(v) == STAGE_PLAN)
        return bad("--dot=STAGE: STAGE is graph, grad, opt or module (one node per module)", "");
      o->dot_stage = stage_bit(v);
    } else if (strcmp(a, "--stats") == 0) {
      o->stats = 1;
    } else if (is_opt(a, "--name")) {
      if (!(o->name = value(argc, argv, &i, "--name"))) return bad("--name needs an identifier", "");
    } else if (is_opt(a, "--dtype")) {
      v = value(argc, argv, &i, "--dtype");
      if (!v || (strcmp(v, "f32") && strcmp(v, "f64"))) return bad("--dtype is f32 or f64", "");
      o->emit.dtype64 = strcmp(v, "f64") == 0;
    } else if (is_opt(a, "--target")) {
      v = value(argc, argv, &i, "--target");
      int t = target_parse(v);
      if (t < 0) return bad("--target %s: the targets are generic, avx2, avx512 and neon", v ? v : "");
      o->emit.target = (Target)t;
    } else if (is_opt(a, "--l2")) {
      long n;
      if (pipeline_parse_int(value(argc, argv, &i, "--l2"), 64, 1 << 20, &n))
        return bad("--l2 takes the L2 cache's size in KiB, from 64 to 1048576", "");
      o->emit.l2_kib = (int)n;
    } else if (is_opt(a, "--unroll")) {
      v = value(argc, argv, &i, "--unroll");
      long n;
      if (v && strcmp(v, "full") == 0) o->emit.unroll = -1;
      else if (pipeline_parse_int(v, 0, 1000000, &n)) return bad("--unroll takes a count or 'full'", "");
      else o->emit.unroll = (int)n;
    } else if (is_opt(a, "--lua-timeout")) {
      v = value(argc, argv, &i, "--lua-timeout");
      if (pipeline_parse_timeout(v, &o->dsl.time_limit)) return bad("--lua-timeout takes seconds, more than 0 and at most 86400", "");
    } else if (is_opt(a, "--loss") || is_opt(a, "--optim")) {
      int loss = a[3] == 'o';
      if (!(v = value(argc, argv, &i, loss ? "--loss" : "--optim"))) return bad("%s needs a name", loss ? "--loss" : "--optim");
      *(loss ? &o->dsl.loss : &o->dsl.optim) = v;
    } else if (is_opt(a, "--lr")) {
      v = value(argc, argv, &i, "--lr");
      char *end = NULL;
      double f = v ? strtod(v, &end) : -1;
      if (!v || *end || end == v || !(f > 0 && f < 1e6)) return bad("--lr takes a learning rate > 0", "");
      o->dsl.lr = f;
    } else if (is_opt(a, "--batch")) {
      long n;
      if (pipeline_parse_int(value(argc, argv, &i, "--batch"), 1, 1 << 20, &n))
        return bad("--batch takes a positive count (at most 1048576)", "");
      o->dsl.batch = (int)n;
    } else if (strcmp(a, "--inference") == 0) {
      o->emit.inference = 1;
    } else if (strcmp(a, "--check-numerics") == 0) {
      o->emit.check_numerics = 1;
    } else if (strcmp(a, "--openmp") == 0) {
      o->emit.openmp = 1;
    } else if (strncmp(a, "-D", 2) == 0) {
      const char *kv = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
      const char *eq = kv ? strchr(kv, '=') : NULL;
      if (!eq || eq == kv) return bad("-D needs KEY=VALUE", "");
      o->dsl.defs[o->dsl.ndefs++] = (char *)kv;
    } else if (a[0] == '-' && a[1]) {
      return bad("unknown option %s", a);
    } else if (o->dsl.path) {
      return bad("one model file at a time (got a second: %s)", a);
    } else {
      o->dsl.path = a;
    }
  }
  if (!o->dsl.path) return bad("no model file given", "");
  if (!o->out && !o->dumps && !o->stats) return bad("nothing to do: give -o net.c, --dump=STAGE or --stats", "");
  if (o->dot_stage && !o->out) return bad("--dot needs -o FILE", "");
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(usage, stdout);
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    printf("dlc %s\n", DLC_VERSION);
    return 0;
  }
  if (argc >= 2 && (strcmp(argv[1], "train") == 0 || strcmp(argv[1], "predict") == 0)) {
    int st = argv[1][0] == 't' ? train_main(argc, argv) : predict_main(argc, argv);
    ir_free_all();
    return st;
  }
  if (argc >= 2 && strcmp(argv[1], "import") == 0) return import_main(argc, argv);
  Options o = {0};
  o.dsl.defs = calloc((size_t)argc, sizeof(char *));
  o.dsl.instr_limit = 200000000;
  o.dsl.mem_limit = (size_t)512 << 20;
  int st = parse(argc, argv, &o);
  size_t pl = o.dsl.path ? strlen(o.dsl.path) : 0;
  if (!st) st = pl > 5 && !strcmp(o.dsl.path + pl - 5, ".onnx") ? import_compile(&o) : pipeline_run(&o);
  free(o.dsl.defs);
  ir_free_all();
  return st;
}
