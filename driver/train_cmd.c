/* train_cmd.c - `dlc train MODEL.lua [options]`: generate the net, build it with clang into a
 * shared object (cached), load it, and hand it to the runtime's training driver.
 *
 * The shared object is net.c alone: it defines the net's descriptor (`const RtNet <name>_net`,
 * dlc_rt.h), which this file looks up and hands to rt_train; the runtime functions net.c
 * calls (rng, safetensors) are resolved against this executable, which exports them.  The cache key is a hash of the
 * generated sources, the runtime headers and the compile command: the same model and flags
 * never build twice.  Cache: $DLC_CACHE_DIR, else $XDG_CACHE_HOME/dlc, else ~/.cache/dlc.
 * A build lands atomically: clang writes net.so.tmp inside a private tmp-PID directory; that
 * file is fsynced and renamed to net.so, then the directory is renamed to its hash, each
 * rename followed by an fsync of the parent directory (rt_rename_durable, runtime/fileio.c). */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dlc_train.h"
#include "fileio.h"
#include "pipeline.h"

typedef struct {
  const char *name;
  const unsigned char *data;
  size_t len;
} DslChunk;
extern const DslChunk dlc_runtime_headers[];

static const char train_usage[] =
    "usage: dlc train MODEL.lua [options]\n"
    "data (default: --data fashion-mnist, from Debian's dataset-fashion-mnist):\n"
    "  --data fashion-mnist     Fashion-MNIST train (60000) and test (10000) sets\n"
    "  --idx IMAGES [LABELS]    IDX files, gzipped or not (no labels for a model without a target)\n"
    "  --csv FILE [--label COL] CSV, header optional; COL a header name or a 1-based number\n"
    "  --test A [B]             test set: IDX images and labels, or a CSV file\n"
    "  --input NAME             the model input the data feeds (default: the first besides the target)\n"
    "training:\n"
    "  --epochs N (10)  --batch B (the model's)  --val-split F (0.1)  --seed S (1)\n"
    "  --normalize scale|minmax|zscore|none (scale for images, none for CSV)\n"
    "  --augment LIST   none, or a comma list of hflip, crop:P (pad P, random crop), shift\n"
    "  --early-stop N   stop after N epochs without a lower validation loss; keep the best\n"
    "  --no-shuffle  --threads N\n"
    "  --check-numerics  stop at the first NaN or infinity a block of the net writes, naming its\n"
    "                   IR node and model line (slower: every node stored and checked)\n"
    "  --target T       generic|avx2|avx512|neon (default: this machine's)\n"
    "  --save CKPT  (after every epoch, atomically)   --load CKPT  (resume)\n"
    "  --init CKPT  start from the tensors of CKPT whose name and shape match (transfer learning)\n"
    "  --plot curves.svg\n"
    "  --mpi            data-parallel over the ranks of mpirun -np N (one machine or a hostfile's):\n"
    "                   the model's batch is each rank's, gradients are averaged every step\n"
    "  --mpi-deterministic  --mpi, the gradients summed in rank order: bit-identical runs\n"
    "  -D KEY=VALUE     passed to the model as dlc.arg.KEY\n"
    "  --lua-timeout S  CPU seconds the model file may run (default 5)\n"
    "a model without loss and optim (dlc import writes such):\n"
    "  --loss cross_entropy|nll|mse|l1|bce|bce_with_logits   --optim sgd|adam|adamw|rmsprop (adam)\n"
    "  --lr X (the optimizer's default)   e.g. --loss cross_entropy --init model.safetensors\n";

/* the command the messages name: dlc train, or dlc predict (which shares the option parser) */
static const char *cmd = "train";

/* --mpi (1) and --mpi-deterministic (2); quiet: a rank other than 0 says nothing of builds */
static int mpi, quiet;

static int usage_error(const char *msg, const char *arg) {
  fprintf(stderr, "dlc %s: %s%s\n(dlc %s --help shows the usage)\n", cmd, msg, arg ? arg : "", cmd);
  return 2;
}


/* An optional second file after --idx or --test: not an option, not the model file. */
static int file_arg(const char *v) {
  size_t n = v ? strlen(v) : 0;
  return v && v[0] != '-' && !(n > 4 && !strcmp(v + n - 4, ".lua"));
}

/* One option; returns 0, or 2 after a usage message.  *i advances past its values. */
static int parse_option(int argc, char **argv, int *i, Options *co, RtTrainOptions *t) {
  const char *a = argv[*i];
  const char *v = *i + 1 < argc ? argv[*i + 1] : NULL, *v2 = *i + 2 < argc ? argv[*i + 2] : NULL;
  long n;
  char *end;
#define TAKE(k) (*i += (k))
  if (!strcmp(a, "--data")) {
    if (!v || strcmp(v, "fashion-mnist")) return usage_error("--data: the built-in data set is fashion-mnist", NULL);
    t->source = RT_SRC_FASHION, TAKE(1);
  } else if (!strcmp(a, "--idx")) {
    if (!v) return usage_error("--idx needs IMAGES (and LABELS)", NULL);
    t->source = RT_SRC_IDX, t->train_a = v, t->train_b = NULL, TAKE(1);
    if (file_arg(v2)) t->train_b = v2, TAKE(1);
  } else if (!strcmp(a, "--input")) {
    if (!v) return usage_error("--input needs the name of one of the model's inputs", NULL);
    t->input = v, co->emit.feed = v, TAKE(1);
  } else if (!strcmp(a, "--csv")) {
    if (!v) return usage_error("--csv needs a file", NULL);
    t->source = RT_SRC_CSV, t->train_a = v, TAKE(1);
  } else if (!strcmp(a, "--label")) {
    if (!v) return usage_error("--label needs a column name or number", NULL);
    t->label = v, TAKE(1);
  } else if (!strcmp(a, "--test")) {
    if (!v) return usage_error("--test needs a file", NULL);
    t->test_a = v, TAKE(1);
    if (file_arg(v2)) t->test_b = v2, TAKE(1);
  } else if (!strcmp(a, "--epochs")) {
    if (pipeline_parse_int(v, 0, 1000000, &n)) return usage_error("--epochs takes a count >= 0", NULL);
    t->epochs = (int)n, t->epochs_given = 1, TAKE(1);
  } else if (!strcmp(a, "--batch")) {
    if (pipeline_parse_int(v, 1, 1 << 20, &n)) return usage_error("--batch takes a positive count", NULL);
    co->dsl.batch = (int)n, TAKE(1);
  } else if (!strcmp(a, "--val-split")) {
    double f = v ? strtod(v, &end) : -1;
    if (!v || *end || !(f >= 0 && f < 1)) return usage_error("--val-split takes a fraction in [0, 1)", NULL);
    t->val_split = f, t->val_given = 1, TAKE(1);
  } else if (!strcmp(a, "--seed")) {
    if (pipeline_parse_int(v, 0, 2147483647L, &n)) return usage_error("--seed takes a non-negative integer", NULL);
    t->seed = (uint64_t)n, t->seed_given = 1, TAKE(1);
  } else if (!strcmp(a, "--normalize")) {
    if (!v || rt_norm_parse(v, &t->norm)) return usage_error("--normalize is scale, minmax, zscore or none", NULL);
    t->norm_given = 1, TAKE(1);
  } else if (!strcmp(a, "--augment")) {
    RtAugment au;
    if (!v || rt_augment_parse(v, &au))
      return usage_error("--augment is none or a comma list of hflip, crop:P (P from 1 to 1024) and shift, "
                         "e.g. hflip,crop:4", NULL);
    t->hflip = au.hflip, t->crop = au.crop, t->shift = au.shift, t->augment_given = 1, TAKE(1);
  } else if (!strcmp(a, "--early-stop")) {
    if (pipeline_parse_int(v, 1, 1000000, &n)) return usage_error("--early-stop takes a patience in epochs, >= 1", NULL);
    t->early_stop = (int)n, TAKE(1);
  } else if (!strcmp(a, "--shuffle")) {
    t->shuffle = 1, t->shuffle_given = 1;
  } else if (!strcmp(a, "--no-shuffle")) {
    t->shuffle = 0, t->shuffle_given = 1;
  } else if (!strcmp(a, "--mpi") || !strcmp(a, "--mpi-deterministic")) {
    mpi = a[5] ? 2 : mpi ? mpi : 1;
  } else if (!strcmp(a, "--check-numerics")) {
    co->emit.check_numerics = 1;
  } else if (!strcmp(a, "--loss") || !strcmp(a, "--optim")) {
    if (!v) return usage_error(a, " needs a name (dlc train --help lists them)");
    *(a[3] == 'o' ? &co->dsl.loss : &co->dsl.optim) = v, TAKE(1);
  } else if (!strcmp(a, "--lr")) {
    double f = v ? strtod(v, &end) : -1;
    if (!v || *end || !(f > 0 && f < 1e6)) return usage_error("--lr takes a learning rate > 0", NULL);
    co->dsl.lr = f, TAKE(1);
  } else if (!strcmp(a, "--lua-timeout")) {
    if (pipeline_parse_timeout(v, &co->dsl.time_limit)) return usage_error("--lua-timeout takes seconds, more than 0 and at most 86400", NULL);
    TAKE(1);
  } else if (!strcmp(a, "--threads")) {
    if (pipeline_parse_int(v, 1, 1024, &n)) return usage_error("--threads takes a positive count", NULL);
    t->threads = (int)n, TAKE(1);
  } else if (!strcmp(a, "--target")) {
    int tg = target_parse(v);
    if (tg < 0) return usage_error("--target is generic, avx2, avx512 or neon", NULL);
    co->emit.target = (Target)tg, TAKE(1);
  } else if (!strcmp(a, "--save") || !strcmp(a, "--load") || !strcmp(a, "--plot") || !strcmp(a, "--init")) {
    if (!v) return usage_error(a, " needs a file name");
    *(a[2] == 's' ? &t->save : a[2] == 'l' ? &t->load : a[2] == 'i' ? &t->init : &t->plot) = v, TAKE(1);
  } else if (!strncmp(a, "-D", 2)) {
    const char *kv = a[2] ? a : (TAKE(1), v);
    if (!kv || !strchr(kv + (a[2] ? 2 : 0), '=')) return usage_error("-D needs KEY=VALUE", NULL);
    co->dsl.defs[co->dsl.ndefs++] = (char *)(a[2] ? kv + 2 : kv);
  } else if (a[0] == '-') {
    return usage_error("unknown option ", a);
  } else if (co->dsl.path) {
    return usage_error("one model file at a time, got a second: ", a);
  } else {
    co->dsl.path = a;
  }
#undef TAKE
  return 0;
}

static int parse(int argc, char **argv, Options *co, RtTrainOptions *t) {
  for (int i = 2; i < argc; i++) {
    int st = parse_option(argc, argv, &i, co, t);
    if (st) return st;
  }
  if (!co->dsl.path) return usage_error("no model file given", NULL);
  if (t->source != RT_SRC_CSV && t->label) return usage_error("--label goes with --csv", NULL);
  if (t->init && t->load)
    return usage_error("--init and --load do not go together: --load resumes a run, --init starts one from another model's weights", NULL);
  return 0;
}

/* ---- the cache and the build ------------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0, k;
  do {
    if (n + 65536 > cap && !(buf = realloc(buf, cap = 2 * cap + 65536))) die("out of memory");
    k = fread(buf + n, 1, cap - n, f);
    n += k;
  } while (k > 0);
  fclose(f);
  *len = n;
  return buf;
}

static int write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return 1;
  int bad = fwrite(data, 1, len, f) != len;
  return fclose(f) || bad;
}

static const char *cache_root(void) {
  const char *d = getenv("DLC_CACHE_DIR"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
  if (d && *d) return d;
  if (x && *x) return ir_fmt("%s/dlc", x);
  if (h && *h) return ir_fmt("%s/.cache/dlc", h);
  return ir_fmt("/tmp/dlc-cache-%d", (int)getuid());
}

static int mkdirs(const char *path) {
  char *p = ir_strdup(path);
  for (char *s = p + 1; *s; s++)
    if (*s == '/') {
      *s = 0;
      if (mkdir(p, 0777) && errno != EEXIST) return 1;
      *s = '/';
    }
  return mkdir(p, 0777) && errno != EEXIST;
}

static const char *compiler(void) {
  const char *cc = getenv("DLC_CC");
  return cc && *cc ? cc : "clang";
}

/* Run argv; 0 when it exits 0. */
static int run(char *const *argv) {
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    execvp(argv[0], argv);
    fprintf(stderr, "dlc %s: cannot run %s: %s (install clang, or set DLC_CC)\n", cmd, argv[0], strerror(errno));
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return 1;
  return !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The input the data feeds: the one --input names, else the first besides the target; -1 if none. */
static int fed_input(const Graph *g, const char *name) {
  for (int i = 0; i < g->ninputs; i++)
    if (name ? strcmp(g->inputs[i].name, name) == 0 : i != g->target) return i;
  return -1;
}

/* The inputs that are neither fed nor the target, quoted and comma-separated; NULL if none. */
static const char *unfed_inputs(const Graph *g, int x) {
  const char *list = NULL;
  for (int i = 0; i < g->ninputs; i++)
    if (i != x && i != g->target)
      list = ir_fmt("%s%s'%s'", list ? list : "", list ? ", " : "", ir_esc(g->inputs[i].name, RT_ESC_TERM));
  return list;
}

/* Is this model something dlc train can drive: an input the data feeds, every other input the
 * target, one output, a loss module and a training step?  0, else 1 (2 for a bad --input) after
 * a message. */
static int check_trainable(const Plan *p, const char *path, const RtTrainOptions *t, int predict) {
  const Graph *g = p->g;
  int x = fed_input(g, t->input), nout = 0;
  for (int i = 0; i < g->noutputs; i++) nout += !g->outputs[i].eval_only;
  const char *why = NULL, *rest = unfed_inputs(g, x), *xn = x >= 0 ? ir_esc(g->inputs[x].name, RT_ESC_TERM) : "";
  if (t->input && x < 0) why = ir_fmt("has no input named '%s' (--input)", ir_esc(t->input, RT_ESC_TERM));
  else if (x < 0) why = "has no input besides the target";
  else if (x == g->target) why = ir_fmt("takes its input '%s' as the target: --input names the input the data feeds", xn);
  else if (rest)
    why = ir_fmt("has inputs the data does not feed: %s (dlc train feeds '%s'%s; every other input must be the "
                 "target, spec.target = ...)", rest, xn, t->input ? "" : ", the first besides the target; --input NAME chooses another");
  else if (!g->inputs[x].shape.n) why = ir_fmt("input '%s' is a scalar: dlc train needs a batch dimension", xn);
  else if (nout != 1) why = ir_fmt("has %d outputs: dlc train drives a model with one", nout);
  else if (predict) why = NULL;
  else if (g->loss < 0) why = "has no loss: give the spec loss = nn.CrossEntropyLoss(), ... and optim = ...";
  else if (!p->fn[FN_EVAL].planned && g->target < 0)
    why = "has no target and its loss is a tensor: dlc train needs a loss module and a target, spec.target = "
          "{classes = K}, a shape, \"input\" (an autoencoder: the loss compares the output with the input) or, "
          "in functional style, one of spec.inputs";
  else if (!p->fn[FN_EVAL].planned) why = "needs a loss module (loss = nn.CrossEntropyLoss(), ...)";
  else if (!p->fn[FN_GRAD].planned) why = "has no training step (no optimizer?)";
  if (why) fprintf(stderr, "%s: dlc %s: the model %s\n", ir_esc(path, RT_ESC_TERM), predict ? "predict" : "train", why);
  return !why ? 0 : t->input && (x < 0 || x == g->target) ? 2 : 1; /* a bad --input is a usage error */
}

/* The data options that depend on the model: labels are needed when it has a target.  2 after a
 * usage message. */
static int check_data_options(const Graph *g, const RtTrainOptions *t) {
  if (g->target < 0) return 0;
  if (t->source == RT_SRC_CSV && !t->label) return usage_error("--csv needs --label COL (the model has a target)", NULL);
  if (t->source == RT_SRC_IDX && !t->train_b) return usage_error("--idx needs IMAGES and LABELS (the model has a target)", NULL);
  if (t->source == RT_SRC_IDX && t->test_a && !t->test_b) return usage_error("--test with --idx needs IMAGES and LABELS", NULL);
  return 0;
}

static int build(const char *dir, const char *so, int openmp) {
  char *src = ir_fmt("%s/net.c", dir), *tmp = ir_fmt("%s.tmp", so);
  /* -fno-math-errno: the net never reads errno, and with it sqrt vectorizes (Adam's update) */
  char *argv[] = {(char *)compiler(), "-O3", "-march=native", "-fno-math-errno", "-std=c11", "-shared", "-fPIC", "-w",
                  "-I", (char *)dir, src, "-o", tmp, "-lm", openmp ? "-fopenmp" : NULL, NULL};
  if (!quiet) fprintf(stderr, "building: %s -O3 -march=native -fno-math-errno -shared%s net.c\n", compiler(), openmp ? " -fopenmp" : "");
  if (run(argv)) return fprintf(stderr, "dlc %s: %s failed to build %s (a bug in dlc)\n", cmd, compiler(), src), 3;
  char err[512];
  if (rt_fsync_path(tmp)) return fprintf(stderr, "dlc %s: %s: fsync failed: %s\n", cmd, tmp, strerror(errno)), 1;
  if (rt_rename_durable(tmp, so, err, sizeof err)) return fprintf(stderr, "dlc %s: %s\n", cmd, err), 1;
  return 0;
}

/* The model's spec.train defaults, for what the command line left unsaid. */
static void apply_defaults(const DslTrainDefaults *d, RtTrainOptions *t) {
  if (d->has_epochs && !t->epochs_given) t->epochs = d->epochs;
  if (d->has_val && !t->val_given) t->val_split = d->val_split, t->val_given = 1;
  if (d->has_seed && !t->seed_given) t->seed = (uint64_t)d->seed, t->seed_given = 1;
  if (d->has_norm && !t->norm_given) t->norm_given = !rt_norm_parse(d->normalize, &t->norm);
  RtAugment au; /* checked by dlc.lua */
  if (d->has_augment && !t->augment_given && !rt_augment_parse(d->augment, &au))
    t->hflip = au.hflip, t->crop = au.crop, t->shift = au.shift, t->augment_given = 1;
  if (d->has_shuffle && !t->shuffle_given) t->shuffle = d->shuffle, t->shuffle_given = 1;
}

/* Generate into the cache and build unless an identical build is there; returns the .so. */

static int generate_and_build(Options *co, const char **so_out, const char **sym, RtTrainOptions *t, int predict) {
  const char *root = cache_root();
  char *tmp = ir_fmt("%s/tmp-%d", root, (int)getpid());
  if (mkdirs(tmp)) return fprintf(stderr, "dlc %s: cannot create %s: %s\n", cmd, tmp, strerror(errno)), 1;
  Plan *p = NULL;
  DslTrainDefaults defaults;
  co->out = ir_fmt("%s/net.c", tmp);
  co->plan_out = &p;
  co->train_out = &defaults;
  int st = pipeline_run(co);
  if (st) return st;
  if ((st = check_trainable(p, co->dsl.path, t, predict))) return st;
  if (!predict && (st = check_data_options(p->g, t))) return st;
  apply_defaults(&defaults, t);
  t->binary = defaults.binary;
  *sym = ir_fmt("%s_net", ir_c_ident(p->g->name)); /* the descriptor net.c defines */
  uint64_t h = RT_FNV1A_BASIS;
  for (const DslChunk *c = dlc_runtime_headers; c->name; c++) {
    if (write_file(ir_fmt("%s/%s", tmp, c->name), c->data, c->len)) return 1;
    h = rt_fnv1a(h, c->data, c->len);
  }
  const char *files[] = {"net.c", "net.h"};
  for (int i = 0; i < 2; i++) {
    size_t len;
    char *s = slurp(ir_fmt("%s/%s", tmp, files[i]), &len);
    if (!s) return 1;
    h = rt_fnv1a(h, s, len);
    free(s);
  }
  h = rt_fnv1a(h, compiler(), strlen(compiler()));
  h = rt_fnv1a(h, co->emit.openmp ? "omp" : "", co->emit.openmp ? 3 : 0);
  char *dir = ir_fmt("%s/%016llx", root, (unsigned long long)h), *so = ir_fmt("%s/net.so", dir);
  if (access(so, R_OK) == 0) {
    if (!quiet) fprintf(stderr, "using the cached build %s\n", dir);
  } else {
    if ((st = build(tmp, ir_fmt("%s/net.so", tmp), co->emit.openmp))) return st;
    char err[512]; /* the rename fails when another process put the same build there first */
    if (rt_rename_durable(tmp, dir, err, sizeof err) && access(so, R_OK)) return fprintf(stderr, "dlc %s: %s\n", cmd, err), 1;
  }
  if (access(tmp, F_OK) == 0) {
    const char *rm[] = {"rm", "-rf", tmp, NULL}; /* another process built the same net first */
    run((char *const *)rm);
  }
  *so_out = so;
  return 0;
}

/* The options both commands start from: Fashion-MNIST, one thread, the model's limits. */
static void defaults(Options *co, RtTrainOptions *t, int argc) {
  *co = (Options){0};
  *t = (RtTrainOptions){0};
  co->dsl.defs = ir_alloc((size_t)argc * sizeof(char *));
  co->dsl.instr_limit = 200000000;
  co->dsl.mem_limit = (size_t)512 << 20;
  t->source = RT_SRC_FASHION;
  t->threads = 1;
  co->emit.target = target_host(); /* built with -march=native below */
  co->emit.l2_kib = l2_host_kib();  /* the products' cache blocking; the same bits either way */
}

/* ---- --mpi: the plugin ------------------------------------------------------------------------ */

typedef struct {
  RtComm comm;
  void (*finalize)(void);
  void (*abort)(int status);
} Mpi;

/* dlc_mpi.so (mpi/dlc_mpi.c), next to this executable (the build tree) or in <libdir>/dlc (an
 * install), opened RTLD_GLOBAL (Open MPI's own components resolve libmpi's symbols through it),
 * and MPI_Init.  0, else 1 after a message. */
static int mpi_open(Mpi *mp) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return fprintf(stderr, "dlc train: --mpi: cannot find this executable: %s\n", strerror(errno)), 1;
  exe[n] = 0;
  *strrchr(exe, '/') = 0;
  const char *at[2] = {ir_fmt("%s/dlc_mpi.so", exe), ir_fmt("%s/%s/dlc_mpi.so", exe, DLC_MPI_RELDIR)};
  void *lib = NULL;
  for (int i = 0; i < 2 && !lib; i++) {
    if (access(at[i], R_OK)) continue;
    if (!(lib = dlopen(at[i], RTLD_NOW | RTLD_GLOBAL)))
      return fprintf(stderr, "dlc train: --mpi: cannot load %s: %s (install Open MPI: openmpi-bin)\n", at[i], dlerror()), 1;
  }
  if (!lib && !DLC_HAVE_MPI)
    return fprintf(stderr, "dlc train: --mpi: this dlc was built without MPI: install libopenmpi-dev (sh "
                           "tools/deps.sh) and build dlc again\n"), 1;
  if (!lib) return fprintf(stderr, "dlc train: --mpi: dlc_mpi.so is neither at %s nor at %s\n", at[0], at[1]), 1;
  int (*init)(RtComm *, int, char *, size_t) = (int (*)(RtComm *, int, char *, size_t))dlsym(lib, "dlc_mpi_init");
  mp->finalize = (void (*)(void))dlsym(lib, "dlc_mpi_finalize");
  mp->abort = (void (*)(int))dlsym(lib, "dlc_mpi_abort");
  char err[256] = "";
  if (!init || !mp->finalize || !mp->abort) return fprintf(stderr, "dlc train: --mpi: %s is not dlc's MPI plugin\n", at[0]), 1;
  if (init(&mp->comm, mpi == 2, err, sizeof err)) return fprintf(stderr, "dlc train: --mpi: %s\n", err), 1;
  return 0;
}

/* --mpi: generate and build on rank 0 first, the others after it (they find its build in the
 * cache when they share the machine), every rank told rank 0's status: *all_know when rank 0
 * failed (every rank then returns its status). */
static int mpi_build(Mpi *mp, Options *co, const char **so, const char **sym, RtTrainOptions *t, int *all_know) {
  const RtComm *c = &mp->comm;
  double st0 = 0;
  if (c->rank != 0) {
    c->sum_f64(c, &st0, 1);
    if ((*all_know = st0 != 0)) return (int)st0; /* rank 0 said why */
  }
  int st = generate_and_build(co, so, sym, t, 0);
  if (c->rank == 0) {
    st0 = st;
    c->sum_f64(c, &st0, 1);
    *all_know = st != 0;
  }
  return st;
}

/* Generate and build the net, load it, and train it (predict: run it over the data). */
static int build_and_run(Options *co, RtTrainOptions *t, int predict) {
  co->emit.openmp = t->threads > 1;
  const char *so = NULL, *sym = NULL;
  Mpi mp = {0};
  if (mpi && mpi_open(&mp)) return 1;
  if (mpi) {
    t->comm = &mp.comm;
    quiet = mp.comm.rank != 0;
    if (quiet && !freopen("/dev/null", "w", stdout)) return 1; /* rank 0 alone prints */
  }
  int all_know = 0, st = mpi ? mpi_build(&mp, co, &so, &sym, t, &all_know) : generate_and_build(co, &so, &sym, t, predict);
  void *lib = !st ? dlopen(so, RTLD_NOW | RTLD_LOCAL) : NULL;
  const RtNet *net = lib ? dlsym(lib, sym) : NULL;
  if (!st && !net)
    fprintf(stderr, "dlc %s: cannot load %s: %s\n", predict ? "predict" : "train", so, dlerror()), st = 3;
  /* a rank that fails alone here would leave the others waiting in rt_train: end the job */
  if (st && mpi && !all_know) mp.abort(st);
  if (st && mpi) mp.finalize();
  if (st) return st;
  if (predict && net->set_threads) net->set_threads(t->threads);
  st = predict ? rt_predict(net, t) : rt_train(net, t);
  if (mpi) fflush(stdout), mp.finalize(); /* every rank agreed on st (rt_train) */
  dlclose(lib);
  return st;
}

int train_main(int argc, char **argv) {
  if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
    fputs(train_usage, stdout);
    return 0;
  }
  Options co;
  RtTrainOptions t;
  defaults(&co, &t, argc);
  t.epochs = 10;
  t.val_split = 0.1;
  t.shuffle = 1;
  t.seed = 1;
  int st = parse(argc, argv, &co, &t);
  return st ? st : build_and_run(&co, &t, 0);
}

/* ---- dlc predict ------------------------------------------------------------------------------ */

static const char predict_usage[] =
    "usage: dlc predict MODEL.lua --load CKPT [options]\n"
    "  prints (or writes with -o) one CSV row per sample: the predicted class (and with --scores\n"
    "  the outputs) of a classifier, the outputs of any other model\n"
    "data (as dlc train's; labels, when given, are not used):\n"
    "  --data fashion-mnist     the Fashion-MNIST test images (the default)\n"
    "  --idx IMAGES [LABELS]    IDX files, gzipped or not\n"
    "  --csv FILE [--label COL] CSV; COL, a label column, is left out of the features\n"
    "  --input NAME             the model input the data feeds (default: the first besides the target)\n"
    "options:\n"
    "  -o FILE  --scores  --batch B  --threads N  --target T  -D KEY=VALUE  --lua-timeout S\n";

static int predict_usage_error(const char *msg, const char *more) {
  fprintf(stderr, "dlc predict: %s%s\n(dlc predict --help shows the usage)\n", msg, more ? more : "");
  return 2;
}

/* dlc train's options that mean something to dlc predict. */
static int predict_option(const char *a) {
  static const char *const ok[] = {"--data", "--idx", "--csv", "--label", "--input", "--load", "--batch",
                                   "--threads", "--target", "--lua-timeout", NULL};
  for (int i = 0; ok[i]; i++)
    if (!strcmp(a, ok[i])) return 1;
  return a[0] != '-' || !strncmp(a, "-D", 2);
}

int predict_main(int argc, char **argv) {
  if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
    fputs(predict_usage, stdout);
    return 0;
  }
  Options co;
  RtTrainOptions t;
  defaults(&co, &t, argc);
  cmd = "predict";
  int st = 0;
  for (int i = 2; i < argc && !st; i++) {
    if (!strcmp(argv[i], "-o") && i + 1 < argc) t.pred_out = argv[++i];
    else if (!strcmp(argv[i], "--scores")) t.scores = 1;
    else if (!strcmp(argv[i], "-o")) st = predict_usage_error("-o needs a file name", NULL);
    else if (!predict_option(argv[i])) st = predict_usage_error(argv[i], " is not an option of dlc predict");
    else st = parse_option(argc, argv, &i, &co, &t);
  }
  if (!st && !co.dsl.path) st = predict_usage_error("no model file given", NULL);
  if (!st && !t.load) st = predict_usage_error("--load CKPT is needed: the trained parameters", NULL);
  if (!st && t.source != RT_SRC_CSV && t.label) st = predict_usage_error("--label goes with --csv", NULL);
  return st ? st : build_and_run(&co, &t, 1);
}
