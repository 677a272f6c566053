/* node_tests.c - the ONNX project's node tests (Debian's libonnx-testdata) through dlc import
 * and dlc's forward pass.
 *
 *   onnx_node_tests [--rt-include DIR] [--rt-lib FILE] [--only SUBSTRING] [--timeout SECONDS]
 *                   DLC_BINARY DATA_DIR WORK_DIR [CC [CC_ARG...]]
 *
 * For every DATA_DIR/test_* directory (sorted by name), with model.onnx and
 * test_data_set_0/input_N.pb, output_N.pb (serialized onnx TensorProtos):
 *   1. dlc import model.onnx -o WORK_DIR/<test>/model.lua, run in the test's directory so that
 *      messages name the file as "model.onnx".  Exit 1 is a refusal (unsupported ops, types,
 *      attributes): "refused: <its first line>", not a failure, unless that line does not name
 *      the file.
 *   2. A test whose graph inputs or outputs (as the model declares them, and as the .pb files
 *      hold them) are not all FLOAT tensors is "skipped: type ..." (the import still ran, to
 *      catch crashes).
 *   3. dlc model.lua --inference --name nt -o nt.c, then a driver generated here (driver.c):
 *      nt_init, nt_load of model.safetensors when the import wrote tensors, each input read
 *      from a raw float32 file (in<i>.bin), nt_forward(&m, in0, ..., out0, ...), each output
 *      written raw (out<i>.bin).  nt.h's input and output sizes must be the test's.  Compiled as
 *      CC [CC_ARG...] -O1 -I WORK_DIR/<test> -I RT_INCLUDE nt.c driver.c RT_LIB -lm, and run.
 *   4. Each output against output_N.pb, element by element:
 *          |got - ref| <= 1e-4 * max(|ref|, S / 100, 1e-3),   S = the largest finite |ref|
 *      (relative 1e-4, with an absolute floor of 1e-6 of the output's scale, and never below
 *      1e-7); an infinite ref must be matched exactly, a NaN by a NaN.
 * Every child (dlc, CC, the driver) runs in its own process group, killed after --timeout
 * seconds (60); its stdout and stderr are kept in WORK_DIR/<test>/<step>.out and .err.
 *
 * One line per test ("pass", "FAIL <why>", "refused: <dlc's first line>", "skipped: <why>"),
 * then "node tests: P passed of A attempted (imported and run), R refused by dlc import, S
 * skipped; F failed".  Every test has one status, so P + F + R + S is the number of tests; A
 * counts the tests that were imported and run (passed, or failed after the import).  Failures
 * are: a wrong value or shape, a generated model that dlc does not compile or that CC does not,
 * a driver that crashes, dlc killed by a signal, timing out, exiting 2 or 3 or printing "internal
 * error", and a refusal whose first line does not name the file.  Exit 1 when anything failed,
 * 2 on a bad command line or set-up. */
#define _XOPEN_SOURCE 700 /* realpath, strsignal */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dlc_rt.h"
#include "onnx.pb-c.h"

#define MAX_IO 16       /* inputs or outputs of a test */
#define MAX_NUMEL 50000000
#define WHY 600         /* bytes of a status line's reason */

static const char *g_dlc, *g_data, *g_work, *g_rt_inc, *g_rt_lib;
static char **g_cc;     /* CC and its extra arguments, NULL-terminated */
static int g_ncc, g_timeout = 60;

/* ---- small helpers ------------------------------------------------------------------------- */

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  int n = vsnprintf(NULL, 0, f, ap);
  va_end(ap);
  char *r = malloc((size_t)n + 1);
  if (!r) fputs("onnx_node_tests: out of memory\n", stderr), exit(2);
  va_start(ap, f);
  vsnprintf(r, (size_t)n + 1, f, ap);
  va_end(ap);
  return r;
}

/* The whole file (at most cap bytes of it), NUL-terminated; NULL when it cannot be read. */
static char *slurp(const char *path, size_t cap, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t n = 0, sz = 4096;
  char *b = malloc(sz + 1);
  while (b) {
    size_t want = sz - n;
    if (n + want > cap) want = cap - n;
    size_t k = want ? fread(b + n, 1, want, f) : 0;
    n += k;
    if (k < want || n >= cap) break;
    char *nb = realloc(b, 2 * sz + 1);
    if (!nb) free(b);
    b = nb, sz *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (!b || bad) return free(b), NULL;
  b[n] = 0;
  if (len) *len = n;
  return b;
}

/* The first non-empty line of a file (at most WHY - 100 bytes, control bytes as '?'). */
static void first_line(const char *path, char *out, size_t cap) {
  size_t n = 0;
  char *s = slurp(path, 1 << 20, &n);
  out[0] = 0;
  if (!s) return;
  const char *p = s;
  while (*p == '\n' || *p == '\r') p++;
  size_t k = 0, lim = cap - 1 < WHY - 100 ? cap - 1 : WHY - 100;
  for (; p < s + n && *p != '\n' && k < lim; p++) out[k++] = (unsigned char)*p < 32 ? '?' : *p;
  out[k] = 0;
  free(s);
}

static int file_has(const char *path, const char *needle) {
  char *s = slurp(path, 16 << 20, NULL);
  int r = s && strstr(s, needle);
  free(s);
  return r;
}

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* ---- child processes ----------------------------------------------------------------------- */

typedef struct {
  int exited, code;   /* exited: code is its exit status */
  int sig;            /* killed by this signal (not ours) */
  int timed_out;      /* killed by us after g_timeout seconds */
  int spawn_failed;   /* fork failed */
} Run;

/* argv[0] run (PATH searched when it has no '/') in cwd, stdin /dev/null, stdout and stderr to
 * files; in a process group of its own, all killed after g_timeout seconds. */
static Run run(char *const argv[], const char *cwd, const char *out, const char *err) {
  Run r = {0};
  fflush(stdout), fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return r.spawn_failed = 1, r;
  if (pid == 0) {
    setpgid(0, 0);
    int in = open("/dev/null", O_RDONLY);
    int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || o < 0 || e < 0) _exit(126);
    dup2(in, 0), dup2(o, 1), dup2(e, 2);
    if (cwd && chdir(cwd)) {
      fprintf(stderr, "onnx_node_tests: cannot enter %s: %s\n", cwd, strerror(errno));
      _exit(126);
    }
    execvp(argv[0], argv);
    fprintf(stderr, "onnx_node_tests: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid); /* as the child does: whichever runs first */
  struct timespec t0, now, nap = {0, 200000};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int st;
  for (;;) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return r.spawn_failed = 1, r;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - t0.tv_sec >= g_timeout) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      r.timed_out = 1;
      return r;
    }
    nanosleep(&nap, NULL);
    if (nap.tv_nsec < 10000000) nap.tv_nsec *= 2; /* 0.2 ms, doubling up to ~13 ms */
  }
  kill(-pid, SIGKILL); /* anything it left behind in its group */
  if (WIFEXITED(st)) r.exited = 1, r.code = WEXITSTATUS(st);
  else if (WIFSIGNALED(st)) r.sig = WTERMSIG(st);
  return r;
}

/* Why a run did not exit 0 (when it did not), with its stderr's first line. */
static int run_failed(const Run *r, const char *err, const char *what, char *why) {
  char line[WHY];
  first_line(err, line, sizeof line);
  if (r->spawn_failed) snprintf(why, WHY, "%s: could not be started", what);
  else if (r->timed_out) snprintf(why, WHY, "%s: killed after %d s", what, g_timeout);
  else if (r->sig) snprintf(why, WHY, "%s: killed by signal %d (%s): %s", what, r->sig, strsignal(r->sig), line);
  else if (r->code) snprintf(why, WHY, "%s: exit %d: %s", what, r->code, line);
  else return 0;
  return 1;
}

/* ---- the test's tensors -------------------------------------------------------------------- */

typedef struct {
  int64_t dims[16];
  int ndim;
  int64_t numel;
  float *v;    /* numel values; NULL when not FLOAT */
  int dtype;   /* onnx TensorProto.DataType */
} Tensor;

static void tensor_free(Tensor *t) { free(t->v), t->v = NULL; }

static void shape_str(const int64_t *d, int n, char *out, size_t cap) {
  size_t k = (size_t)snprintf(out, cap, "[");
  for (int i = 0; i < n && k < cap; i++) k += (size_t)snprintf(out + k, cap - k, "%s%lld", i ? "," : "", (long long)d[i]);
  if (k < cap) snprintf(out + k, cap - k, "]");
}

/* A TensorProto file into t (values only for FLOAT); 0, or 1 with why (the path not in it). */
static int read_pb(const char *path, Tensor *t, char *why) {
  size_t n = 0;
  uint8_t *buf = (uint8_t *)slurp(path, (size_t)1 << 30, &n);
  memset(t, 0, sizeof *t);
  if (!buf) return snprintf(why, WHY, "cannot read it"), 1;
  Onnx__TensorProto *p = onnx__tensor_proto__unpack(NULL, n, buf);
  free(buf);
  if (!p) return snprintf(why, WHY, "not a TensorProto"), 1;
  int rc = 0;
  t->dtype = p->has_data_type ? p->data_type : 0;
  t->numel = 1;
  if (p->n_dims > 16) rc = 1, snprintf(why, WHY, "%zu dimensions", p->n_dims);
  for (size_t i = 0; !rc && i < p->n_dims; i++) {
    if (p->dims[i] < 0 || p->dims[i] > MAX_NUMEL || t->numel * (p->dims[i] ? p->dims[i] : 1) > MAX_NUMEL)
      rc = 1, snprintf(why, WHY, "dimension %lld", (long long)p->dims[i]);
    t->dims[i] = p->dims[i];
    t->numel *= p->dims[i];
  }
  t->ndim = (int)p->n_dims;
  if (!rc && (p->n_external_data || (p->has_data_location && p->data_location)))
    rc = 1, snprintf(why, WHY, "external data");
  if (!rc && t->dtype == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
    t->v = malloc((size_t)(t->numel ? t->numel : 1) * sizeof(float));
    if (!t->v) rc = 1, snprintf(why, WHY, "out of memory");
    else if (p->has_raw_data && p->raw_data.len) {
      if (p->raw_data.len != (size_t)t->numel * 4)
        rc = 1, snprintf(why, WHY, "%zu bytes of raw_data for %lld floats", p->raw_data.len, (long long)t->numel);
      for (int64_t i = 0; !rc && i < t->numel; i++) { /* little-endian, whatever the host */
        const uint8_t *b = p->raw_data.data + 4 * i;
        uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        memcpy(&t->v[i], &u, 4);
      }
    } else if (p->n_float_data == (size_t)t->numel) {
      if (t->numel) memcpy(t->v, p->float_data, (size_t)t->numel * sizeof(float));
    } else {
      rc = 1, snprintf(why, WHY, "%zu float_data for %lld values", p->n_float_data, (long long)t->numel);
    }
  }
  onnx__tensor_proto__free_unpacked(p, NULL);
  if (rc) tensor_free(t);
  return rc;
}

static const char *dtype_name(int dt) {
  static const char *const names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64",
                                      "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
                                      "COMPLEX128", "BFLOAT16"};
  return dt >= 0 && dt < (int)(sizeof names / sizeof *names) ? names[dt] : "an unknown type";
}

/* The type of a graph input or output as the model declares it: NULL when a FLOAT tensor. */
static const char *value_type(const Onnx__ValueInfoProto *v, char *buf, size_t cap) {
  const Onnx__TypeProto *t = v->type;
  if (!t || t->value_case == ONNX__TYPE_PROTO__VALUE__NOT_SET) return "no type";
  switch (t->value_case) {
  case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE:
    if (t->tensor_type && t->tensor_type->has_elem_type && t->tensor_type->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
      return NULL;
    snprintf(buf, cap, "%s", dtype_name(t->tensor_type && t->tensor_type->has_elem_type ? t->tensor_type->elem_type : 0));
    return buf;
  case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE: return "a sequence";
  case ONNX__TYPE_PROTO__VALUE_MAP_TYPE: return "a map";
  case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE: return "an optional";
  case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE: return "a sparse tensor";
  default: return "an unknown type";
  }
}

/* Whether every runtime graph input (not an initializer) and output is a FLOAT tensor, and as
 * many as the data set's files: 0, or 1 with why ("skipped: ..."). */
static int model_types(const char *model, int nin, int nout, char *why) {
  size_t n = 0;
  uint8_t *buf = (uint8_t *)slurp(model, (size_t)1 << 30, &n);
  if (!buf) return snprintf(why, WHY, "cannot read %s", model), 1;
  Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, n, buf);
  free(buf);
  if (!m || !m->graph) {
    if (m) onnx__model_proto__free_unpacked(m, NULL);
    return snprintf(why, WHY, "%s is not a ModelProto with a graph", model), 1;
  }
  const Onnx__GraphProto *g = m->graph;
  int rc = 0, k = 0;
  char tb[64];
  for (size_t i = 0; !rc && i < g->n_input; i++) {
    int init = 0;
    for (size_t j = 0; j < g->n_initializer && !init; j++)
      init = g->input[i]->name && g->initializer[j]->name && !strcmp(g->input[i]->name, g->initializer[j]->name);
    if (init) continue;
    const char *ty = value_type(g->input[i], tb, sizeof tb);
    if (ty) rc = 1, snprintf(why, WHY, "type: input %d is %s", k, ty);
    k++;
  }
  if (!rc && k != nin) rc = 1, snprintf(why, WHY, "the graph has %d inputs, the data set %d", k, nin);
  for (size_t i = 0; !rc && i < g->n_output; i++) {
    const char *ty = value_type(g->output[i], tb, sizeof tb);
    if (ty) rc = 1, snprintf(why, WHY, "type: output %zu is %s", i, ty);
  }
  if (!rc && (int)g->n_output != nout) rc = 1, snprintf(why, WHY, "the graph has %zu outputs, the data set %d", g->n_output, nout);
  onnx__model_proto__free_unpacked(m, NULL);
  return rc;
}

/* ---- nt.h: what the generated forward pass takes ------------------------------------------- */

typedef struct {
  int nin, nout;
  int64_t in[MAX_IO], out[MAX_IO];
  int in_int[MAX_IO];
  char out_shape[MAX_IO][96];
} Api;

/* "#define NT_<X>_SIZE n   / * float x [3,4] * /" for each input, then "#define NT_OUTPUT<k>_SIZE
 * n   / * [3,4] * /" for each output (compiler/emit_api.c). */
static int read_api(const char *h, Api *a, char *why) {
  char *s = slurp(h, 1 << 22, NULL);
  memset(a, 0, sizeof *a);
  if (!s) return snprintf(why, WHY, "nt.h: cannot read"), 1;
  int rc = 0;
  for (char *line = s, *next; line && *line && !rc; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    long long n;
    int at = 0;
    if (strncmp(line, "#define NT_", 11) || !strstr(line, "_SIZE ") || sscanf(strstr(line, "_SIZE ") + 6, "%lld%n", &n, &at) != 1)
      continue;
    const char *c = strstr(line, "/* ");
    if (!c) continue;
    c += 3;
    if (*c == '[') {
      if (a->nout == MAX_IO) rc = 1, snprintf(why, WHY, "more than %d outputs", MAX_IO);
      else {
        const char *e = strchr(c, ']');
        snprintf(a->out_shape[a->nout], sizeof a->out_shape[0], "%.*s", e ? (int)(e - c + 1) : 0, c);
        a->out[a->nout++] = n;
      }
    } else {
      if (a->nin == MAX_IO) rc = 1, snprintf(why, WHY, "more than %d inputs", MAX_IO);
      else a->in_int[a->nin] = !strncmp(c, "int32 ", 6), a->in[a->nin++] = n;
    }
  }
  free(s);
  if (!rc && !a->nout) rc = 1, snprintf(why, WHY, "nt.h declares no output");
  return rc;
}

/* ---- the driver ---------------------------------------------------------------------------- */

static int write_driver(const char *path, const char *test, const Api *a) {
  FILE *f = fopen(path, "w");
  if (!f) return 1;
  fprintf(f, "/* driver.c - generated by onnx_node_tests (tests/onnx/node_tests.c) for %s:\n"
             " *   driver WEIGHTS|- IN0.bin ... OUT0.bin ...\n"
             " * nt_load(WEIGHTS) unless \"-\", inputs read as raw float32, nt_forward, outputs written raw. */\n"
             "#include <stdio.h>\n#include <string.h>\n#include \"nt.h\"\n\n"
             "static nt_model m;\n",
          test);
  for (int i = 0; i < a->nin; i++) fprintf(f, "static float in%d[%lld];\n", i, (long long)(a->in[i] ? a->in[i] : 1));
  for (int i = 0; i < a->nout; i++) fprintf(f, "static float out%d[%lld];\n", i, (long long)(a->out[i] ? a->out[i] : 1));
  fprintf(f, "\nstatic int rd(const char *p, float *d, size_t n) {\n"
             "  FILE *f = fopen(p, \"rb\");\n"
             "  if (!f) return 1;\n"
             "  size_t k = n ? fread(d, sizeof *d, n, f) : 0;\n"
             "  int more = fgetc(f) != EOF;\n"
             "  fclose(f);\n"
             "  return k != n || more;\n"
             "}\n\n"
             "static int wr(const char *p, const float *d, size_t n) {\n"
             "  FILE *f = fopen(p, \"wb\");\n"
             "  if (!f) return 1;\n"
             "  size_t k = n ? fwrite(d, sizeof *d, n, f) : 0;\n"
             "  return (fclose(f) != 0) | (k != n);\n"
             "}\n\n"
             "int main(int argc, char **argv) {\n"
             "  if (argc != %d) return fprintf(stderr, \"usage: %%s WEIGHTS|- IN... OUT...\\n\", argv[0]), 2;\n"
             "  nt_init(&m, 1);\n"
             "  if (strcmp(argv[1], \"-\") && nt_load(&m, argv[1]))\n"
             "    return fprintf(stderr, \"nt_load %%s: %%s\\n\", argv[1], m.error), 2;\n",
          2 + a->nin + a->nout);
  for (int i = 0; i < a->nin; i++)
    fprintf(f, "  if (rd(argv[%d], in%d, %lld)) return fprintf(stderr, \"%%s: not %lld float32 values\\n\", argv[%d]), 2;\n",
            2 + i, i, (long long)a->in[i], (long long)a->in[i], 2 + i);
  fprintf(f, "  nt_forward(&m");
  for (int i = 0; i < a->nin; i++) fprintf(f, ", in%d", i);
  for (int i = 0; i < a->nout; i++) fprintf(f, ", out%d", i);
  fprintf(f, ");\n");
  for (int i = 0; i < a->nout; i++)
    fprintf(f, "  if (wr(argv[%d], out%d, %lld)) return fprintf(stderr, \"%%s: cannot write\\n\", argv[%d]), 2;\n",
            2 + a->nin + i, i, (long long)a->out[i], 2 + a->nin + i);
  fprintf(f, "  return 0;\n}\n");
  return fclose(f) != 0;
}

static int write_raw(const char *path, const Tensor *t) {
  FILE *f = fopen(path, "wb");
  if (!f) return 1;
  size_t k = t->numel ? fwrite(t->v, sizeof(float), (size_t)t->numel, f) : 0;
  return (fclose(f) != 0) | (k != (size_t)t->numel);
}

/* Output k: the driver's file against the reference; 0, or 1 with why. */
static int compare(const char *path, const Tensor *ref, int k, char *why) {
  size_t n = 0;
  char *got = slurp(path, (size_t)MAX_NUMEL * 4 + 1, &n);
  if (!got) return snprintf(why, WHY, "output %d: the driver wrote no %s", k, path), 1;
  if (n != (size_t)ref->numel * 4) {
    free(got);
    return snprintf(why, WHY, "output %d: %zu bytes written, %lld floats expected", k, n, (long long)ref->numel), 1;
  }
  double scale = 0;
  for (int64_t i = 0; i < ref->numel; i++)
    if (isfinite(ref->v[i])) scale = fmax(scale, fabs(ref->v[i]));
  int64_t bad = 0, first = -1, worst = -1;
  double worst_ratio = 0;
  for (int64_t i = 0; i < ref->numel; i++) {
    float g;
    memcpy(&g, got + 4 * i, 4);
    double r = ref->v[i];
    int ok;
    if (isnan(r)) ok = isnan(g);
    else if (isinf(r)) ok = g == r;
    else {
      double bound = 1e-4 * fmax(fabs(r), fmax(scale / 100, 1e-3)), d = fabs((double)g - r);
      ok = d <= bound;
      if (!ok && !isnan(d) && d / bound > worst_ratio) worst_ratio = d / bound, worst = i;
    }
    if (!ok) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (bad) {
    int64_t i = worst >= 0 ? worst : first;
    float g;
    memcpy(&g, got + 4 * i, 4);
    snprintf(why, WHY, "output %d: %lld of %lld values differ; at %lld got %.9g, expected %.9g%s", k, (long long)bad,
             (long long)ref->numel, (long long)i, g, ref->v[i], worst >= 0 ? " (the worst)" : "");
  }
  free(got);
  return bad != 0;
}

/* ---- one test ------------------------------------------------------------------------------ */

enum { PASS, FAIL, REFUSED, SKIPPED };

typedef struct {
  int status;
  int attempted;  /* imported and run */
  char why[WHY];
} Result;

#define RESULT(r, st, ...) ((r)->status = (st), snprintf((r)->why, WHY, __VA_ARGS__), (r)->status)

/* dlc's run: a crash is a signal, a timeout, exit 2 or 3, or "internal error" in its output. */
static int dlc_crashed(const Run *r, const char *out, const char *err, const char *what, char *why) {
  if (r->spawn_failed || r->timed_out || r->sig || (r->exited && r->code != 0 && r->code != 1))
    return run_failed(r, err, what, why);
  if (file_has(err, "internal error") || file_has(out, "internal error")) {
    char line[WHY];
    first_line(err, line, sizeof line);
    return snprintf(why, WHY, "%s: an internal error: %s", what, line), 1;
  }
  return 0;
}

static int run_test(const char *name, Result *res) {
  char *src = fmt("%s/%s", g_data, name), *dir = fmt("%s/%s", g_work, name);
  char *set = fmt("%s/test_data_set_0", src), *model = fmt("%s/model.onnx", src);
  Tensor in[MAX_IO], out[MAX_IO];
  int nin = 0, nout = 0, st;
  char why[WHY];
  memset(res, 0, sizeof *res);
  memset(in, 0, sizeof in), memset(out, 0, sizeof out);
  char *lua = fmt("%s/model.lua", dir), *weights = fmt("%s/model.safetensors", dir);

  if (mkdir(dir, 0755) && errno != EEXIST) {
    st = RESULT(res, FAIL, "cannot make %s: %s", dir, strerror(errno));
    goto done;
  }
  static const char *const stale[] = {"model.lua", "model.safetensors", "nt.c", "nt.h", "driver.c", "driver"};
  for (size_t i = 0; i < sizeof stale / sizeof *stale; i++) {
    char *p = fmt("%s/%s", dir, stale[i]);
    unlink(p), free(p);
  }

  /* the data set: the model must declare FLOAT tensors for as many inputs and outputs as it
   * has files (a sequence or an optional is not a TensorProto file), and the files hold FLOAT */
  int typed = 0; /* 1: not all FLOAT tensors (type_why says why) */
  char type_why[WHY] = "";
  for (int io = 0; io < 2; io++) {
    int *n = io ? &nout : &nin;
    for (;; ++*n) {
      char *p = fmt("%s/%s_%d.pb", set, io ? "output" : "input", *n);
      int there = exists(p);
      free(p);
      if (!there) break;
    }
    if (*n > MAX_IO) {
      st = RESULT(res, SKIPPED, "more than %d %ss", MAX_IO, io ? "output" : "input");
      goto done;
    }
  }
  if (!nout) {
    st = RESULT(res, SKIPPED, "no test_data_set_0/output_0.pb");
    goto done;
  }
  if (model_types(model, nin, nout, why)) typed = 1, snprintf(type_why, WHY, "%s", why);
  for (int i = 0; !typed && i < nin + nout; i++) {
    int io = i >= nin, k = io ? i - nin : i;
    char *p = fmt("%s/%s_%d.pb", set, io ? "output" : "input", k), *shown = strrchr(set, '/') + 1;
    Tensor *t = io ? &out[k] : &in[k];
    int bad = read_pb(p, t, why);
    free(p);
    if (bad) {
      st = RESULT(res, SKIPPED, "%s/%s_%d.pb: %s", shown, io ? "output" : "input", k, why);
      goto done;
    }
    if (t->dtype != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
      typed = 1, snprintf(type_why, WHY, "type: %s %d is %s", io ? "output" : "input", k, dtype_name(t->dtype));
  }

  /* 1. dlc import, in the test's directory: messages name "model.onnx" */
  {
    char *o = fmt("%s/import.out", dir), *e = fmt("%s/import.err", dir);
    char *argv[] = {(char *)g_dlc, "import", "model.onnx", "-o", lua, NULL};
    Run r = run(argv, src, o, e);
    int crashed = dlc_crashed(&r, o, e, "dlc import", why);
    char line[WHY];
    first_line(e, line, sizeof line);
    free(o), free(e);
    if (crashed) {
      st = RESULT(res, FAIL, "%s", why);
      goto done;
    }
    if (r.code == 1) {
      if (!strstr(line, "model.onnx")) st = RESULT(res, FAIL, "dlc import refused without naming the file: %s", line);
      else if (typed) st = RESULT(res, SKIPPED, "%s (dlc import refused it)", type_why);
      else st = RESULT(res, REFUSED, "%s", line);
      goto done;
    }
    if (!exists(lua) || !exists(weights)) {
      st = RESULT(res, FAIL, "dlc import exited 0 without writing model.lua and model.safetensors");
      goto done;
    }
  }
  if (typed) {
    st = RESULT(res, SKIPPED, "%s (dlc import took it)", type_why);
    goto done;
  }
  res->attempted = 1;

  /* 2. dlc model.lua --inference */
  {
    char *o = fmt("%s/compile.out", dir), *e = fmt("%s/compile.err", dir);
    char *argv[] = {(char *)g_dlc, lua, "--inference", "--name", "nt", "-o", "nt.c", NULL};
    Run r = run(argv, dir, o, e);
    int bad = dlc_crashed(&r, o, e, "dlc model.lua", why) || run_failed(&r, e, "dlc model.lua --inference", why);
    free(o), free(e);
    if (bad) {
      st = RESULT(res, FAIL, "%s", why);
      goto done;
    }
  }

  /* 3. the interface, the driver, CC, the run */
  Api api;
  {
    char *h = fmt("%s/nt.h", dir);
    int bad = read_api(h, &api, why);
    free(h);
    if (bad) {
      st = RESULT(res, FAIL, "%s", why);
      goto done;
    }
  }
  if (api.nin != nin || api.nout != nout) {
    st = RESULT(res, FAIL, "nt_forward takes %d inputs and %d outputs, the test has %d and %d", api.nin, api.nout, nin, nout);
    goto done;
  }
  for (int i = 0; i < nin; i++)
    if (api.in_int[i] || api.in[i] != in[i].numel) {
      char s[96];
      shape_str(in[i].dims, in[i].ndim, s, sizeof s);
      st = RESULT(res, FAIL, "input %d: nt.h takes %lld %s values, the test gives %lld %s", i, (long long)api.in[i],
                  api.in_int[i] ? "int32" : "float", (long long)in[i].numel, s);
      goto done;
    }
  for (int i = 0; i < nout; i++)
    if (api.out[i] != out[i].numel) {
      char s[96];
      shape_str(out[i].dims, out[i].ndim, s, sizeof s);
      st = RESULT(res, FAIL, "output %d: dlc's is %s (%lld values), the test's %s (%lld)", i, api.out_shape[i],
                  (long long)api.out[i], s, (long long)out[i].numel);
      goto done;
    }
  char *drv = fmt("%s/driver.c", dir), *exe = fmt("%s/driver", dir);
  char **argv = calloc((size_t)(g_ncc + 16 + 2 * MAX_IO), sizeof *argv);
  int na = 0, bad = 0;
  char *inc1 = fmt("-I%s", dir), *inc2 = fmt("-I%s", g_rt_inc), *ntc = fmt("%s/nt.c", dir);
  char *files[2 * MAX_IO] = {0};
  if (!argv || write_driver(drv, name, &api)) bad = 1, snprintf(why, WHY, "cannot write %s", drv);
  for (int i = 0; !bad && i < nin; i++) {
    files[i] = fmt("%s/in%d.bin", dir, i);
    if (write_raw(files[i], &in[i])) bad = 1, snprintf(why, WHY, "cannot write %s", files[i]);
  }
  for (int i = 0; !bad && i < nout; i++) {
    files[MAX_IO + i] = fmt("%s/out%d.bin", dir, i);
    unlink(files[MAX_IO + i]);
  }
  if (!bad) {
    for (int i = 0; i < g_ncc; i++) argv[na++] = g_cc[i];
    char *rest[] = {"-O1", inc1, inc2, ntc, drv, (char *)g_rt_lib, "-lm", "-o", exe, NULL};
    for (int i = 0; rest[i]; i++) argv[na++] = rest[i];
    argv[na] = NULL;
    char *o = fmt("%s/cc.out", dir), *e = fmt("%s/cc.err", dir);
    Run r = run(argv, dir, o, e);
    if (run_failed(&r, e, g_cc[0], why)) bad = 1;
    free(o), free(e);
  }
  if (!bad) {
    na = 0;
    argv[na++] = exe;
    size_t nw = 0;
    RtStFile *sf = rt_st_open(weights, why, WHY);
    if (!sf) bad = 1;
    else nw = (size_t)rt_st_count(sf), rt_st_close(sf);
    argv[na++] = nw ? weights : "-";
    for (int i = 0; i < nin; i++) argv[na++] = files[i];
    for (int i = 0; i < nout; i++) argv[na++] = files[MAX_IO + i];
    argv[na] = NULL;
    char *o = fmt("%s/run.out", dir), *e = fmt("%s/run.err", dir);
    if (!bad) {
      Run r = run(argv, dir, o, e);
      if (run_failed(&r, e, "the driver", why)) bad = 1;
    }
    free(o), free(e);
  }
  for (int i = 0; !bad && i < nout; i++) bad = compare(files[MAX_IO + i], &out[i], i, why);
  st = bad ? RESULT(res, FAIL, "%s", why) : RESULT(res, PASS, "pass");
  for (int i = 0; i < 2 * MAX_IO; i++) free(files[i]);
  free(drv), free(exe), free(argv), free(inc1), free(inc2), free(ntc);

done:
  for (int i = 0; i < nin; i++) tensor_free(&in[i]);
  for (int i = 0; i < nout; i++) tensor_free(&out[i]);
  free(src), free(dir), free(set), free(model), free(lua), free(weights);
  return st;
}

/* ---- main ---------------------------------------------------------------------------------- */

static int is_test_dir(const struct dirent *d) { return !strncmp(d->d_name, "test_", 5); }

static char *absolute(const char *p, const char *what) {
  char *r = realpath(p, NULL);
  if (!r) fprintf(stderr, "onnx_node_tests: %s %s: %s\n", what, p, strerror(errno)), exit(2);
  return r;
}

static int usage(void) {
  fputs("usage: onnx_node_tests [--rt-include DIR] [--rt-lib FILE] [--only SUBSTRING] [--timeout SECONDS]\n"
        "                       DLC_BINARY DATA_DIR WORK_DIR [CC [CC_ARG...]]\n",
        stderr);
  return 2;
}

int main(int argc, char **argv) {
  const char *only = NULL, *rt_inc = NULL, *rt_lib = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
    if (i + 1 >= argc) return usage();
    if (!strcmp(argv[i], "--rt-include")) rt_inc = argv[i + 1];
    else if (!strcmp(argv[i], "--rt-lib")) rt_lib = argv[i + 1];
    else if (!strcmp(argv[i], "--only")) only = argv[i + 1];
    else if (!strcmp(argv[i], "--timeout")) g_timeout = atoi(argv[i + 1]);
    else return usage();
  }
  if (argc - i < 3 || g_timeout < 1) return usage();
  if (!rt_inc || !rt_lib) {
    fputs("onnx_node_tests: give the runtime: --rt-include DIR (dlc_rt.h) and --rt-lib FILE (libdlc_rt.a)\n", stderr);
    return 2;
  }
  g_dlc = absolute(argv[i], "dlc");
  g_data = absolute(argv[i + 1], "data directory");
  if (mkdir(argv[i + 2], 0755) && errno != EEXIST)
    return fprintf(stderr, "onnx_node_tests: cannot make %s: %s\n", argv[i + 2], strerror(errno)), 2;
  g_work = absolute(argv[i + 2], "work directory");
  g_rt_inc = absolute(rt_inc, "runtime include directory");
  g_rt_lib = absolute(rt_lib, "runtime library");
  static char *default_cc[] = {"cc", NULL};
  if (argc - i > 3) g_cc = argv + i + 3, g_ncc = argc - i - 3;
  else g_cc = default_cc, g_ncc = 1;
  signal(SIGPIPE, SIG_IGN);

  struct dirent **list;
  int n = scandir(g_data, &list, is_test_dir, alphasort);
  if (n < 0) return fprintf(stderr, "onnx_node_tests: %s: %s\n", g_data, strerror(errno)), 2;
  int count[4] = {0}, attempted = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int k = 0; k < n; k++) {
    const char *name = list[k]->d_name;
    if (!only || strstr(name, only)) {
      Result r;
      int st = run_test(name, &r);
      count[st]++;
      attempted += r.attempted;
      if (st == PASS) printf("%s: pass\n", name);
      else printf("%s: %s%s\n", name, st == FAIL ? "FAIL " : st == REFUSED ? "refused: " : "skipped: ", r.why);
      fflush(stdout);
    }
    free(list[k]);
  }
  free(list);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("node tests: %d passed of %d attempted (imported and run), %d refused by dlc import, %d skipped; %d failed\n",
         count[PASS], attempted, count[REFUSED], count[SKIPPED], count[FAIL]);
  printf("(%d tests in %.1f s)\n", count[PASS] + count[FAIL] + count[REFUSED] + count[SKIPPED],
         (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
  return count[FAIL] ? 1 : 0;
}
