/* onnx_import.c - an ONNX ModelProto becomes a dlc model file (functional style) and its
 * weights.  The protobuf decoding is protobuf-c's, generated from Debian's onnx.proto; this
 * file checks what it decoded and translates it.  Before protobuf-c, which recurses into nested
 * messages, a walk over the wire format refuses a file nested more than MAX_NESTING deep.
 *
 * One pass over the nodes in file order, which must be topological (an input used before it is
 * defined is an error, so a cycle cannot get through).  Each value (graph input, initializer,
 * node output) gets a static shape and, when it is a tensor of the model, a Lua expression; an
 * initializer or a Constant output also keeps its data, for shapes (Reshape) and weights.
 * Initializers become parameters only where a node uses them as tensors: a Gemm whose weight
 * and bias are "P.weight" and "P.bias" becomes nn.Linear(..., {name = "P"}) and a Conv the
 * same with nn.Conv2d, so the checkpoint names are PyTorch's state_dict names; any other
 * tensor initializer becomes dlc.param(NAME), its name kept when it is a valid state_dict name,
 * else made a C identifier.  Errors are collected (every unsupported op is listed, with its node)
 * and the translation fails at the end if there was one.
 *
 * Strings from the file reach the model file only as validated names (state_dict names, C
 * identifiers) or escaped in comments (RT_ESC_LINE: no newline can end a Lua comment); in
 * messages they are quoted with rt_shown. */
#include "onnx_import.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlc_text.h"
#include "fileio.h"
#include "onnx.pb-c.h"

/* limits: generous for the models dlc can compile, small enough that nothing overflows */
#define MAX_NODES 100000
#define MAX_INITS 100000
#define MAX_IO 1000         /* graph inputs and outputs */
#define MAX_NAME 4096       /* bytes of a name */
#define MAX_DIM ((int64_t)1 << 31)
#define MAX_NUMEL ((int64_t)1 << 31) /* elements of one tensor */
#define MAX_LOCALS 180      /* Lua allows 200 locals per function; beyond, a table holds them */
#define MAX_NESTING 64      /* protobuf messages inside one another (the ModelProto is 1) */
#define NAME_SHOWN 64

typedef struct {
  const char *name;
  int ndim;
  int64_t dim[RT_MAX_DIMS];
  int known;                       /* shape known (0 after an unsupported op) */
  const Onnx__TensorProto *data;   /* initializer or Constant value, else NULL */
  int64_t *iv;                     /* INT64 values computed at import (Shape, Gather, Concat...) */
  int constant;                    /* from a Constant node: a value, never a parameter */
  int zeros;                       /* known to hold only zeros (an initial state as exported) */
  int elem;                        /* ONNX data type */
  char *lua;                       /* Lua expression of the tensor, NULL until used as one */
} Val;

/* the nodes with the local functions expanded (see inline_node) */
typedef struct {
  Onnx__NodeProto **v; /* the nodes in order: the graph's, or copies made for a call */
  size_t n, cap;
  void **own;          /* what the copies hold (freed by inline_free) */
  size_t nown, capown;
  int calls, failed;
} Inlined;

typedef struct {
  const char *path;
  FILE *errs;
  int nerr;
  Val *vals;
  int nvals, cap;
  int *hash; /* open addressing, -1 empty, 2 * cap slots */
  char *out;
  size_t outlen;
  FILE *lua;
  RtTensor *params;
  int nparams;
  int ntemps, use_table;
  int64_t opset;
  Inlined fl;
  const OnnxOptions *o;
} Ctx;

/* ---- messages ------------------------------------------------------------------------------ */

static void err_node(Ctx *c, int node, const Onnx__NodeProto *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err_node(Ctx *c, int node, const Onnx__NodeProto *n, const char *fmt, ...) {
  c->nerr++;
  if (!c->errs) return;
  char b[NAME_SHOWN + 4];
  fprintf(c->errs, "%s: ", rt_shown(b, sizeof b, c->path));
  if (n) fprintf(c->errs, "node %d (\"%s\"): ", node, rt_shown(b, sizeof b, n->name ? n->name : ""));
  va_list ap;
  va_start(ap, fmt);
  vfprintf(c->errs, fmt, ap);
  va_end(ap);
  fputc('\n', c->errs);
}
#define ERR(c, ...) err_node(c, -1, NULL, __VA_ARGS__)

static const char *shown(const char *s, char buf[NAME_SHOWN + 4]) { return rt_shown(buf, NAME_SHOWN + 4, s ? s : ""); }

/* ---- nesting depth ------------------------------------------------------------------------ */

/* protobuf-c unpacks (and frees) a nested message by recursion, and ONNX nests without limit: a
 * graph in a node's attribute in a graph, a type in a sequence type.  A small file nested tens of
 * thousands deep would overflow the stack, so before unpacking, the wire format is walked with an
 * explicit stack guided by the descriptors: a length-delimited field the descriptor says is a
 * message is entered, any other field (unknown, or a message under another wire type, which
 * protobuf-c refuses) is skipped by its wire type.  Every varint, length and wire type is checked
 * against the bytes left in the enclosing message. */
enum { NEST_OK, NEST_DEEP, NEST_CORRUPT };

/* The varint at p[*at..end), at most 10 bytes; 0 when unterminated. */
static int varint(const uint8_t *p, size_t end, size_t *at, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 70 && *at < end; shift += 7) {
    uint8_t b = p[(*at)++];
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return 1;
  }
  return 0;
}

static int nesting(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t n) {
  struct { size_t end; const ProtobufCMessageDescriptor *d; } st[MAX_NESTING];
  int top = 0;
  size_t at = 0;
  st[0].end = n, st[0].d = desc;
  for (;;) {
    size_t end = st[top].end;
    if (at == end) {
      if (top == 0) return NEST_OK;
      top--;
      continue;
    }
    uint64_t tag, len;
    if (!varint(p, end, &at, &tag) || tag >> 3 == 0 || tag >> 3 > 0x1fffffff) return NEST_CORRUPT;
    switch (tag & 7) {
    case PROTOBUF_C_WIRE_TYPE_VARINT:
      if (!varint(p, end, &at, &len)) return NEST_CORRUPT;
      break;
    case PROTOBUF_C_WIRE_TYPE_64BIT:
    case PROTOBUF_C_WIRE_TYPE_32BIT:
      len = (tag & 7) == PROTOBUF_C_WIRE_TYPE_64BIT ? 8 : 4;
      if (len > end - at) return NEST_CORRUPT;
      at += len;
      break;
    case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED: {
      if (!varint(p, end, &at, &len) || len > end - at) return NEST_CORRUPT;
      const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(st[top].d, (unsigned)(tag >> 3));
      if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE) {
        at += len;
        break;
      }
      if (top + 1 == MAX_NESTING) return NEST_DEEP;
      top++;
      st[top].end = at + len, st[top].d = f->descriptor;
      break;
    }
    default: /* groups (3, 4), which protobuf-c refuses too, and 6, 7 */
      return NEST_CORRUPT;
    }
  }
}

/* ---- values by name ------------------------------------------------------------------------ */

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

static int find(const Ctx *c, const char *name) {
  if (!c->cap) return -1;
  size_t m = (size_t)c->cap * 2, i = hash_str(name) % m;
  for (; c->hash[i] >= 0; i = (i + 1) % m)
    if (strcmp(c->vals[c->hash[i]].name, name) == 0) return c->hash[i];
  return -1;
}

/* A new value; NULL when the name is taken (the caller reports it) or memory ran out. */
static Val *define(Ctx *c, const char *name) {
  if (find(c, name) >= 0) return NULL;
  if (c->nvals == c->cap) {
    int cap = c->cap ? c->cap * 2 : 256;
    Val *v = realloc(c->vals, sizeof(Val) * (size_t)cap);
    int *h = malloc(sizeof(int) * (size_t)cap * 2);
    if (!v || !h) { free(h); if (v) c->vals = v; return NULL; }
    c->vals = v, c->cap = cap;
    free(c->hash), c->hash = h;
    for (int i = 0; i < cap * 2; i++) h[i] = -1;
    for (int k = 0; k < c->nvals; k++) {
      size_t i = hash_str(v[k].name) % ((size_t)cap * 2);
      while (h[i] >= 0) i = (i + 1) % ((size_t)cap * 2);
      h[i] = k;
    }
  }
  Val *v = &c->vals[c->nvals];
  memset(v, 0, sizeof *v);
  v->name = name;
  size_t m = (size_t)c->cap * 2, i = hash_str(name) % m;
  while (c->hash[i] >= 0) i = (i + 1) % m;
  c->hash[i] = c->nvals++;
  return v;
}

/* ---- checks on names and tensors ---------------------------------------------------------- */

/* A state_dict name as nn.lua accepts it for {name = ...}: [A-Za-z0-9_] then [A-Za-z0-9_.],
 * no "..", no trailing dot. */
static int state_dict_name(const char *s, size_t n) {
  if (n == 0 || n > 200 || s[0] == '.' || s[n - 1] == '.') return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (!(ch == '_' || ch == '.' || (ch >= '0' && ch <= '9') || ((ch | 32) >= 'a' && (ch | 32) <= 'z'))) return 0;
    if (ch == '.' && s[i + 1] == '.') return 0;
  }
  return 1;
}

static int64_t numel(const int64_t *d, int nd) {
  int64_t n = 1;
  for (int i = 0; i < nd; i++) n *= d[i];
  return n;
}

/* The bytes of one element of t's type (FLOAT 4, INT64 8; 0: another type), and the number of
 * values t holds (-1: raw data that is not a whole number of elements). */
static size_t elem_size(const Onnx__TensorProto *t) {
  return t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT ? 4 : t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 ? 8 : 0;
}

static int64_t values_held(const Onnx__TensorProto *t, size_t es) {
  if (t->has_raw_data) return t->raw_data.len % es ? -1 : (int64_t)(t->raw_data.len / es);
  return (int64_t)(es == 4 ? t->n_float_data : t->n_int64_data);
}

/* An initializer or Constant value: type, dims and data checked. */
static int check_tensor(Ctx *c, const Onnx__TensorProto *t, Val *v, int node, const Onnx__NodeProto *n) {
  char b[NAME_SHOWN + 4];
  const char *nm = shown(t->name, b);
  if ((t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) || t->n_external_data) {
    err_node(c, node, n, "tensor \"%s\" has external data (a file beside the model): not read, for safety; "
             "save the model with its weights inside", nm);
    return 1;
  }
  if (t->n_dims > RT_MAX_DIMS) { err_node(c, node, n, "tensor \"%s\" has %zu dimensions (at most %d)", nm, t->n_dims, RT_MAX_DIMS); return 1; }
  int64_t total = 1;
  for (size_t i = 0; i < t->n_dims; i++) {
    if (t->dims[i] < 1 || t->dims[i] > MAX_DIM || (total *= t->dims[i]) > MAX_NUMEL) {
      err_node(c, node, n, "tensor \"%s\": dimension %zu is %lld (each must be in 1..2^31, %s in all)", nm, i,
               (long long)t->dims[i], "2^31 elements");
      return 1;
    }
    v->dim[i] = t->dims[i];
  }
  size_t es = elem_size(t);
  if (!es) { err_node(c, node, n, "tensor \"%s\" has data type %d: only FLOAT (1) and INT64 (7) are supported", nm, (int)t->data_type); return 1; }
  int64_t have = values_held(t, es);
  if (have != total) {
    if (have < 0) err_node(c, node, n, "tensor \"%s\": raw data of %zu bytes is not a whole number of elements", nm, t->raw_data.len);
    else err_node(c, node, n, "tensor \"%s\": %lld values for a shape of %lld elements", nm, (long long)have, (long long)total);
    return 1;
  }
  /* set only now: a refused tensor leaves v unknown, so the nodes after it (translated on, to
   * list every error at once) never read values that are not there */
  v->ndim = (int)t->n_dims, v->known = 1, v->data = t, v->elem = t->data_type;
  return 0;
}

static float f32_at(const Onnx__TensorProto *t, int64_t i) {
  if (!t->has_raw_data) return t->float_data[i];
  const uint8_t *p = t->raw_data.data + 4 * i; /* little-endian, as ONNX stores raw data */
  uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static int64_t i64_at(const Onnx__TensorProto *t, int64_t i) {
  if (!t->has_raw_data) return t->int64_data[i];
  const uint8_t *p = t->raw_data.data + 8 * i;
  uint64_t u = 0;
  for (int k = 7; k >= 0; k--) u = u << 8 | p[k];
  return (int64_t)u;
}

/* ---- output ------------------------------------------------------------------------------- */

static void shape_lua(FILE *f, const Val *v) {
  fputc('{', f);
  for (int i = 0; i < v->ndim; i++) fprintf(f, "%s%lld", i ? ", " : "", (long long)v->dim[i]);
  fputc('}', f);
}

/* The initializer v as a parameter: into the weights under name, once. */
static int add_param(Ctx *c, const Val *v, const char *name) {
  for (int i = 0; i < c->nparams; i++)
    if (strcmp(c->params[i].name, name) == 0) return 0;
  RtTensor *p = realloc(c->params, sizeof(RtTensor) * (size_t)(c->nparams + 1));
  if (!p) return 1;
  c->params = p;
  RtTensor *t = &p[c->nparams];
  memset(t, 0, sizeof *t);
  int64_t n = numel(v->dim, v->ndim);
  float *d = malloc(sizeof(float) * (size_t)(n ? n : 1));
  char *nm = strdup(name);
  if (!d || !nm) { free(d); free(nm); return 1; }
  for (int64_t i = 0; i < n; i++) d[i] = f32_at(v->data, i);
  t->name = nm, t->dtype = RT_F32, t->ndim = v->ndim, t->data = d;
  memcpy(t->shape, v->dim, sizeof v->dim);
  c->nparams++;
  return 0;
}

/* The Lua expression of value v used as a tensor: an initializer becomes dlc.param. */
static const char *tensor(Ctx *c, Val *v, int node, const Onnx__NodeProto *n) {
  char b[NAME_SHOWN + 4];
  if (v->lua && strcmp(v->lua, "-") == 0) {
    err_node(c, node, n, "initializer \"%s\" is a module's parameter and is used again: shared weights are not supported yet",
             shown(v->name, b));
    return NULL;
  }
  if (v->lua) return v->lua;
  if (!v->data) return NULL;
  if (v->elem == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT && (v->constant || v->ndim == 0) && numel(v->dim, v->ndim) == 1) {
    float f = f32_at(v->data, 0); /* a scalar constant: a number in the model file */
    if (!isfinite(f)) return err_node(c, node, n, "constant \"%s\" is not finite", shown(v->name, b)), NULL;
    char lit[48];
    snprintf(lit, sizeof lit, f < 0 ? "(%.9g)" : "%.9g", (double)f);
    return v->lua = strdup(lit);
  }
  if (v->constant) {
    err_node(c, node, n, "Constant \"%s\" is a tensor used as a value: only scalar constants are supported so far", shown(v->name, b));
    return NULL;
  }
  if (v->elem != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || v->ndim == 0) {
    err_node(c, node, n, "\"%s\" is used as a tensor but is an INT64 or scalar constant: not supported yet", shown(v->name, b));
    return NULL;
  }
  char *id = state_dict_name(v->name, strlen(v->name)) ? strdup(v->name) : rt_c_ident(v->name);
  if (!id) return NULL;
  int k = c->ntemps++;
  char lv[32];
  snprintf(lv, sizeof lv, c->use_table ? "T[%d]" : "p%d", k);
  fprintf(c->lua, "%s%s = dlc.param(\"%s\", ", c->use_table ? "" : "local ", lv, id);
  shape_lua(c->lua, v);
  fprintf(c->lua, ")  -- initializer \"");
  rt_fputs_escaped(v->name, RT_ESC_LINE, c->lua);
  fprintf(c->lua, "\"\n");
  if (add_param(c, v, id)) { free(id); return NULL; }
  free(id);
  return v->lua = strdup(lv);
}

/* ---- attributes --------------------------------------------------------------------------- */

static const Onnx__AttributeProto *attr(const Onnx__NodeProto *n, const char *name) {
  for (size_t i = 0; i < n->n_attribute; i++)
    if (n->attribute[i]->name && strcmp(n->attribute[i]->name, name) == 0) return n->attribute[i];
  return NULL;
}

static int64_t attr_i(const Onnx__NodeProto *n, const char *name, int64_t dflt) {
  const Onnx__AttributeProto *a = attr(n, name);
  return a && a->has_i ? a->i : dflt;
}

static float attr_f(const Onnx__NodeProto *n, const char *name, float dflt) {
  const Onnx__AttributeProto *a = attr(n, name);
  return a && a->has_f ? a->f : dflt;
}

/* ints attribute into v[0..want): 1 when absent (v keeps the default), -1 when of another
 * length, 0 when read. */
static int attr_ints(const Onnx__NodeProto *n, const char *name, int64_t *v, size_t want) {
  const Onnx__AttributeProto *a = attr(n, name);
  if (!a) return 1;
  if (a->n_ints != want) return -1;
  for (size_t i = 0; i < want; i++) v[i] = a->ints[i];
  return 0;
}

/* ---- nodes ---------------------------------------------------------------------------------- */

typedef struct {
  Ctx *c;
  int k;                        /* node index */
  const Onnx__NodeProto *n;
  Val *in[3];                   /* the first inputs (NULL when absent) */
  Val *out;                     /* the first output */
} Node;

#define NERR(nd, ...) (err_node((nd)->c, (nd)->k, (nd)->n, __VA_ARGS__), 1)

/* out = expr, as a new local named after the node. */
static int assign(Node *nd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int assign(Node *nd, const char *fmt, ...) {
  Ctx *c = nd->c;
  char lv[32];
  snprintf(lv, sizeof lv, c->use_table ? "T[%d]" : "t%d", nd->k);
  fprintf(c->lua, "%s%s = ", c->use_table ? "" : "local ", lv);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(c->lua, fmt, ap);
  va_end(ap);
  fprintf(c->lua, "  -- node %d \"", nd->k);
  rt_fputs_escaped(nd->n->name ? nd->n->name : "", RT_ESC_LINE, c->lua);
  fprintf(c->lua, "\": %s\n", nd->n->op_type);
  nd->out->known = 1;
  return !(nd->out->lua = strdup(lv));
}

static const char *T(Node *nd, int i) { return tensor(nd->c, nd->in[i], nd->k, nd->n); }

static void same_shape(Val *out, const Val *in) {
  out->ndim = in->ndim;
  memcpy(out->dim, in->dim, sizeof in->dim);
}

/* ---- INT64 values known at import ---------------------------------------------------------
 * Shapes flow through Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains (x.view(x.size(0),
 * -1) in PyTorch): with static shapes every such value is known here, computed into Val.iv, and
 * never becomes a tensor of the model. */
#define MAX_IVALS 4096 /* elements of a computed INT64 value: shapes, not data */
#define INT_TENSOR 1000 /* Val.elem of an integer graph input: a tensor of indices, not a value */

static int is_ints(const Val *v) {
  return v && v->known && v->elem == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 && (v->iv || v->data);
}

static int64_t ival(const Val *v, int64_t i) { return v->iv ? v->iv[i] : i64_at(v->data, i); }

/* out = the INT64 values x[0..numel) of shape dims */
static int set_ints(Node *nd, const int64_t *x, int ndim, const int64_t *dims) {
  Val *o = nd->out;
  int64_t n = numel(dims, ndim);
  if (ndim > RT_MAX_DIMS || n > MAX_IVALS) return NERR(nd, "%s: an INT64 value of more than %d elements", nd->n->op_type, MAX_IVALS);
  free(o->iv);
  if (!(o->iv = malloc(sizeof(int64_t) * (size_t)(n ? n : 1)))) return 1;
  memcpy(o->iv, x, sizeof(int64_t) * (size_t)n);
  o->ndim = ndim;
  memcpy(o->dim, dims, sizeof(int64_t) * (size_t)ndim);
  o->known = 1, o->elem = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
  return 0;
}

/* the values of v (INT64, at most MAX_IVALS) into a new array; NULL after an error */
static int64_t *ints_of(Node *nd, const Val *v, const char *what) {
  if (!is_ints(v)) return NERR(nd, "%s: %s must be an INT64 value known at import (a constant, or computed from shapes)", nd->n->op_type, what), NULL;
  int64_t n = numel(v->dim, v->ndim);
  if (n > MAX_IVALS) return NERR(nd, "%s: %s has more than %d values", nd->n->op_type, what, MAX_IVALS), NULL;
  int64_t *r = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
  for (int64_t i = 0; r && i < n; i++) r[i] = ival(v, i);
  return r;
}

/* input i of the node (any position, not only the first three): NULL when absent */
static Val *input_at(Node *nd, size_t i) {
  if (i >= nd->n->n_input || !nd->n->input[i][0]) return NULL;
  int v = find(nd->c, nd->n->input[i]);
  return v < 0 ? NULL : &nd->c->vals[v];
}

/* axis a of a rank-r tensor, negative counting from the end; -1 (reported) when out of range */
static int64_t axis_of(Node *nd, int64_t a, int64_t r) {
  if (a < -r || a >= r) return NERR(nd, "%s: axis %lld is out of range for rank %lld", nd->n->op_type, (long long)a, (long long)r), -1;
  return a < 0 ? a + r : a;
}

/* The axes of Unsqueeze, Squeeze, ReduceSum, ReduceMean: the attribute (older opsets) or input
 * 1 (newer), into ax; their number, 0 when absent, -1 after an error. */
static int axes_of(Node *nd, int64_t *ax, int max) {
  const Onnx__AttributeProto *a = attr(nd->n, "axes");
  Val *in = input_at(nd, 1);
  if (a && in) return NERR(nd, "%s: axes given both as attribute and input", nd->n->op_type), -1;
  if (a) {
    if (a->n_ints > (size_t)max) return NERR(nd, "%s: more than %d axes", nd->n->op_type, max), -1;
    for (size_t i = 0; i < a->n_ints; i++) ax[i] = a->ints[i];
    return (int)a->n_ints;
  }
  if (!in) return 0;
  int64_t *v = ints_of(nd, in, "axes");
  if (!v) return -1;
  int64_t n = numel(in->dim, in->ndim);
  if (in->ndim != 1 || n > max) { free(v); return NERR(nd, "%s: axes must be a vector of at most %d values", nd->n->op_type, max), -1; }
  memcpy(ax, v, sizeof(int64_t) * (size_t)n);
  free(v);
  return (int)n;
}

/* A text built piece by piece (the arguments of dlc.cat, a permutation) */
typedef struct {
  char *s;
  size_t n;
  FILE *f;
} Buf;
static FILE *buf_open(Buf *b) { b->s = NULL, b->n = 0; return b->f = open_memstream(&b->s, &b->n); }
static char *buf_close(Buf *b) { return fclose(b->f) ? (free(b->s), NULL) : b->s; }

/* NumPy broadcasting of a and b into out; 1 when they do not broadcast. */
static int broadcast(Val *out, const Val *a, const Val *b) {
  int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
  for (int i = 0; i < nd; i++) {
    int ia = i - (nd - a->ndim), ib = i - (nd - b->ndim);
    int64_t da = ia >= 0 ? a->dim[ia] : 1, db = ib >= 0 ? b->dim[ib] : 1;
    if (da != db && da != 1 && db != 1) return 1;
    out->dim[i] = da > db ? da : db;
  }
  out->ndim = nd;
  return 0;
}

/* "P" of an initializer named "P.<suffix>" with P a state_dict name; NULL otherwise. */
static char *module_name(const Val *v, const char *suffix) {
  if (!v || !v->data || v->elem != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) return NULL;
  size_t n = strlen(v->name), s = strlen(suffix);
  if (n <= s + 1 || strcmp(v->name + n - s, suffix) || v->name[n - s - 1] != '.' || !state_dict_name(v->name, n - s - 1))
    return NULL;
  return strndup(v->name, n - s - 1);
}

/* The initializers w and b (bias == 2: b is the module's bias) as the parameters "P.weight" and
 * "P.bias" of the module P, which takes them: used again as tensors, they are an error (tensor). */
static int module_params(Ctx *c, const char *p, Val *w, Val *b, int bias) {
  char nm[256];
  snprintf(nm, sizeof nm, "%s.weight", p);
  int e = add_param(c, w, nm);
  if (!e && bias == 2) snprintf(nm, sizeof nm, "%s.bias", p), e = add_param(c, b, nm);
  w->lua = strdup("-");
  if (b) b->lua = strdup("-");
  return e;
}

static int bias_of(const Val *b, const char *prefix, int64_t n) {
  if (!b) return 1;
  char *p = module_name(b, "bias");
  int ok = p && strcmp(p, prefix) == 0 && b->ndim == 1 && b->dim[0] == n;
  free(p);
  return ok ? 2 : 0; /* 2: a bias of the module, 1: none, 0: not the module's */
}

static int op_gemm(Node *nd) {
  const Onnx__NodeProto *n = nd->n;
  Val *a = nd->in[0], *b = nd->in[1], *cv = nd->in[2];
  if (a->ndim != 2 || b->ndim != 2) return NERR(nd, "Gemm needs 2-D A and B");
  int ta = attr_i(n, "transA", 0) != 0, tb = attr_i(n, "transB", 0) != 0;
  double alpha = attr_f(n, "alpha", 1), beta = cv ? attr_f(n, "beta", 1) : 1;
  int64_t k = b->dim[tb ? 1 : 0], m = b->dim[tb ? 0 : 1];
  if (a->dim[ta ? 0 : 1] != k)
    return NERR(nd, "Gemm: A is %lldx%lld but B gives %lld rows", (long long)a->dim[0], (long long)a->dim[1], (long long)k);
  nd->out->ndim = 2, nd->out->dim[0] = a->dim[ta ? 1 : 0], nd->out->dim[1] = m;
  char *p = tb && !ta && alpha == 1 && beta == 1 && !b->lua ? module_name(b, "weight") : NULL;
  int bias = p ? bias_of(cv, p, m) : 0;
  if (p && bias && (!cv || !cv->lua)) { /* nn.Linear, named as the state_dict names it */
    const char *x = T(nd, 0);
    int e = !x || module_params(nd->c, p, b, cv, bias) ||
            assign(nd, "nn.Linear(%lld, %lld, {%sname = \"%s\"})(%s)", (long long)k, (long long)m,
                   bias == 2 ? "" : "bias = false, ", p, x);
    free(p);
    return e;
  }
  free(p);
  const char *x = T(nd, 0), *w = T(nd, 1), *bb = cv ? T(nd, 2) : NULL;
  if (!x || !w || (cv && !bb)) return 1;
  Val tmp;
  if (cv && (broadcast(&tmp, nd->out, cv) || tmp.ndim != 2 || tmp.dim[0] != nd->out->dim[0] || tmp.dim[1] != m))
    return NERR(nd, "Gemm: C does not broadcast to the %lldx%lld result", (long long)nd->out->dim[0], (long long)m);
  char al[40] = "", be[40] = "";
  if (alpha != 1) snprintf(al, sizeof al, "%.9g * ", alpha);
  if (beta != 1) snprintf(be, sizeof be, "%.9g * ", beta);
  return assign(nd, "%s%s%s:matmul(%s%s)%s%s%s", al, x, ta ? ":t()" : "", w, tb ? ":t()" : "", cv ? " + " : "", cv ? be : "", cv ? bb : "");
}

/* MatMul as NumPy's (both operands at least 2-D): the leading dims broadcast */
static int op_matmul(Node *nd) {
  Val *a = nd->in[0], *b = nd->in[1];
  if (a->ndim < 2 || b->ndim < 2 || a->dim[a->ndim - 1] != b->dim[b->ndim - 2])
    return NERR(nd, "MatMul: only operands of at least 2 dims, [..., n, k] x [..., k, m], are supported");
  Val la = *a, lb = *b;
  la.ndim -= 2, lb.ndim -= 2;
  if (broadcast(nd->out, &la, &lb)) return NERR(nd, "MatMul: the leading dims do not broadcast");
  nd->out->dim[nd->out->ndim++] = a->dim[a->ndim - 2];
  nd->out->dim[nd->out->ndim++] = b->dim[b->ndim - 1];
  const char *x = T(nd, 0), *w = T(nd, 1);
  return !x || !w || assign(nd, "%s:matmul(%s)", x, w);
}

static int op_binary(Node *nd, const char *op) {
  if (broadcast(nd->out, nd->in[0], nd->in[1])) return NERR(nd, "%s: the shapes do not broadcast", nd->n->op_type);
  const char *x = T(nd, 0), *y = T(nd, 1);
  return !x || !y || assign(nd, "%s %s %s", x, op, y);
}

static int op_unary(Node *nd, const char *method) {
  same_shape(nd->out, nd->in[0]);
  const char *x = T(nd, 0);
  return !x || assign(nd, "%s:%s()", x, method);
}

static int op_identity(Node *nd) {
  if (!strcmp(nd->n->op_type, "Dropout") && nd->n->n_output > 1 && nd->n->output[1][0])
    return NERR(nd, "Dropout's mask output is not supported (export in eval mode)");
  same_shape(nd->out, nd->in[0]);
  if (nd->in[0]->data && !nd->in[0]->constant) {
    /* an initializer under another name: torch.onnx.export keeps one of several equal
     * initializers (batch norms at their initial values) and names the others by Identity
     * nodes; each name is a parameter of its own, as in the module */
    nd->out->data = nd->in[0]->data, nd->out->elem = nd->in[0]->elem, nd->out->known = 1;
    return 0;
  }
  const char *x = T(nd, 0);
  nd->out->known = 1;
  return !x || !(nd->out->lua = strdup(x));
}

static int reshape_to(Node *nd, const int64_t *d, int nd_) {
  const Val *x = nd->in[0];
  if (nd_ < 1 || nd_ > RT_MAX_DIMS || numel(d, nd_) != numel(x->dim, x->ndim))
    return NERR(nd, "%s: the new shape does not hold the input's %lld elements", nd->n->op_type, (long long)numel(x->dim, x->ndim));
  nd->out->ndim = nd_;
  memcpy(nd->out->dim, d, sizeof(int64_t) * (size_t)nd_);
  const char *xs = T(nd, 0);
  if (!xs) return 1;
  char buf[RT_MAX_DIMS * 24] = "";
  for (int i = 0; i < nd_; i++) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%lld", i ? ", " : "", (long long)d[i]);
  return assign(nd, "%s:reshape(%s)", xs, buf);
}

static int op_flatten(Node *nd) {
  const Val *x = nd->in[0];
  int64_t ax = attr_i(nd->n, "axis", 1);
  if (ax < 0) ax += x->ndim;
  if (ax < 0 || ax > x->ndim) return NERR(nd, "Flatten: axis %lld is out of range", (long long)attr_i(nd->n, "axis", 1));
  int64_t d[2] = {numel(x->dim, (int)ax), numel(x->dim + ax, x->ndim - (int)ax)};
  return reshape_to(nd, d, 2);
}

static int op_reshape(Node *nd) {
  const Val *x = nd->in[0], *s = nd->in[1];
  if (!is_ints(s) || s->ndim != 1 || s->dim[0] > RT_MAX_DIMS)
    return NERR(nd, "Reshape: the shape must be an INT64 vector of at most %d values known at import (a constant, "
                "or computed from shapes)", RT_MAX_DIMS);
  int64_t d[RT_MAX_DIMS], known = 1;
  int infer = -1, r = (int)s->dim[0];
  for (int i = 0; i < r; i++) {
    d[i] = ival(s, i);
    if (d[i] == 0 && !attr_i(nd->n, "allowzero", 0) && i < x->ndim) d[i] = x->dim[i];
    if (d[i] == -1 && infer < 0) infer = i;
    else if (d[i] < 1 || d[i] > MAX_DIM) return NERR(nd, "Reshape: size %lld at position %d is not supported", (long long)d[i], i);
    else known *= d[i];
  }
  if (infer >= 0) d[infer] = numel(x->dim, x->ndim) / known;
  return reshape_to(nd, d, r);
}

/* the 2-D window attributes of Conv and the pools, checked as nn.lua checks them */
static int window(Node *nd, int64_t k[2], int64_t s[2], int64_t p[2]) {
  const Onnx__NodeProto *n = nd->n;
  const Val *x = nd->in[0];
  int64_t pads[4] = {0, 0, 0, 0}, dil[2] = {1, 1};
  s[0] = s[1] = 1;
  const Onnx__AttributeProto *ap = attr(n, "auto_pad");
  if (x->ndim != 4) return NERR(nd, "%s: only 2-D (NCHW) inputs are supported", n->op_type);
  if ((ap && ap->has_s && ap->s.len && (ap->s.len != 6 || memcmp(ap->s.data, "NOTSET", 6))) ||
      attr_ints(n, "strides", s, 2) < 0 || attr_ints(n, "pads", pads, 4) < 0 || attr_ints(n, "dilations", dil, 2) < 0 ||
      dil[0] != 1 || dil[1] != 1 || attr_i(n, "ceil_mode", 0) || pads[0] != pads[2] || pads[1] != pads[3])
    return NERR(nd, "%s: only explicit symmetric pads, no dilation and ceil_mode 0 are supported", n->op_type);
  for (int i = 0; i < 2; i++) {
    p[i] = pads[i];
    if (k[i] < 1 || k[i] > MAX_DIM || s[i] < 1 || s[i] > MAX_DIM || p[i] < 0 || 2 * p[i] > k[i])
      return NERR(nd, "%s: kernel %lld, stride %lld, padding %lld: padding must be at most half the kernel", n->op_type,
                  (long long)k[i], (long long)s[i], (long long)p[i]);
    if (x->dim[2 + i] + 2 * p[i] < k[i]) return NERR(nd, "%s: the kernel is larger than the padded input", n->op_type);
  }
  same_shape(nd->out, x);
  for (int i = 0; i < 2; i++) nd->out->dim[2 + i] = (x->dim[2 + i] + 2 * p[i] - k[i]) / s[i] + 1;
  return 0;
}

static int op_conv(Node *nd) {
  const Onnx__NodeProto *n = nd->n;
  Val *w = nd->in[1], *b = nd->in[2];
  char *p = w->lua ? NULL : module_name(w, "weight");
  if (!p || w->ndim != 4) { free(p); return NERR(nd, "Conv: the weight must be an initializer named \"<module>.weight\" used once (as torch.onnx.export names them)"); }
  int64_t k[2] = {w->dim[2], w->dim[3]}, ks[2] = {k[0], k[1]}, s[2], pad[2];
  int bias = bias_of(b, p, w->dim[0]);
  int e = attr_i(n, "group", 1) != 1 ? NERR(nd, "Conv: only group = 1 is supported so far")
        : attr_ints(n, "kernel_shape", ks, 2) < 0 || ks[0] != k[0] || ks[1] != k[1] ? NERR(nd, "Conv: kernel_shape differs from the weight's")
        : !bias ? NERR(nd, "Conv: the bias must be the initializer \"%s.bias\"", p)
        : nd->in[0]->ndim == 4 && nd->in[0]->dim[1] != w->dim[1] ? NERR(nd, "Conv: the input has %lld channels, the weight %lld", (long long)nd->in[0]->dim[1], (long long)w->dim[1])
        : window(nd, k, s, pad);
  if (!e) {
    nd->out->dim[1] = w->dim[0];
    const char *x = T(nd, 0);
    e = !x || module_params(nd->c, p, w, b, bias) ||
        assign(nd, "nn.Conv2d(%lld, %lld, {%lld, %lld}, {stride = {%lld, %lld}, padding = {%lld, %lld}, %sname = \"%s\"})(%s)",
               (long long)w->dim[1], (long long)w->dim[0], (long long)k[0], (long long)k[1], (long long)s[0],
               (long long)s[1], (long long)pad[0], (long long)pad[1], bias == 2 ? "" : "bias = false, ", p, x);
  }
  free(p);
  return e;
}

static int op_pool(Node *nd, const char *module) {
  const Onnx__NodeProto *n = nd->n;
  int64_t k[2], s[2], p[2];
  if (attr_ints(n, "kernel_shape", k, 2)) return NERR(nd, "%s: kernel_shape must be 2 values", n->op_type);
  if (n->n_output > 1 && n->output[1][0]) return NERR(nd, "MaxPool's Indices output is not supported");
  if (window(nd, k, s, p)) return 1;
  if (!strcmp(module, "AvgPool2d") && (p[0] || p[1]) && !attr_i(n, "count_include_pad", 0))
    return NERR(nd, "AveragePool with pads and count_include_pad = 0 is not supported (dlc's AvgPool2d counts the padding)");
  const char *x = T(nd, 0);
  return !x || assign(nd, "nn.%s({%lld, %lld}, {stride = {%lld, %lld}, padding = {%lld, %lld}})(%s)", module,
                      (long long)k[0], (long long)k[1], (long long)s[0], (long long)s[1], (long long)p[0], (long long)p[1], x);
}

static int op_constant(Node *nd) {
  const Onnx__AttributeProto *a = attr(nd->n, "value");
  if (!a || !a->t || nd->n->n_attribute != 1) return NERR(nd, "Constant: only a 'value' tensor is supported");
  nd->out->constant = 1;
  return check_tensor(nd->c, a->t, nd->out, nd->k, nd->n);
}

/* ---- shapes as values ---------------------------------------------------------------------- */

static int op_shape(Node *nd) {
  const Val *x = nd->in[0];
  int64_t r = x->ndim, st = attr_i(nd->n, "start", 0), en = attr_i(nd->n, "end", r);
  st = st < 0 ? st + r : st, en = en < 0 ? en + r : en;
  st = st < 0 ? 0 : st > r ? r : st, en = en < st ? st : en > r ? r : en;
  int64_t d = en - st;
  return set_ints(nd, x->dim + st, 1, &d);
}

/* Unsqueeze and Squeeze: the new shape from the axes; INT64 values keep their values, tensors
 * are reshaped. */
static int op_unsqueeze(Node *nd) {
  const Val *x = nd->in[0];
  int squeeze = !strcmp(nd->n->op_type, "Squeeze");
  int64_t ax[RT_MAX_DIMS], d[RT_MAX_DIMS];
  int na = axes_of(nd, ax, RT_MAX_DIMS), r = x->ndim, on = 0;
  if (na < 0) return 1;
  int rank = squeeze ? r : r + na, mark[RT_MAX_DIMS] = {0};
  if (rank > RT_MAX_DIMS) return NERR(nd, "Unsqueeze: more than %d dimensions", RT_MAX_DIMS);
  if (!squeeze && !na) return NERR(nd, "Unsqueeze needs axes");
  for (int i = 0; i < na; i++) {
    int64_t a = axis_of(nd, ax[i], rank);
    if (a < 0) return 1;
    if (mark[a]) return NERR(nd, "%s: axis %lld given twice", nd->n->op_type, (long long)ax[i]);
    if (squeeze && x->dim[a] != 1) return NERR(nd, "Squeeze: dimension %lld has size %lld, not 1", (long long)ax[i], (long long)x->dim[a]);
    mark[a] = 1;
  }
  for (int i = 0, k = 0; i < rank; i++) {
    if (squeeze) {
      if (!(na ? mark[i] : x->dim[i] == 1)) d[on++] = x->dim[i];
    } else {
      d[on++] = mark[i] ? 1 : x->dim[k++];
    }
  }
  if (is_ints(x)) {
    int64_t *v = ints_of(nd, x, "the input");
    int e = !v || set_ints(nd, v, on, d);
    free(v);
    return e;
  }
  if (!on) return NERR(nd, "Squeeze to a scalar is not supported");
  return reshape_to(nd, d, on);
}

static int op_cast(Node *nd) {
  int64_t to = attr_i(nd->n, "to", 0);
  const Val *x = nd->in[0];
  int from = is_ints(x) ? ONNX__TENSOR_PROTO__DATA_TYPE__INT64 : ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  if (to != from) return NERR(nd, "Cast from type %d to %lld: only a Cast that changes nothing is supported", from, (long long)to);
  if (from == ONNX__TENSOR_PROTO__DATA_TYPE__INT64) {
    int64_t *v = ints_of(nd, x, "the input");
    int e = !v || set_ints(nd, v, x->ndim, x->dim);
    free(v);
    return e;
  }
  same_shape(nd->out, x);
  const char *xs = T(nd, 0);
  nd->out->known = 1;
  return !xs || !(nd->out->lua = strdup(xs));
}

/* Gather along axis with indices known at import: INT64 values are indexed here; a tensor gives
 * x:select (a scalar index) or dlc.cat of x:narrow (a vector of indices). */
static int op_gather(Node *nd) {
  const Val *x = nd->in[0], *ix = nd->in[1];
  int64_t ax = axis_of(nd, attr_i(nd->n, "axis", 0), x->ndim);
  if (ax < 0) return 1;
  if (ix->elem == INT_TENSOR) { /* rows of an initializer "P.weight" by an input's indices: nn.Embedding */
    Val *w = nd->in[0];
    char *p = w->lua ? NULL : module_name(w, "weight");
    if (!p || w->ndim != 2 || ax != 0 || ix->ndim + 1 > RT_MAX_DIMS) {
      free(p);
      return NERR(nd, "Gather by an integer input: only the rows (axis 0) of a 2-D initializer named \"<module>.weight\" "
                      "used once (nn.Embedding, as torch.onnx.export names it)");
    }
    Val *o = nd->out;
    same_shape(o, ix);
    o->dim[o->ndim++] = w->dim[1];
    const char *is = T(nd, 1);
    int e = !is || module_params(nd->c, p, w, NULL, 1) ||
            assign(nd, "nn.Embedding(%lld, %lld, {name = \"%s\"})(%s)", (long long)w->dim[0], (long long)w->dim[1], p, is);
    free(p);
    return e;
  }
  int64_t *k = ints_of(nd, ix, "the indices");
  if (!k) return 1;
  int64_t ni = numel(ix->dim, ix->ndim), size = x->dim[ax];
  int e = 0;
  for (int64_t i = 0; i < ni && !e; i++) {
    if (k[i] < -size || k[i] >= size) e = NERR(nd, "Gather: index %lld is out of range for size %lld", (long long)k[i], (long long)size);
    k[i] = k[i] < 0 ? k[i] + size : k[i];
  }
  if (!e && is_ints(x)) {
    if (x->ndim != 1) {
      e = NERR(nd, "Gather on INT64 values: only 1-D data is supported");
    } else {
      int64_t *out = malloc(sizeof(int64_t) * (size_t)(ni ? ni : 1));
      for (int64_t i = 0; out && i < ni; i++) out[i] = ival(x, k[i]);
      e = !out || set_ints(nd, out, ix->ndim, ix->dim);
      free(out);
    }
  } else if (!e && ix->ndim > 1) {
    e = NERR(nd, "Gather: indices of more than one dimension are not supported");
  } else if (!e && ix->ndim == 1 && ni > 64) {
    e = NERR(nd, "Gather: more than 64 indices are not supported");
  } else if (!e) {
    const char *xs = T(nd, 0);
    Val *o = nd->out;
    same_shape(o, x);
    if (!xs) {
      e = 1;
    } else if (ix->ndim == 0) {
      for (int i = (int)ax; i + 1 < x->ndim; i++) o->dim[i] = x->dim[i + 1];
      o->ndim--;
      e = !o->ndim ? NERR(nd, "Gather to a scalar is not supported") : assign(nd, "%s:select(%lld, %lld)", xs, (long long)ax + 1, (long long)k[0] + 1);
    } else {
      o->dim[ax] = ni;
      Buf b;
      if (!buf_open(&b)) { free(k); return 1; }
      for (int64_t i = 0; i < ni; i++) fprintf(b.f, "%s%s:narrow(%lld, %lld, 1)", i ? ", " : "", xs, (long long)ax + 1, (long long)k[i] + 1);
      char *list = buf_close(&b);
      e = !list || assign(nd, "dlc.cat({%s}, %lld)", list, (long long)ax + 1);
      free(list);
    }
  }
  free(k);
  return e;
}

/* Concat: of INT64 vectors, here; of tensors, dlc.cat. */
static int op_concat(Node *nd) {
  const Onnx__NodeProto *n = nd->n;
  const Val *x = nd->in[0];
  if (!attr(n, "axis")) return NERR(nd, "Concat needs an axis");
  int64_t ax = axis_of(nd, attr_i(n, "axis", 0), x->ndim);
  if (ax < 0) return 1;
  int ints = is_ints(x);
  Val *o = nd->out;
  same_shape(o, x);
  o->dim[ax] = 0;
  for (size_t i = 0; i < n->n_input; i++) {
    const Val *v = input_at(nd, i);
    if (!v) return NERR(nd, "Concat: input %zu is missing", i);
    if (is_ints(v) != ints) return NERR(nd, "Concat of INT64 values and tensors");
    if (v->ndim != x->ndim) return NERR(nd, "Concat: input %zu has rank %d, input 0 rank %d", i, v->ndim, x->ndim);
    for (int d = 0; d < x->ndim; d++)
      if (d != ax && v->dim[d] != x->dim[d]) return NERR(nd, "Concat: input %zu differs from input 0 in dimension %d", i, d);
    if ((o->dim[ax] += v->dim[ax]) > MAX_DIM) return NERR(nd, "Concat: the result is too large");
  }
  if (ints) {
    if (x->ndim != 1 || o->dim[0] > MAX_IVALS) return NERR(nd, "Concat of INT64 values: only vectors (of at most %d values)", MAX_IVALS);
    int64_t vals[MAX_IVALS], at = 0;
    for (size_t i = 0; i < n->n_input; i++) {
      const Val *v = input_at(nd, i);
      for (int64_t j = 0; j < v->dim[0]; j++) vals[at++] = ival(v, j);
    }
    return set_ints(nd, vals, 1, o->dim);
  }
  Buf b;
  if (!buf_open(&b)) return 1;
  int e = 0;
  for (size_t i = 0; i < n->n_input && !e; i++) {
    const char *vs = tensor(nd->c, input_at(nd, i), nd->k, n);
    if (!vs) e = 1;
    else fprintf(b.f, "%s%s", i ? ", " : "", vs);
  }
  char *list = buf_close(&b);
  e = e || !list || assign(nd, "dlc.cat({%s}, %lld)", list, (long long)ax + 1);
  free(list);
  return e;
}

/* Slice with starts, ends, axes and steps known at import (inputs from opset 10, attributes
 * before); step 1 only.  A tensor becomes x:narrow per sliced axis. */
static int op_slice(Node *nd) {
  const Onnx__NodeProto *n = nd->n;
  const Val *x = nd->in[0];
  int64_t st[RT_MAX_DIMS], en[RT_MAX_DIMS], ax[RT_MAX_DIMS], cnt;
  if (nd->c->opset < 10) {
    const Onnx__AttributeProto *as = attr(n, "starts"), *ae = attr(n, "ends"), *aa = attr(n, "axes");
    if (!as || !ae || as->n_ints != ae->n_ints || as->n_ints > RT_MAX_DIMS || (aa && aa->n_ints != as->n_ints))
      return NERR(nd, "Slice: starts, ends (and axes) must be given, of one length");
    cnt = (int64_t)as->n_ints;
    for (int64_t i = 0; i < cnt; i++) st[i] = as->ints[i], en[i] = ae->ints[i], ax[i] = aa ? aa->ints[i] : i;
  } else {
    const Val *vs = input_at(nd, 1), *ve = input_at(nd, 2), *va = input_at(nd, 3), *vp = input_at(nd, 4);
    if (!vs || !ve) return NERR(nd, "Slice needs starts and ends");
    cnt = numel(vs->dim, vs->ndim);
    if (vs->ndim != 1 || ve->ndim != 1 || ve->dim[0] != cnt || cnt > RT_MAX_DIMS || (va && (va->ndim != 1 || va->dim[0] != cnt)) ||
        (vp && (vp->ndim != 1 || vp->dim[0] != cnt)))
      return NERR(nd, "Slice: starts, ends, axes and steps must be vectors of one length (at most %d)", RT_MAX_DIMS);
    int64_t *s = ints_of(nd, vs, "starts"), *e = s ? ints_of(nd, ve, "ends") : NULL;
    int64_t *a = e && va ? ints_of(nd, va, "axes") : NULL, *p = e && vp ? ints_of(nd, vp, "steps") : NULL;
    int bad = !s || !e || (va && !a) || (vp && !p);
    for (int64_t i = 0; !bad && i < cnt; i++) {
      st[i] = s[i], en[i] = e[i], ax[i] = a ? a[i] : i;
      if (p && p[i] != 1) bad = NERR(nd, "Slice: only step 1 is supported");
    }
    free(s), free(e), free(a), free(p);
    if (bad) return 1;
  }
  int64_t from[RT_MAX_DIMS], len[RT_MAX_DIMS];
  for (int d = 0; d < x->ndim; d++) from[d] = 0, len[d] = x->dim[d];
  int seen[RT_MAX_DIMS] = {0};
  for (int64_t i = 0; i < cnt; i++) {
    int64_t a = axis_of(nd, ax[i], x->ndim), dim;
    if (a < 0) return 1;
    if (seen[a]++) return NERR(nd, "Slice: axis %lld given twice", (long long)ax[i]);
    dim = x->dim[a];
    int64_t s = st[i] < 0 ? st[i] + dim : st[i], e = en[i] < 0 ? en[i] + dim : en[i];
    s = s < 0 ? 0 : s > dim ? dim : s, e = e < 0 ? 0 : e > dim ? dim : e;
    if (e <= s) return NERR(nd, "Slice: an empty result (axis %lld, %lld..%lld)", (long long)ax[i], (long long)st[i], (long long)en[i]);
    from[a] = s, len[a] = e - s;
  }
  Val *o = nd->out;
  same_shape(o, x);
  for (int d = 0; d < x->ndim; d++) o->dim[d] = len[d];
  if (is_ints(x)) {
    if (x->ndim != 1) return NERR(nd, "Slice of INT64 values: only vectors");
    int64_t *v = ints_of(nd, x, "the input");
    int e = !v || set_ints(nd, v + from[0], 1, len);
    free(v);
    return e;
  }
  const char *xs = T(nd, 0);
  if (!xs) return 1;
  Buf b;
  if (!buf_open(&b)) return 1;
  fputs(xs, b.f);
  for (int d = 0; d < x->ndim; d++)
    if (len[d] != x->dim[d]) fprintf(b.f, ":narrow(%d, %lld, %lld)", d + 1, (long long)from[d] + 1, (long long)len[d]);
  char *e = buf_close(&b);
  int r = !e || assign(nd, "%s", e);
  free(e);
  return r;
}

/* ---- tensor ops ------------------------------------------------------------------------------ */

static int op_softmax(Node *nd, const char *method) {
  const Val *x = nd->in[0];
  int64_t dflt = nd->c->opset >= 13 ? -1 : 1, ax = axis_of(nd, attr_i(nd->n, "axis", dflt), x->ndim);
  if (ax < 0) return 1;
  if (nd->c->opset < 13 && ax != x->ndim - 1)
    return NERR(nd, "%s before opset 13 flattens the dims from axis on: only the last axis is supported", nd->n->op_type);
  same_shape(nd->out, x);
  const char *xs = T(nd, 0);
  return !xs || assign(nd, "%s:%s(%lld)", xs, method, (long long)ax + 1);
}

/* LeakyRelu, Elu, Gelu: the nn module with the node's attributes */
static int op_activation(Node *nd) {
  const char *op = nd->n->op_type, *xs;
  same_shape(nd->out, nd->in[0]);
  if (!(xs = T(nd, 0))) return 1;
  if (!strcmp(op, "LeakyRelu")) return assign(nd, "nn.LeakyReLU(%.7g)(%s)", (double)attr_f(nd->n, "alpha", 0.01f), xs);
  if (!strcmp(op, "Elu")) return assign(nd, "nn.ELU(%.7g)(%s)", (double)attr_f(nd->n, "alpha", 1), xs);
  const Onnx__AttributeProto *a = attr(nd->n, "approximate");
  int tanh_ = a && a->has_s && a->s.len == 4 && !memcmp(a->s.data, "tanh", 4);
  if (a && a->has_s && !tanh_ && !(a->s.len == 4 && !memcmp(a->s.data, "none", 4)))
    return NERR(nd, "Gelu: approximate must be \"none\" or \"tanh\"");
  return assign(nd, "nn.GELU(%s)(%s)", tanh_ ? "{approximate = \"tanh\"}" : "", xs);
}

/* PRelu(x, slope), the slope broadcast to x: relu(x) - slope * relu(-x) */
static int op_prelu(Node *nd) {
  Val tmp;
  if (broadcast(&tmp, nd->in[0], nd->in[1]) || tmp.ndim != nd->in[0]->ndim || memcmp(tmp.dim, nd->in[0]->dim, sizeof(int64_t) * (size_t)tmp.ndim))
    return NERR(nd, "PRelu: the slope does not broadcast to the input");
  same_shape(nd->out, nd->in[0]);
  const char *x = T(nd, 0), *a = T(nd, 1);
  return !x || !a || assign(nd, "%s:relu() - %s * (-%s):relu()", x, a, x);
}

static int op_transpose(Node *nd) {
  const Val *x = nd->in[0];
  int64_t perm[RT_MAX_DIMS];
  int r = x->ndim, seen[RT_MAX_DIMS] = {0};
  for (int i = 0; i < r; i++) perm[i] = r - 1 - i;
  if (attr_ints(nd->n, "perm", perm, (size_t)r) < 0) return NERR(nd, "Transpose: perm must have %d values", r);
  for (int i = 0; i < r; i++) {
    if (perm[i] < 0 || perm[i] >= r || seen[perm[i]]++) return NERR(nd, "Transpose: perm is not a permutation of 0..%d", r - 1);
  }
  Val *o = nd->out;
  o->ndim = r;
  char list[RT_MAX_DIMS * 8] = "";
  for (int i = 0; i < r; i++) {
    o->dim[i] = x->dim[perm[i]];
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%lld", i ? ", " : "", (long long)perm[i] + 1);
  }
  const char *xs = T(nd, 0);
  return !xs || assign(nd, "%s:permute(%s)", xs, list);
}

/* GlobalAveragePool, ReduceMean, ReduceSum: x:mean / x:sum over dims */
static int op_reduce(Node *nd, const char *method) {
  const Val *x = nd->in[0];
  int64_t ax[RT_MAX_DIMS];
  int global = !strcmp(nd->n->op_type, "GlobalAveragePool"), na, keep = global || attr_i(nd->n, "keepdims", 1) != 0;
  int mark[RT_MAX_DIMS] = {0};
  if (global) {
    if (x->ndim < 3) return NERR(nd, "GlobalAveragePool needs [N, C, ...]");
    na = 0;
    for (int d = 2; d < x->ndim; d++) ax[na++] = d;
  } else if ((na = axes_of(nd, ax, RT_MAX_DIMS)) < 0) {
    return 1;
  }
  if (!na && attr_i(nd->n, "noop_with_empty_axes", 0)) return op_identity(nd);
  if (!na)
    for (int d = 0; d < x->ndim; d++) ax[na++] = d;
  char list[RT_MAX_DIMS * 8] = "";
  for (int i = 0; i < na; i++) {
    int64_t a = axis_of(nd, ax[i], x->ndim);
    if (a < 0) return 1;
    if (mark[a]++) return NERR(nd, "%s: axis %lld given twice", nd->n->op_type, (long long)ax[i]);
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%lld", i ? ", " : "", (long long)a + 1);
  }
  Val *o = nd->out;
  o->ndim = 0;
  for (int d = 0; d < x->ndim; d++)
    if (!mark[d] || keep) o->dim[o->ndim++] = mark[d] ? 1 : x->dim[d];
  if (!o->ndim) return NERR(nd, "%s to a scalar is not supported (keepdims = 0 over every axis)", nd->n->op_type);
  const char *xs = T(nd, 0);
  if (!xs) return 1;
  if (strcmp(method, "max") && strcmp(method, "min")) return assign(nd, "%s:%s({%s}, %s)", xs, method, list, keep ? "true" : "false");
  /* max and min take one dim: one call per axis, keeping them, then the shape */
  Buf b;
  if (!buf_open(&b)) return 1;
  fputs(xs, b.f);
  for (int d = 0; d < x->ndim; d++)
    if (mark[d]) fprintf(b.f, ":%s(%d, true)", method, d + 1);
  if (!keep) {
    fputs(":reshape(", b.f);
    for (int d = 0; d < o->ndim; d++) fprintf(b.f, "%s%lld", d ? ", " : "", (long long)o->dim[d]);
    fputc(')', b.f);
  }
  char *e = buf_close(&b);
  int r = !e || assign(nd, "%s", e);
  free(e);
  return r;
}

/* Split along axis into parts given (attribute before opset 13, input after) or equal
 * (num_outputs, opset 18, or the number of outputs): each output x:narrow */
static int op_split(Node *nd) {
  const Onnx__NodeProto *n = nd->n;
  const Val *x = nd->in[0];
  int64_t ax = axis_of(nd, attr_i(n, "axis", 0), x->ndim), parts[64];
  if (ax < 0) return 1;
  size_t no = n->n_output;
  if (no < 1 || no > 64) return NERR(nd, "Split: 1 to 64 outputs are supported");
  const Onnx__AttributeProto *a = attr(n, "split");
  const Val *sv = input_at(nd, 1);
  int64_t size = x->dim[ax], sum = 0;
  if (a || sv) {
    int64_t *v = sv ? ints_of(nd, sv, "split") : NULL;
    size_t cnt = sv ? (size_t)numel(sv->dim, sv->ndim) : a->n_ints;
    if (sv && !v) return 1;
    if (cnt != no) { free(v); return NERR(nd, "Split: %zu sizes for %zu outputs", cnt, no); }
    for (size_t i = 0; i < no; i++) parts[i] = sv ? v[i] : a->ints[i];
    free(v);
  } else {
    int64_t step = (size + (int64_t)no - 1) / (int64_t)no; /* as torch.chunk / ONNX: the last may be smaller */
    for (size_t i = 0; i < no; i++) parts[i] = size - (int64_t)i * step < step ? size - (int64_t)i * step : step;
  }
  for (size_t i = 0; i < no; i++) {
    if (parts[i] < 1 || parts[i] > size) return NERR(nd, "Split: part %zu has size %lld", i, (long long)parts[i]);
    sum += parts[i];
  }
  if (sum != size) return NERR(nd, "Split: the parts sum to %lld, the axis has %lld", (long long)sum, (long long)size);
  const char *xs = T(nd, 0);
  if (!xs) return 1;
  for (size_t i = 0, at = 0; i < no; at += (size_t)parts[i], i++) {
    if (!n->output[i][0]) continue;
    int vi = find(nd->c, n->output[i]);
    if (vi < 0) continue;
    Val *o = &nd->c->vals[vi];
    same_shape(o, x);
    o->dim[ax] = parts[i];
    Buf b; /* xs may be a long expression: no fixed buffer to cut it */
    if (!buf_open(&b)) return 1;
    fprintf(b.f, "%s:narrow(%lld, %zu, %lld)", xs, (long long)ax + 1, at + 1, (long long)parts[i]);
    o->known = 1;
    if (!(o->lua = buf_close(&b))) return 1;
  }
  return 0;
}

/* BatchNormalization with PyTorch's names (P.weight, P.bias, P.running_mean, P.running_var)
 * becomes nn.BatchNorm1d/2d named P: trained with batch statistics, the running ones updated. */
static int op_batchnorm(Node *nd) {
  const Onnx__NodeProto *n = nd->n;
  const Val *x = nd->in[0];
  Val *v[4] = {nd->in[1], nd->in[2], input_at(nd, 3), input_at(nd, 4)};
  static const char *suffix[4] = {"weight", "bias", "running_mean", "running_var"};
  if (n->n_output > 1) return NERR(nd, "BatchNormalization with running-statistics outputs (training_mode export) is not supported: export with training=TrainingMode.PRESERVE in eval mode");
  if (x->ndim < 2 || x->ndim > 4) return NERR(nd, "BatchNormalization: only [N, C], [N, C, L] and [N, C, H, W] inputs");
  char *p = module_name(v[0], "weight");
  int e = !p;
  for (int i = 0; i < 4 && !e; i++) {
    char *q = module_name(v[i], suffix[i]);
    e = !q || strcmp(q, p) || v[i]->lua || v[i]->ndim != 1 || v[i]->dim[0] != x->dim[1];
    free(q);
  }
  if (e) {
    free(p);
    return NERR(nd, "BatchNormalization: scale, B, mean and var must be initializers named \"<module>.weight\", \".bias\", "
                    "\".running_mean\" and \".running_var\" of %lld values, used once (as torch.onnx.export names them)", (long long)x->dim[1]);
  }
  same_shape(nd->out, x);
  const char *xs = T(nd, 0);
  e = !xs;
  for (int i = 0; i < 4 && !e; i++) {
    char nm[256];
    snprintf(nm, sizeof nm, "%s.%s", p, suffix[i]);
    e = add_param(nd->c, v[i], nm);
    v[i]->lua = strdup("-");
  }
  e = e || assign(nd, "nn.BatchNorm%dd(%lld, {eps = %.7g, momentum = %.7g, name = \"%s\"})(%s)", x->ndim == 4 ? 2 : 1,
                  (long long)x->dim[1], (double)attr_f(n, "epsilon", 1e-5f), 1 - (double)attr_f(n, "momentum", 0.9f), p, xs);
  free(p);
  return e;
}

/* LayerNormalization (opset 17) over the dims from axis on: nn.LayerNorm named P when scale and
 * B are "P.weight" and "P.bias" (B may be absent: bias = false). */
static int op_layernorm(Node *nd) {
  const Onnx__NodeProto *n = nd->n;
  const Val *x = nd->in[0];
  Val *w = nd->in[1], *b = nd->in[2];
  int64_t ax = axis_of(nd, attr_i(n, "axis", -1), x->ndim);
  if (ax < 0) return 1;
  for (size_t i = 1; i < n->n_output; i++)
    if (n->output[i][0]) return NERR(nd, "LayerNormalization's Mean and InvStdDev outputs are not supported");
  char *p = w->lua ? NULL : module_name(w, "weight");
  int bias = p ? bias_of(b, p, 0) : 0, ok = p && w->ndim == x->ndim - ax && !memcmp(w->dim, x->dim + ax, sizeof(int64_t) * (size_t)w->ndim);
  if (bias == 2 || (b && !bias)) { /* bias_of checked a 1-D bias of n values; here it has w's shape */
    char *q = module_name(b, "bias");
    bias = q && p && !strcmp(q, p) && !b->lua && b->ndim == w->ndim && !memcmp(b->dim, w->dim, sizeof(int64_t) * (size_t)w->ndim) ? 2 : 0;
    free(q);
  }
  if (!ok || !bias) {
    free(p);
    return NERR(nd, "LayerNormalization: Scale (and B) must be initializers named \"<module>.weight\" (and \".bias\") of the "
                    "normalized shape, used once (as torch.onnx.export names them)");
  }
  same_shape(nd->out, x);
  const char *xs = T(nd, 0);
  char shape[RT_MAX_DIMS * 24] = "";
  for (int d = (int)ax; d < x->ndim; d++)
    snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%lld", d > ax ? ", " : "", (long long)x->dim[d]);
  int e = !xs || module_params(nd->c, p, w, b, bias) ||
          assign(nd, "nn.LayerNorm({%s}, {eps = %.7g, %sname = \"%s\"})(%s)", shape, (double)attr_f(n, "epsilon", 1e-5f),
                 bias == 2 ? "" : "bias = false, ", p, xs);
  free(p);
  return e;
}

/* ConvTranspose (2-D, group 1, symmetric pads, no output_shape): nn.ConvTranspose2d named P */
static int op_convtranspose(Node *nd) {
  const Onnx__NodeProto *n = nd->n;
  const Val *x = nd->in[0];
  Val *w = nd->in[1], *b = nd->in[2];
  char *p = w->lua ? NULL : module_name(w, "weight");
  if (!p || w->ndim != 4) { free(p); return NERR(nd, "ConvTranspose: the weight must be an initializer named \"<module>.weight\" used once (as torch.onnx.export names them)"); }
  int64_t k[2] = {w->dim[2], w->dim[3]}, ks[2] = {k[0], k[1]}, s[2] = {1, 1}, pads[4] = {0, 0, 0, 0}, op[2] = {0, 0}, dil[2] = {1, 1};
  const Onnx__AttributeProto *ap = attr(n, "auto_pad");
  int bias = bias_of(b, p, w->dim[1]);
  int e = x->ndim != 4 ? NERR(nd, "ConvTranspose: only 2-D (NCHW) inputs are supported")
        : attr_i(n, "group", 1) != 1 ? NERR(nd, "ConvTranspose: only group = 1 is supported so far")
        : attr(n, "output_shape") ? NERR(nd, "ConvTranspose: output_shape is not supported (give pads and output_padding)")
        : (ap && ap->has_s && ap->s.len && (ap->s.len != 6 || memcmp(ap->s.data, "NOTSET", 6))) || attr_ints(n, "strides", s, 2) < 0 ||
              attr_ints(n, "pads", pads, 4) < 0 || attr_ints(n, "output_padding", op, 2) < 0 || attr_ints(n, "dilations", dil, 2) < 0 ||
              attr_ints(n, "kernel_shape", ks, 2) < 0 || ks[0] != k[0] || ks[1] != k[1] || dil[0] != 1 || dil[1] != 1 ||
              pads[0] != pads[2] || pads[1] != pads[3]
            ? NERR(nd, "ConvTranspose: only explicit symmetric pads, no dilation, and kernel_shape as the weight's are supported")
        : !bias ? NERR(nd, "ConvTranspose: the bias must be the initializer \"%s.bias\"", p)
        : x->dim[1] != w->dim[0] ? NERR(nd, "ConvTranspose: the input has %lld channels, the weight %lld", (long long)x->dim[1], (long long)w->dim[0])
        : 0;
  for (int i = 0; i < 2 && !e; i++) {
    int64_t out = (x->dim[2 + i] - 1) * s[i] - 2 * pads[i] + k[i] + op[i];
    if (s[i] < 1 || s[i] > MAX_DIM || pads[i] < 0 || op[i] < 0 || op[i] >= s[i] || 2 * pads[i] >= k[i] + op[i] || out < 1 || out > MAX_DIM)
      e = NERR(nd, "ConvTranspose: stride %lld, pads %lld, output_padding %lld are not supported for kernel %lld", (long long)s[i],
               (long long)pads[i], (long long)op[i], (long long)k[i]);
    nd->out->dim[2 + i] = out;
  }
  if (!e) {
    nd->out->ndim = 4, nd->out->dim[0] = x->dim[0], nd->out->dim[1] = w->dim[1];
    const char *xs = T(nd, 0);
    e = !xs || module_params(nd->c, p, w, b, bias) ||
        assign(nd, "nn.ConvTranspose2d(%lld, %lld, {%lld, %lld}, {stride = {%lld, %lld}, padding = {%lld, %lld}, "
                   "output_padding = {%lld, %lld}, %sname = \"%s\"})(%s)",
               (long long)w->dim[0], (long long)w->dim[1], (long long)k[0], (long long)k[1], (long long)s[0], (long long)s[1],
               (long long)pads[0], (long long)pads[1], (long long)op[0], (long long)op[1], bias == 2 ? "" : "bias = false, ", p, xs);
  }
  free(p);
  return e;
}

/* ---- recurrent layers ------------------------------------------------------------------------
 * LSTM, GRU and RNN nodes (one layer, forward or bidirectional, layout 0: [T, N, I]) become
 * nn.LSTM / nn.GRU / nn.RNN named after the node's scope ("/rnn/LSTM" -> "rnn").  Their weights:
 * the initializers P.weight_ih_l0, P.weight_hh_l0, P.bias_ih_l0, P.bias_hh_l0 (and _reverse)
 * when the file has them -- torch.onnx.export without constant folding keeps them and computes
 * W, R and B from them by Slice and Concat nodes, which are then not translated (liveness) --
 * else W, R and B themselves (initializers) with ONNX's gate order (LSTM i o f c, GRU z r h)
 * turned into PyTorch's (i f g o; r z n).  Initial states that are zeros (Expand of a zero
 * constant, as PyTorch exports a missing h0) are left out; others are passed in. */
typedef struct {
  const char *kind;       /* "LSTM", "GRU", "RNN" */
  int gates;              /* 4, 3, 1 */
  int order[4];           /* PyTorch's gate j is ONNX's gate order[j] */
} RnnKind;
static const RnnKind RNN_KINDS[] = {{"LSTM", 4, {0, 2, 3, 1}}, {"GRU", 3, {1, 0, 2, 0}}, {"RNN", 1, {0, 0, 0, 0}}};

static const RnnKind *rnn_kind(const char *op) {
  for (size_t i = 0; i < sizeof RNN_KINDS / sizeof *RNN_KINDS; i++)
    if (!strcmp(op, RNN_KINDS[i].kind)) return &RNN_KINDS[i];
  return NULL;
}

/* the module of a node named "/a/b/OP" or "/a/b/OP_3": "a.b" when that is a state_dict name */
static char *scope_name(const Onnx__NodeProto *n) {
  const char *s = n->name, *last = s ? strrchr(s, '/') : NULL;
  if (!s || s[0] != '/' || !last || last == s) return NULL;
  char *p = strndup(s + 1, (size_t)(last - s - 1));
  for (char *q = p; q && *q; q++) *q = *q == '/' ? '.' : *q;
  if (p && !state_dict_name(p, strlen(p))) { free(p); return NULL; }
  return p;
}

/* an initializer by name, FLOAT, of the given shape; NULL otherwise */
static Val *init_named(Ctx *c, const char *name, int ndim, const int64_t *dim) {
  int i = find(c, name);
  Val *v = i < 0 ? NULL : &c->vals[i];
  if (!v || !v->data || v->constant || v->elem != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || v->ndim != ndim ||
      memcmp(v->dim, dim, sizeof(int64_t) * (size_t)ndim) || v->lua)
    return NULL;
  return v;
}

/* The parameter name: data (malloc'd, taken) of shape dims, once. */
static int add_param_data(Ctx *c, const char *name, int ndim, const int64_t *dim, float *data) {
  RtTensor *p = realloc(c->params, sizeof(RtTensor) * (size_t)(c->nparams + 1));
  char *nm = strdup(name);
  if (!p || !nm) { free(nm), free(data); if (p) c->params = p; return 1; }
  c->params = p;
  RtTensor *t = &p[c->nparams++];
  memset(t, 0, sizeof *t);
  t->name = nm, t->dtype = RT_F32, t->ndim = ndim, t->data = data;
  memcpy(t->shape, dim, sizeof(int64_t) * (size_t)ndim);
  return 0;
}

/* rows [G*H] of direction d of an ONNX W/R [D, G*H, K] or B [D, 2*G*H] (part 0: Wb, 1: Rb),
 * gates reordered, as a new array of G*H*K floats */
static float *onnx_gates(const Val *v, const RnnKind *rk, int64_t d, int64_t h, int64_t k, int part) {
  int64_t gh = rk->gates * h, n = gh * k;
  float *r = malloc(sizeof(float) * (size_t)n);
  for (int j = 0; r && j < rk->gates; j++)
    for (int64_t i = 0; i < h * k; i++)
      r[j * h * k + i] = f32_at(v->data, d * (part >= 0 ? 2 * n : n) + (part > 0 ? n : 0) + rk->order[j] * h * k + i);
  return r;
}

/* The layer of a recurrent node: "/P/LSTM" 0, "/P/LSTM_k" k (PyTorch exports a multi-layer
 * module as one node per layer); -1 for another name. */
static int rnn_layer(const Onnx__NodeProto *n) {
  const char *last = n->name ? strrchr(n->name, '/') : NULL;
  size_t kl = n->op_type ? strlen(n->op_type) : 0;
  if (!last || !kl || strncmp(++last, n->op_type, kl)) return -1;
  if (!last[kl]) return 0;
  char *end;
  long v = last[kl] == '_' && last[kl + 1] >= '1' && last[kl + 1] <= '9' ? strtol(last + kl + 1, &end, 10) : -1;
  return v < 1 || v > 64 || *end ? -1 : (int)v;
}

/* The node of layer `layer` of n's module (same scope, same op) among nodes[0..nn); NULL if none */
static const Onnx__NodeProto *rnn_sibling(Onnx__NodeProto *const *nodes, size_t nn, const Onnx__NodeProto *n, int layer) {
  size_t sl = (size_t)(strrchr(n->name, '/') - n->name);
  for (size_t k = 0; k < nn; k++) {
    const Onnx__NodeProto *o = nodes[k];
    if (o->op_type && !strcmp(o->op_type, n->op_type) && o->name && strlen(o->name) > sl && !strncmp(o->name, n->name, sl + 1) &&
        !strchr(o->name + sl + 1, '/') && rnn_layer(o) == layer)
      return o;
  }
  return NULL;
}

static int op_rnn(Node *nd) {
  Ctx *c = nd->c;
  const Onnx__NodeProto *n = nd->n;
  const RnnKind *rk = rnn_kind(n->op_type);
  const Val *x = nd->in[0], *w = nd->in[1], *r = nd->in[2], *b = input_at(nd, 3);
  /* a multi-layer module: its last layer's node translates the whole module, reading layer 0's
   * input (liveness leaves the layers before and the nodes between them out) */
  int layer = rnn_layer(n), layers = layer + 1;
  if (layer >= 0) {
    for (int l = layer + 1; l <= 64 && rnn_sibling(c->fl.v, c->fl.n, n, l); l++) layers = l + 1;
    if (layers > layer + 1)
      return NERR(nd, "%s: layer %d of a %d-layer module is used directly: only the last layer's outputs are supported", rk->kind,
                  layer, layers);
    for (int l = 0; l < layer; l++)
      if (!rnn_sibling(c->fl.v, c->fl.n, n, l)) return NERR(nd, "%s: layer %d of this module has no node", rk->kind, l);
    if (layer > 0) {
      int xi = find(c, rnn_sibling(c->fl.v, c->fl.n, n, 0)->input[0]);
      x = xi >= 0 ? &c->vals[xi] : NULL;
      if (!x || !x->known || x->elem == INT_TENSOR) return NERR(nd, "%s: the first layer's input is not known", rk->kind);
    }
  }
  int64_t h = attr_i(n, "hidden_size", 0);
  const Onnx__AttributeProto *dir = attr(n, "direction");
  int bidir = dir && dir->has_s && dir->s.len == 13 && !memcmp(dir->s.data, "bidirectional", 13);
  if (dir && dir->has_s && !bidir && !(dir->s.len == 7 && !memcmp(dir->s.data, "forward", 7)))
    return NERR(nd, "%s: only direction forward or bidirectional is supported", rk->kind);
  int64_t dn = bidir ? 2 : 1, t = x->dim[0], nb = x->dim[1], in = x->dim[2], gh = rk->gates * h;
  if (x->ndim != 3) return NERR(nd, "%s: only [T, N, I] inputs are supported", rk->kind);
  const char *act = NULL;
  const Onnx__AttributeProto *acts = attr(n, "activations");
  if (h < 1 || h > MAX_DIM || attr_i(n, "layout", 0) || input_at(nd, 4) || attr(n, "clip") ||
      attr_i(n, "input_forget", 0) || input_at(nd, 7))
    return NERR(nd, "%s: only [T, N, I] inputs (layout 0), a hidden_size, no sequence_lens, clip, input_forget or peepholes are supported", rk->kind);
  if (!strcmp(rk->kind, "GRU") && !attr_i(n, "linear_before_reset", 0))
    return NERR(nd, "GRU: only linear_before_reset = 1 (PyTorch's GRU) is supported");
  if (acts) { /* the defaults only, or RNN's Relu */
    for (size_t i = 0; i < acts->n_strings; i++) {
      const char *want = !strcmp(rk->kind, "RNN") ? NULL : !strcmp(rk->kind, "LSTM") ? (i % 3 ? "Tanh" : "Sigmoid") : (i % 2 ? "Tanh" : "Sigmoid");
      ProtobufCBinaryData s = acts->strings[i];
      int tanh_ = s.len == 4 && !memcmp(s.data, "Tanh", 4), relu = s.len == 4 && !memcmp(s.data, "Relu", 4);
      if (want ? !(s.len == strlen(want) && !memcmp(s.data, want, s.len)) : !(tanh_ || relu) || (i && relu != (act != NULL)))
        return NERR(nd, "%s: only PyTorch's activations are supported", rk->kind);
      if (!want && relu) act = "relu";
    }
  }
  int64_t wd[3] = {dn, gh, in}, rd[3] = {dn, gh, h}, bd[2] = {dn, 2 * gh};
  char *p = scope_name(n);
  if (!p) return NERR(nd, "%s: the node's name does not give a module name (\"/<module>/%s\" as torch.onnx.export names it)", rk->kind, rk->kind);
  if (layer < 0) {
    free(p);
    return NERR(nd, "%s: the node's name does not give a layer (\"/<module>/%s\" or \"/<module>/%s_<k>\")", rk->kind, rk->kind, rk->kind);
  }
  /* the parameters, by PyTorch's names: from the initializers of those names, else (one layer)
   * from W, R, B */
  static const char *base[4] = {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"};
  int e = 0;
  for (int l = 0; l < layers && !e; l++)
  for (int64_t d = 0; d < dn && !e; d++) {
    for (int q = 0; q < (b ? 4 : 2) && !e; q++) {
      char nm[300];
      snprintf(nm, sizeof nm, "%s.%s%d%s", p, base[q], l, d ? "_reverse" : "");
      int64_t dims[2] = {gh, q == 0 ? (l ? dn * h : in) : h};
      Val *v = init_named(c, nm, q < 2 ? 2 : 1, dims);
      const Val *src = q == 0 ? w : q == 1 ? r : b;
      if (v) {
        e = add_param(c, v, nm);
        v->lua = strdup("-");
      } else if (layers > 1) {
        e = NERR(nd, "%s: no initializer \"%s\" of shape [%lld%s%lld] (a multi-layer module's weights are read by name)", rk->kind,
                 nm, (long long)dims[0], q < 2 ? ", " : "", q < 2 ? (long long)dims[1] : 0LL);
      } else if (!src->data || src->constant || src->elem != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
        e = NERR(nd, "%s: no initializer \"%s\", and %s is not an initializer", rk->kind, nm, q == 0 ? "W" : q == 1 ? "R" : "B");
      } else if (q == 0 ? memcmp(w->dim, wd, sizeof wd) || w->ndim != 3 : q == 1 ? memcmp(r->dim, rd, sizeof rd) || r->ndim != 3
                                                                  : memcmp(b->dim, bd, sizeof bd) || b->ndim != 2) {
        e = NERR(nd, "%s: %s does not have the shape that hidden_size %lld and the input give", rk->kind, q == 0 ? "W" : q == 1 ? "R" : "B",
                 (long long)h);
      } else {
        float *data = onnx_gates(src, rk, d, h, q == 0 ? in : q == 1 ? h : 1, q < 2 ? -1 : q - 2);
        e = !data || add_param_data(c, nm, q < 2 ? 2 : 1, dims, data);
      }
    }
  }
  /* initial states: zeros, as PyTorch exports a layer called without them (the Expand nodes
   * that make them are not translated) */
  const Val *h0 = input_at(nd, 5), *c0 = input_at(nd, 6);
  if (!e && ((h0 && !h0->zeros) || (c0 && !c0->zeros)))
    e = NERR(nd, "%s: initial states other than zeros are not supported yet", rk->kind);
  const char *xs = e ? NULL : tensor(c, (Val *)x, nd->k, n);
  if (e || !xs) { free(p); return 1; }
  char rv[32], nl[32] = "";
  snprintf(rv, sizeof rv, c->use_table ? "T.r%d" : "r%d", nd->k);
  if (layers > 1) snprintf(nl, sizeof nl, "num_layers = %d, ", layers);
  fprintf(c->lua, "%s%s = {nn.%s(%lld, %lld, {%s%s%s%sname = \"%s\"})(%s)}  -- node %d \"", c->use_table ? "" : "local ", rv,
          rk->kind, (long long)in, (long long)h, nl, bidir ? "bidirectional = true, " : "", b ? "" : "bias = false, ",
          act ? "nonlinearity = \"relu\", " : "", p, xs, nd->k);
  rt_fputs_escaped(n->name, RT_ESC_LINE, c->lua);
  fprintf(c->lua, "\": %s\n", rk->kind);
  free(p);
  /* Y [T, D, N, H], Y_h [D, N, H], Y_c [D, N, H] */
  for (size_t i = 0; i < n->n_output && i < 3; i++) {
    if (!n->output[i][0]) continue;
    int vi = find(c, n->output[i]);
    if (vi < 0) continue;
    Val *o = &c->vals[vi];
    char ex[192]; /* rv, literal dims and indices only */
    if (i == 0) {
      int64_t yd[4] = {t, dn, nb, h};
      o->ndim = 4, memcpy(o->dim, yd, sizeof yd);
      snprintf(ex, sizeof ex, "%s[1]:reshape(%lld, %lld, %lld, %lld):permute(1, 3, 2, 4)", rv, (long long)t, (long long)nb,
               (long long)dn, (long long)h);
    } else {
      int64_t sd[3] = {dn, nb, h};
      o->ndim = 3, memcpy(o->dim, sd, sizeof sd);
      if (i == 2 && strcmp(rk->kind, "LSTM")) return NERR(nd, "%s has no cell state", rk->kind);
      snprintf(ex, sizeof ex, !strcmp(rk->kind, "LSTM") ? "%s[2][%zu]" : "%s[2]", rv, i);
      if (layers > 1) /* the module's states are [D * layers, N, H]: the last layer's */
        snprintf(ex + strlen(ex), sizeof ex - strlen(ex), ":narrow(1, %lld, %lld)", (long long)(layers - 1) * dn + 1, (long long)dn);
    }
    o->known = 1;
    if (!(o->lua = strdup(ex))) return 1;
  }
  return 0;
}

/* Neg, Reciprocal, Softplus: one input, an expression */
static int op_elementwise(Node *nd) {
  const char *op = nd->n->op_type, *x;
  same_shape(nd->out, nd->in[0]);
  if (!(x = T(nd, 0))) return 1;
  if (!strcmp(op, "Neg")) return assign(nd, "-%s", x);
  if (!strcmp(op, "Reciprocal")) return assign(nd, "1 / %s", x);
  return assign(nd, "nn.Softplus()(%s)", x);
}

/* Clip with bounds known at import (attributes before opset 11, scalar constant inputs after) */
static int op_clip(Node *nd) {
  double lo = -INFINITY, hi = INFINITY;
  if (nd->c->opset < 11) {
    lo = attr_f(nd->n, "min", -INFINITY), hi = attr_f(nd->n, "max", INFINITY);
  } else {
    for (int i = 1; i <= 2; i++) {
      const Val *v = input_at(nd, (size_t)i);
      if (!v) continue;
      if (!v->data || v->elem != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || numel(v->dim, v->ndim) != 1)
        return NERR(nd, "Clip: the bounds must be FLOAT scalars known at import");
      *(i == 1 ? &lo : &hi) = f32_at(v->data, 0);
    }
  }
  if (isnan(lo) || isnan(hi) || lo > hi) return NERR(nd, "Clip: the bounds are not numbers with min <= max");
  if (isinf(lo) && isinf(hi)) return op_identity(nd); /* no bounds: the input */
  same_shape(nd->out, nd->in[0]);
  const char *x = T(nd, 0);
  char a[40] = "nil", b[40] = "nil";
  if (isfinite(lo)) snprintf(a, sizeof a, "%.9g", lo);
  if (isfinite(hi)) snprintf(b, sizeof b, "%.9g", hi);
  return !x || assign(nd, "%s:clamp(%s, %s)", x, a, b);
}

/* Sum of any number of inputs, broadcast */
static int op_sum(Node *nd) {
  const Onnx__NodeProto *n = nd->n;
  Buf b;
  same_shape(nd->out, nd->in[0]);
  for (size_t i = 1; i < n->n_input; i++) {
    const Val *v = input_at(nd, i);
    Val tmp = *nd->out;
    if (!v || broadcast(nd->out, &tmp, v)) return NERR(nd, "Sum: input %zu is missing or does not broadcast", i);
  }
  if (!buf_open(&b)) return 1;
  int e = 0;
  for (size_t i = 0; i < n->n_input && !e; i++) {
    const char *vs = tensor(nd->c, input_at(nd, i), nd->k, n);
    if (!vs) e = 1;
    else fprintf(b.f, "%s%s", i ? " + " : "", vs);
  }
  char *sum = buf_close(&b);
  e = e || !sum || assign(nd, "%s", sum);
  free(sum);
  return e;
}

/* The supported ops: name, number of inputs (min, max).  Anything else is listed as unsupported. */
static const struct { const char *op; int min, max, ints; } OPS[] = { /* ints: takes INT64 values as input 0 */
  {"Gemm", 2, 3, 0}, {"MatMul", 2, 2, 0}, {"Add", 2, 2, 0}, {"Sub", 2, 2, 0}, {"Mul", 2, 2, 0}, {"Div", 2, 2, 0},
  {"Pow", 2, 2, 0}, {"Relu", 1, 1, 0}, {"Sigmoid", 1, 1, 0}, {"Tanh", 1, 1, 0}, {"Exp", 1, 1, 0}, {"Log", 1, 1, 0},
  {"Sqrt", 1, 1, 0}, {"Abs", 1, 1, 0}, {"Erf", 1, 1, 0}, {"LeakyRelu", 1, 1, 0}, {"Elu", 1, 1, 0}, {"Gelu", 1, 1, 0},
  {"PRelu", 2, 2, 0}, {"Softmax", 1, 1, 0}, {"LogSoftmax", 1, 1, 0}, {"Flatten", 1, 1, 0}, {"Reshape", 2, 2, 0},
  {"Transpose", 1, 1, 0}, {"Conv", 2, 3, 0}, {"MaxPool", 1, 1, 0}, {"AveragePool", 1, 1, 0},
  {"GlobalAveragePool", 1, 1, 0}, {"BatchNormalization", 5, 5, 0}, {"ReduceMean", 1, 2, 0}, {"ReduceSum", 1, 2, 0},
  {"Identity", 1, 1, 0}, {"Dropout", 1, 3, 0}, {"Constant", 0, 0, 0}, {"Shape", 1, 1, 1}, {"Gather", 2, 2, 1},
  {"Unsqueeze", 1, 2, 1}, {"Squeeze", 1, 2, 1}, {"Concat", 1, 1000, 1}, {"Slice", 1, 5, 1}, {"Cast", 1, 1, 1},
  {"LayerNormalization", 2, 3, 0}, {"ConvTranspose", 2, 3, 0}, {"LSTM", 3, 8, 0}, {"GRU", 3, 6, 0}, {"RNN", 3, 6, 0},
  {"Neg", 1, 1, 0}, {"Reciprocal", 1, 1, 0}, {"Softplus", 1, 1, 0}, {"Clip", 1, 3, 0}, {"Sum", 1, 1000, 0},
  {"ReduceMax", 1, 2, 0}, {"ReduceMin", 1, 2, 0}, {"Split", 1, 2, 0},
};

static int dispatch(Node *nd) {
  const char *op = nd->n->op_type;
  if (!strcmp(op, "Gemm")) return op_gemm(nd);
  if (!strcmp(op, "MatMul")) return op_matmul(nd);
  if (!strcmp(op, "Add")) return op_binary(nd, "+");
  if (!strcmp(op, "Sub")) return op_binary(nd, "-");
  if (!strcmp(op, "Mul")) return op_binary(nd, "*");
  if (!strcmp(op, "Div")) return op_binary(nd, "/");
  if (!strcmp(op, "Pow")) return op_binary(nd, "^");
  if (!strcmp(op, "Erf")) return op_unary(nd, "erf");
  if (!strcmp(op, "LeakyRelu") || !strcmp(op, "Elu") || !strcmp(op, "Gelu")) return op_activation(nd);
  if (!strcmp(op, "PRelu")) return op_prelu(nd);
  if (!strcmp(op, "Softmax")) return op_softmax(nd, "softmax");
  if (!strcmp(op, "LogSoftmax")) return op_softmax(nd, "log_softmax");
  if (!strcmp(op, "Transpose")) return op_transpose(nd);
  if (!strcmp(op, "GlobalAveragePool") || !strcmp(op, "ReduceMean")) return op_reduce(nd, "mean");
  if (!strcmp(op, "ReduceSum")) return op_reduce(nd, "sum");
  if (!strcmp(op, "ReduceMax")) return op_reduce(nd, "max");
  if (!strcmp(op, "ReduceMin")) return op_reduce(nd, "min");
  if (!strcmp(op, "Split")) return op_split(nd);
  if (!strcmp(op, "BatchNormalization")) return op_batchnorm(nd);
  if (!strcmp(op, "Shape")) return op_shape(nd);
  if (!strcmp(op, "Gather")) return op_gather(nd);
  if (!strcmp(op, "Unsqueeze") || !strcmp(op, "Squeeze")) return op_unsqueeze(nd);
  if (!strcmp(op, "Concat")) return op_concat(nd);
  if (!strcmp(op, "Slice")) return op_slice(nd);
  if (!strcmp(op, "Cast")) return op_cast(nd);
  if (!strcmp(op, "LayerNormalization")) return op_layernorm(nd);
  if (!strcmp(op, "ConvTranspose")) return op_convtranspose(nd);
  if (rnn_kind(op)) return op_rnn(nd);
  if (!strcmp(op, "Neg") || !strcmp(op, "Reciprocal") || !strcmp(op, "Softplus")) return op_elementwise(nd);
  if (!strcmp(op, "Clip")) return op_clip(nd);
  if (!strcmp(op, "Sum")) return op_sum(nd);
  if (!strcmp(op, "Relu")) return op_unary(nd, "relu");
  if (!strcmp(op, "Sigmoid")) return op_unary(nd, "sigmoid");
  if (!strcmp(op, "Tanh")) return op_unary(nd, "tanh");
  if (!strcmp(op, "Exp")) return op_unary(nd, "exp");
  if (!strcmp(op, "Log")) return op_unary(nd, "log");
  if (!strcmp(op, "Sqrt")) return op_unary(nd, "sqrt");
  if (!strcmp(op, "Abs")) return op_unary(nd, "abs");
  if (!strcmp(op, "Flatten")) return op_flatten(nd);
  if (!strcmp(op, "Reshape")) return op_reshape(nd);
  if (!strcmp(op, "Conv")) return op_conv(nd);
  if (!strcmp(op, "MaxPool")) return op_pool(nd, "MaxPool2d");
  if (!strcmp(op, "AveragePool")) return op_pool(nd, "AvgPool2d");
  if (!strcmp(op, "Constant")) return op_constant(nd);
  return op_identity(nd); /* Identity, Dropout */
}

static int op_index(const char *op) {
  for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
    if (!strcmp(OPS[i].op, op)) return (int)i;
  return -1;
}

/* Node k: its inputs defined before (else the order is not topological, or there is a cycle),
 * its outputs new; then the op, when supported.  Returns 1 when an unsupported op was found
 * (reported), 0 otherwise (errors counted in c->nerr). */
/* whether tensor t holds only zeros (FLOAT or INT64, its data checked as check_tensor does) */
static int tensor_zeros(const Onnx__TensorProto *t) {
  size_t es = elem_size(t);
  int64_t total = 1;
  if (!es || t->n_dims > RT_MAX_DIMS || t->n_external_data) return 0;
  for (size_t i = 0; i < t->n_dims; i++)
    if (t->dims[i] < 1 || t->dims[i] > MAX_DIM || (total *= t->dims[i]) > MAX_NUMEL) return 0;
  if (values_held(t, es) != total) return 0;
  for (int64_t i = 0; i < total; i++)
    if (es == 4 ? f32_at(t, i) != 0 : i64_at(t, i) != 0) return 0;
  return 1;
}

/* A set of names (open addressing), for the liveness of nodes. */
typedef struct {
  const char **s;
  size_t cap, n;
} NameSet;

static int ns_has(const NameSet *ns, const char *name) {
  if (!ns->cap) return 0;
  for (size_t i = hash_str(name) & (ns->cap - 1); ns->s[i]; i = (i + 1) & (ns->cap - 1))
    if (!strcmp(ns->s[i], name)) return 1;
  return 0;
}

static int ns_add(NameSet *ns, const char *name) {
  if (!name[0] || ns_has(ns, name)) return 0;
  if (2 * (ns->n + 1) > ns->cap) {
    size_t cap = ns->cap ? ns->cap * 2 : 64;
    const char **s = calloc(cap, sizeof *s);
    if (!s) return 1;
    for (size_t k = 0; k < ns->cap; k++) {
      if (!ns->s[k]) continue;
      size_t i = hash_str(ns->s[k]) & (cap - 1);
      while (s[i]) i = (i + 1) & (cap - 1);
      s[i] = ns->s[k];
    }
    free(ns->s), ns->s = s, ns->cap = cap;
  }
  size_t i = hash_str(name) & (ns->cap - 1);
  while (ns->s[i]) i = (i + 1) & (ns->cap - 1);
  ns->s[i] = name, ns->n++;
  return 0;
}

/* live[k]: node k computes something a graph output needs.  Nodes that are not live are checked
 * (inputs defined, outputs new) but not translated: PyTorch's exports hold such nodes, the Slice
 * and Concat that turn a recurrent layer's weights into W, R and B (read here by name instead)
 * and the Expand that makes its zero initial states. */
static char *liveness(const Onnx__GraphProto *g, Onnx__NodeProto *const *nodes, size_t nn) {
  char *live = calloc(nn + 1, 1);
  NameSet ns = {0};
  int bad = !live, searches = 0;
  for (size_t i = 0; !bad && i < g->n_output; i++) bad = g->output[i]->name && ns_add(&ns, g->output[i]->name);
  for (size_t k = nn; !bad && k-- > 0;) {
    const Onnx__NodeProto *n = nodes[k];
    for (size_t i = 0; i < n->n_output && !live[k]; i++) live[k] = (char)ns_has(&ns, n->output[i]);
    int rnn = live[k] && n->op_type && rnn_kind(n->op_type);
    /* the last layer of a multi-layer module needs the first layer's input (op_rnn) */
    const Onnx__NodeProto *first = rnn && rnn_layer(n) > 0 && searches++ < 256 ? rnn_sibling(nodes, nn, n, 0) : NULL;
    if (first && first->n_input) bad = ns_add(&ns, first->input[0]);
    for (size_t i = 0; live[k] && i < n->n_input && !bad; i++)
      if (!rnn || (i == 0 && !first)) bad = ns_add(&ns, n->input[i]);
  }
  free(ns.s);
  if (bad) free(live), live = NULL;
  return live;
}

static int node(Ctx *c, int k, const Onnx__NodeProto *n, int live) {
  char b[NAME_SHOWN + 4], b2[NAME_SHOWN + 4];
  Node nd = {c, k, n, {NULL, NULL, NULL}, NULL};
  int poisoned = 0;
  if (!n->op_type || strlen(n->op_type) > 64 || (n->name && strlen(n->name) > MAX_NAME))
    return err_node(c, k, n, "op type or node name missing or too long"), 0;
  if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx"))
    return err_node(c, k, n, "op %s of domain \"%s\": only the default ONNX domain is supported", shown(n->op_type, b), shown(n->domain, b2)), 1;
  int in_at[3] = {-1, -1, -1}, out_at = -1; /* indices: define() below may move c->vals */
  for (size_t i = 0; i < n->n_input; i++) {
    if (!n->input[i][0]) continue; /* an optional input left out */
    int v = find(c, n->input[i]);
    if (v < 0) {
      err_node(c, k, n, "input \"%s\" is not a graph input, an initializer or the output of an earlier node "
               "(the nodes must be in topological order, without cycles)", shown(n->input[i], b));
      poisoned = 1;
    } else {
      if (i < 3) in_at[i] = v;
      /* a recurrent layer reads its weights by name, not from W, R, B (see op_rnn) */
      if ((i == 0 && !(rnn_kind(n->op_type) && rnn_layer(n) > 0)) || !rnn_kind(n->op_type)) poisoned |= !c->vals[v].known;
    }
  }
  for (size_t i = 0; i < n->n_output; i++) {
    if (!n->output[i][0]) continue;
    Val *v = strlen(n->output[i]) > MAX_NAME ? NULL : define(c, n->output[i]);
    if (!v) { err_node(c, k, n, "output \"%s\" is defined twice (or too long)", shown(n->output[i], b)); return 0; }
    if (i == 0) out_at = (int)(v - c->vals);
  }
  for (int i = 0; i < 3; i++) nd.in[i] = in_at[i] >= 0 ? &c->vals[in_at[i]] : NULL;
  nd.out = out_at >= 0 ? &c->vals[out_at] : NULL;
  if (nd.out) { /* zeros flow through what PyTorch uses to make a zero initial state */
    const char *o = n->op_type;
    const Onnx__AttributeProto *a = attr(n, "value");
    if (!strcmp(o, "Constant")) nd.out->zeros = a && a->t && tensor_zeros(a->t);
    else if (!strcmp(o, "ConstantOfShape")) nd.out->zeros = !a || (a->t && tensor_zeros(a->t));
    else if (nd.in[0] && (!strcmp(o, "Expand") || !strcmp(o, "Unsqueeze") || !strcmp(o, "Squeeze") || !strcmp(o, "Reshape") ||
                          !strcmp(o, "Identity") || !strcmp(o, "Cast") || !strcmp(o, "Slice") || !strcmp(o, "Gather")))
      nd.out->zeros = nd.in[0]->zeros;
  }
  if (!live) return 0;
  int op = op_index(n->op_type);
  if (op < 0) {
    err_node(c, k, n, "unsupported op %s", shown(n->op_type, b));
    return 1;
  }
  if (poisoned) return 0;
  int nin = 0;
  for (size_t i = 0; i < n->n_input; i++) nin = n->input[i][0] ? (int)i + 1 : nin;
  int any_out = nd.out != NULL; /* a recurrent layer may give Y_h without Y */
  for (size_t i = 0; i < n->n_output; i++) any_out |= n->output[i][0] != 0 && rnn_kind(n->op_type) != NULL;
  if (nin < OPS[op].min || nin > OPS[op].max || !any_out || (nin >= 1 && !nd.in[0]))
    return err_node(c, k, n, "%s takes %d to %d inputs and an output", n->op_type, OPS[op].min, OPS[op].max), 0;
  for (int i = 1; i < OPS[op].min; i++) /* an empty name leaves out an optional input only */
    if (!n->input[i][0]) return err_node(c, k, n, "%s: input %d is required but its name is empty", n->op_type, i), 0;
  for (int i = 0; i < nin && i < 3; i++)
    if (i > 0 && !nd.in[i] && n->input[i][0]) return 0;
  if (nd.in[0] && is_ints(nd.in[0]) && !OPS[op].ints)
    return err_node(c, k, n, "%s of INT64 values is not supported", n->op_type), 0;
  for (size_t i = 0; i < n->n_input; i++) {
    const Val *v = input_at(&nd, i);
    if (v && v->elem == INT_TENSOR && (strcmp(n->op_type, "Gather") || i != 1))
      return err_node(c, k, n, "%s: input %zu is an integer input: dlc takes those only as Gather's indices (an embedding)", n->op_type, i), 0;
  }
  dispatch(&nd);
  return 0;
}

/* A name dlc's C output can carry: the file's name made a C identifier, unique among those
 * already in used[0..n). */
static char *unique_ident(const char *s, char **used, int n) {
  char *id = rt_c_ident(s);
  if (!id) return NULL;
  static const char *reserved[] = {"and", "break", "do", "else", "elseif", "end", "false", "for", "function",
    "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    "dlc", "nn", "T"};
  int clash = strlen(id) > 64 || ((id[0] == 't' || id[0] == 'p' || id[0] == 'r') && id[1] && strspn(id + 1, "0123456789") == strlen(id + 1));
  for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++) clash |= !strcmp(id, reserved[i]);
  for (int i = 0; i < n; i++) clash |= !strcmp(id, used[i]);
  if (!clash) return id;
  char buf[96];
  for (int k = 1;; k++) {
    snprintf(buf, sizeof buf, "input%d", n + k);
    int again = 0;
    for (int i = 0; i < n; i++) again |= !strcmp(buf, used[i]);
    if (!again) break;
  }
  free(id);
  return strdup(buf);
}

/* --shape NAME=DIMS for the input name: its dims into d, their number; 0 when not given, -1
 * (reported) when malformed */
static int given_shape(Ctx *c, const char *name, int64_t *d) {
  for (int k = 0; k < c->o->nshapes; k++) {
    const char *s = c->o->shapes[k], *eq = strrchr(s, '=');
    if (!eq || (size_t)(eq - s) != strlen(name) || strncmp(s, name, (size_t)(eq - s))) continue;
    int n = 0;
    for (const char *p = eq + 1;;) {
      char *end;
      errno = 0;
      long long v = strtoll(p, &end, 10);
      if (end == p || errno || v < 1 || v > MAX_DIM || n == RT_MAX_DIMS || (*end && *end != ',' && *end != 'x'))
        return ERR(c, "--shape %s: the dims must be 1 to %d sizes from 1 to 2^31, e.g. %s=1,3,224,224", s, RT_MAX_DIMS, name), -1;
      d[n++] = v;
      if (!*end) break;
      p = end + 1;
    }
    return n;
  }
  return 0;
}

static int graph_input(Ctx *c, const Onnx__ValueInfoProto *in, char **used, int nused) {
  char b[NAME_SHOWN + 4];
  const char *nm = shown(in->name, b);
  if (!in->name || !in->name[0] || strlen(in->name) > MAX_NAME) return ERR(c, "a graph input has no name or a name too long"), 1;
  const Onnx__TypeProto *t = in->type;
  if (!t || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !t->tensor_type || !t->tensor_type->shape)
    return ERR(c, "input \"%s\" is not a tensor of known rank", nm), 1;
  int et = t->tensor_type->elem_type;
  int ints = et == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 || et == ONNX__TENSOR_PROTO__DATA_TYPE__INT32;
  if (et != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT && !ints)
    return ERR(c, "input \"%s\" has element type %d: only FLOAT (1), and INT64 (7) or INT32 (6) indices, are supported", nm, et), 1;
  const Onnx__TensorShapeProto *s = t->tensor_type->shape;
  Val *v = define(c, in->name);
  if (!v) return ERR(c, "input \"%s\" is defined twice", nm), 1;
  if (s->n_dim < 1 || s->n_dim > RT_MAX_DIMS) return ERR(c, "input \"%s\" has %zu dimensions (1 to %d)", nm, s->n_dim, RT_MAX_DIMS), 1;
  int64_t given[RT_MAX_DIMS];
  int ngiven = given_shape(c, in->name, given);
  if (ngiven < 0) return 1;
  if (ngiven && (size_t)ngiven != s->n_dim)
    return ERR(c, "--shape %s: %d dimensions given, the input has %zu", nm, ngiven, s->n_dim), 1;
  int64_t total = 1;
  for (size_t i = 0; i < s->n_dim; i++) {
    const Onnx__TensorShapeProto__Dimension *d = s->dim[i];
    int64_t x = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ? d->dim_value : -1;
    if (ngiven && x >= 0 && x != given[i])
      return ERR(c, "--shape %s: dimension %zu is %lld in the file, %lld given", nm, i, (long long)x, (long long)given[i]), 1;
    if (ngiven) x = given[i];
    if (x < 0 && i == 0 && c->o->batch) x = c->o->batch;
    if (x < 0) {
      char b2[NAME_SHOWN + 4];
      const char *param = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM ? shown(d->dim_param, b2) : "?";
      return ERR(c, "input \"%s\": dimension %zu is dynamic (\"%s\"): dlc compiles static shapes; give %s--shape %s=D1,D2,...", nm, i,
                 param, i == 0 ? "--batch B or " : "", nm), 1;
    }
    if (x < 1 || x > MAX_DIM || (total *= x) > MAX_NUMEL)
      return ERR(c, "input \"%s\": dimension %zu is %lld (each must be in 1..2^31, 2^31 elements in all)", nm, i, (long long)x), 1;
    v->dim[i] = x;
  }
  v->ndim = (int)s->n_dim, v->known = 1;
  char *id = unique_ident(in->name, used, nused);
  if (!id) return 1;
  used[nused] = id;
  fprintf(c->lua, "local %s = dlc.input(\"%s\", ", id, id);
  shape_lua(c->lua, v);
  if (ints) v->elem = INT_TENSOR; /* indices (nn.Embedding): int32 in dlc */
  fprintf(c->lua, "%s)  -- graph input \"", ints ? ", {dtype = \"int\"}" : "");
  rt_fputs_escaped(in->name, RT_ESC_LINE, c->lua);
  fprintf(c->lua, "\"\n");
  return !(v->lua = strdup(id));
}

static int opset_ok(Ctx *c, const Onnx__ModelProto *m) {
  int64_t ver = -1;
  for (size_t i = 0; i < m->n_opset_import; i++) {
    const Onnx__OperatorSetIdProto *o = m->opset_import[i];
    if (!o->domain || !o->domain[0] || !strcmp(o->domain, "ai.onnx")) ver = o->version;
  }
  if (ver < 7 || ver > 18) return ERR(c, "opset %lld of the default domain: dlc import reads opsets 7 to 18", (long long)ver), 0;
  c->opset = ver;
  return 1;
}

static void header(Ctx *c, const Onnx__ModelProto *m, const char *weights) {
  int64_t ver = 0;
  for (size_t i = 0; i < m->n_opset_import; i++)
    if (!m->opset_import[i]->domain || !m->opset_import[i]->domain[0]) ver = m->opset_import[i]->version;
  fprintf(c->lua, "-- Imported by dlc import from ");
  rt_fputs_escaped(c->path, RT_ESC_LINE, c->lua);
  fprintf(c->lua, " (producer ");
  rt_fputs_escaped(m->producer_name ? m->producer_name : "?", RT_ESC_LINE, c->lua);
  fputc(' ', c->lua);
  rt_fputs_escaped(m->producer_version ? m->producer_version : "", RT_ESC_LINE, c->lua);
  fprintf(c->lua, ", opset %lld).\n-- The weights are in ", (long long)ver);
  rt_fputs_escaped(weights, RT_ESC_LINE, c->lua);
  fprintf(c->lua, ", named as the exporter named them (PyTorch's state_dict\n"
          "-- names): m_load(m, \"...safetensors\") or dlc train --init loads them.  Add loss and optim to\n"
          "-- train, e.g. target = y (an input) and loss = nn.CrossEntropyLoss().\n"
          "local dlc, nn = require \"dlc\", require \"nn\"\n");
}

/* ---- local functions ----------------------------------------------------------------------
 * A node whose (domain, op_type) names one of the model's FunctionProtos (PyTorch 2.x's exporter
 * writes modules as functions) is replaced by the function's nodes: formal inputs and outputs
 * become the call's actual names, the function's own values get the prefix "<call>/", attributes
 * that refer to the call's (ref_attr_name) take them.  Functions calling functions are expanded
 * too, at most MAX_FN_DEPTH deep and MAX_NODES nodes in all. */
#define MAX_FN_DEPTH 16


static void *fl_own(Inlined *fl, void *p) {
  if (!p) return NULL;
  if (fl->nown == fl->capown) {
    size_t cap = fl->capown ? 2 * fl->capown : 64;
    void **o = realloc(fl->own, cap * sizeof *o);
    if (!o) { free(p); return NULL; }
    fl->own = o, fl->capown = cap;
  }
  return fl->own[fl->nown++] = p;
}

static void inline_free(Inlined *fl) {
  for (size_t i = 0; i < fl->nown; i++) free(fl->own[i]);
  free(fl->own), free(fl->v);
}

static const Onnx__FunctionProto *function_of(const Onnx__ModelProto *m, const Onnx__NodeProto *n) {
  if (!n->op_type) return NULL;
  for (size_t i = 0; i < m->n_functions; i++) {
    const Onnx__FunctionProto *f = m->functions[i];
    if (f->name && !strcmp(f->name, n->op_type) && !strcmp(f->domain ? f->domain : "", n->domain ? n->domain : "")) return f;
  }
  return NULL;
}

/* a name inside a call of f: its actual name (formal input/output), or "<prefix>/<name>" */
static char *fn_name(Inlined *fl, const Onnx__FunctionProto *f, const Onnx__NodeProto *call, const char *prefix, const char *nm) {
  if (!nm[0]) return fl_own(fl, strdup(""));
  for (size_t i = 0; i < f->n_input; i++)
    if (!strcmp(f->input[i], nm)) return fl_own(fl, strdup(i < call->n_input ? call->input[i] : ""));
  for (size_t i = 0; i < f->n_output; i++)
    if (!strcmp(f->output[i], nm)) return fl_own(fl, strdup(i < call->n_output ? call->output[i] : ""));
  size_t len = strlen(prefix) + strlen(nm) + 2;
  char *r = fl_own(fl, malloc(len));
  if (r) snprintf(r, len, "%s/%s", prefix, nm);
  return r;
}

static void inline_node(Ctx *c, const Onnx__ModelProto *m, Inlined *fl, Onnx__NodeProto *n, int depth) {
  char b[NAME_SHOWN + 4];
  const Onnx__FunctionProto *f = function_of(m, n);
  if (!f) {
    if (fl->n >= MAX_NODES) { if (!fl->failed) ERR(c, "more than %d nodes once the local functions are expanded", MAX_NODES); fl->failed = 1; return; }
    if (fl->n == fl->cap) {
      size_t cap = fl->cap ? 2 * fl->cap : 256;
      Onnx__NodeProto **v = realloc(fl->v, cap * sizeof *v);
      if (!v) { ERR(c, "out of memory"), fl->failed = 1; return; }
      fl->v = v, fl->cap = cap;
    }
    fl->v[fl->n++] = n;
    return;
  }
  if (depth >= MAX_FN_DEPTH) {
    ERR(c, "local function %s calls functions more than %d deep (or itself)", shown(f->name, b), MAX_FN_DEPTH);
    fl->failed = 1;
    return;
  }
  char prefix[48];
  snprintf(prefix, sizeof prefix, "fn%d", fl->calls++);
  for (size_t k = 0; k < f->n_node && !fl->failed; k++) {
    const Onnx__NodeProto *fn = f->node[k];
    Onnx__NodeProto *cp = fl_own(fl, malloc(sizeof *cp));
    char **in = fl_own(fl, calloc(fn->n_input + 1, sizeof *in)), **out = fl_own(fl, calloc(fn->n_output + 1, sizeof *out));
    Onnx__AttributeProto **at = fl_own(fl, calloc(fn->n_attribute + 1, sizeof *at));
    size_t nl = strlen(n->name ? n->name : "") + strlen(fn->name ? fn->name : "") + 2;
    char *name = fl_own(fl, malloc(nl));
    int bad = !cp || !in || !out || !at || !name;
    if (!bad) {
      *cp = *fn;
      snprintf(name, nl, "%s/%s", n->name ? n->name : "", fn->name ? fn->name : "");
      cp->name = name, cp->input = in, cp->output = out, cp->attribute = at, cp->n_attribute = 0;
      for (size_t i = 0; i < fn->n_input && !bad; i++) bad = !(in[i] = fn_name(fl, f, n, prefix, fn->input[i]));
      for (size_t i = 0; i < fn->n_output && !bad; i++) bad = !(out[i] = fn_name(fl, f, n, prefix, fn->output[i]));
      for (size_t i = 0; i < fn->n_attribute && !bad; i++) {
        Onnx__AttributeProto *a = fn->attribute[i];
        if (!a->ref_attr_name || !a->ref_attr_name[0]) { at[cp->n_attribute++] = a; continue; }
        const Onnx__AttributeProto *v = attr(n, a->ref_attr_name);
        if (!v) continue; /* not given by the call: the op's default */
        Onnx__AttributeProto *ac = fl_own(fl, malloc(sizeof *ac));
        if (!(bad = !ac)) *ac = *v, ac->name = a->name, at[cp->n_attribute++] = ac;
      }
    }
    if (bad) { ERR(c, "out of memory"), fl->failed = 1; return; }
    inline_node(c, m, fl, cp, depth + 1);
  }
}

static int translate(Ctx *c, const Onnx__ModelProto *m, const char *model_name, const char *weights) {
  const Onnx__GraphProto *g = m->graph;
  char b[NAME_SHOWN + 4];
  if (!g) return ERR(c, "the model has no graph"), 1;
  if (!opset_ok(c, m)) return 1;
  if (g->n_node > MAX_NODES || g->n_initializer > MAX_INITS || g->n_input > MAX_IO || g->n_output > MAX_IO)
    return ERR(c, "%zu nodes, %zu initializers, %zu inputs, %zu outputs: more than dlc import reads (%d, %d, %d, %d)",
               g->n_node, g->n_initializer, g->n_input, g->n_output, MAX_NODES, MAX_INITS, MAX_IO, MAX_IO), 1;
  c->use_table = g->n_node + g->n_initializer > MAX_LOCALS;
  header(c, m, weights);
  if (c->use_table) fprintf(c->lua, "local T = {} -- the tensors (more than Lua's locals)\n");
  for (size_t i = 0; i < g->n_initializer; i++) {
    const Onnx__TensorProto *t = g->initializer[i];
    Val *v = t->name && t->name[0] && strlen(t->name) <= MAX_NAME ? define(c, t->name) : NULL;
    if (!v) { ERR(c, "initializer %zu (\"%s\"): no name, a name too long, or defined twice", i, shown(t->name, b)); continue; }
    if (!check_tensor(c, t, v, -1, NULL)) v->zeros = tensor_zeros(t);
  }
  char **used = calloc(g->n_input + 1, sizeof(char *));
  int nused = 0;
  for (size_t i = 0; used && i < g->n_input; i++) {
    if (g->input[i]->name && find(c, g->input[i]->name) >= 0 && c->vals[find(c, g->input[i]->name)].data) continue; /* an initializer listed as input (IR < 4) */
    if (!graph_input(c, g->input[i], used, nused)) nused++;
  }
  for (int i = 0; used && i < nused; i++) free(used[i]);
  free(used);
  if (!nused && !c->nerr) ERR(c, "the graph has no input");
  if (c->nerr) return 1;
  int unsupported = 0;
  Inlined *fl = &c->fl; /* freed with the values, which keep names from it */
  for (size_t k = 0; k < g->n_node && !fl->failed; k++) inline_node(c, m, fl, g->node[k], 0);
  char *live = fl->failed ? NULL : liveness(g, fl->v, fl->n);
  if (!live) return fl->failed ? 1 : (ERR(c, "out of memory"), 1);
  if (fl->n > g->n_node && fl->n + g->n_initializer > MAX_LOCALS && !c->use_table)
    c->use_table = 1, fprintf(c->lua, "local T = {} -- the tensors (more than Lua's locals)\n");
  for (size_t k = 0; k < fl->n; k++) unsupported += node(c, (int)k, fl->v[k], live[k]);
  free(live);
  if (unsupported) {
    ERR(c, "%d node%s with an op dlc import does not support yet (supported:", unsupported, unsupported > 1 ? "s" : "");
    for (size_t i = 0; c->errs && i < sizeof OPS / sizeof *OPS; i++) fprintf(c->errs, "%s%s", i ? ", " : " ", OPS[i].op);
    if (c->errs) fprintf(c->errs, ")\n");
  }
  if (!g->n_output) ERR(c, "the graph has no output");
  fprintf(c->lua, "return { name = \"%s\", inputs = {", model_name);
  for (size_t i = 0; i < g->n_input; i++) {
    int v = g->input[i]->name ? find(c, g->input[i]->name) : -1;
    if (v >= 0 && !c->vals[v].data) fprintf(c->lua, "%s%s", i ? ", " : "", c->vals[v].lua);
  }
  fprintf(c->lua, "}, outputs = {");
  for (size_t i = 0; i < g->n_output; i++) {
    int v = g->output[i]->name ? find(c, g->output[i]->name) : -1;
    const char *e = v >= 0 && c->vals[v].known ? tensor(c, &c->vals[v], -1, NULL) : NULL;
    if (!e && !c->nerr) ERR(c, "graph output \"%s\" is not computed by any node dlc can translate", shown(g->output[i]->name, b));
    fprintf(c->lua, "%s%s", i ? ", " : "", e ? e : "nil");
  }
  fprintf(c->lua, "} }\n");
  return c->nerr != 0;
}

static void free_params(RtTensor *p, int n) {
  for (int i = 0; i < n; i++) free((void *)p[i].name), free(p[i].data);
  free(p);
}

int onnx_translate(const uint8_t *buf, size_t n, const char *path, const char *model_name,
                   const char *weights_name, const OnnxOptions *o, OnnxResult *r, FILE *errs) {
  OnnxOptions dflt = {0, 0, NULL, 0};
  Ctx c = {0};
  c.path = path, c.errs = errs, c.o = o ? o : &dflt;
  memset(r, 0, sizeof *r);
  size_t maxb = c.o->max_file_bytes ? c.o->max_file_bytes : ONNX_MAX_FILE_BYTES;
  if (n > maxb) return ERR(&c, "%zu bytes: larger than dlc import reads (%zu)", n, maxb), 1;
  int nest = nesting(&onnx__model_proto__descriptor, buf, n);
  if (nest == NEST_DEEP)
    return ERR(&c, "not accepted: protobuf messages nested more than %d deep (ONNX subgraphs inside subgraphs, "
               "or types inside types): a broken or hostile file", MAX_NESTING), 1;
  Onnx__ModelProto *m = nest == NEST_OK ? onnx__model_proto__unpack(NULL, n, buf) : NULL;
  if (!m) return ERR(&c, "not an ONNX model: the protobuf data is truncated or corrupt"), 1;
  if (!(c.lua = open_memstream(&c.out, &c.outlen))) { onnx__model_proto__free_unpacked(m, NULL); return ERR(&c, "out of memory"), 1; }
  int st = translate(&c, m, model_name, weights_name);
  st |= fclose(c.lua) != 0;
  for (int i = 0; i < c.nvals; i++) free(c.vals[i].lua), free(c.vals[i].iv);
  free(c.vals), free(c.hash);
  inline_free(&c.fl);
  onnx__model_proto__free_unpacked(m, NULL);
  if (st) {
    free(c.out), free_params(c.params, c.nparams);
    if (!c.nerr) ERR(&c, "out of memory");
    return 1;
  }
  r->lua = c.out, r->params = c.params, r->nparams = c.nparams;
  return 0;
}

void onnx_result_free(OnnxResult *r) {
  free(r->lua), free_params(r->params, r->nparams);
  memset(r, 0, sizeof *r);
}

static int write_text(FILE *fp, void *ctx) { return fputs((const char *)ctx, fp) < 0; }

static char *read_all(const char *path, size_t max, size_t *n, char *err, size_t errlen) {
  int fd = rt_open_regular(path, err, errlen);
  if (fd < 0) return NULL;
  struct stat st;
  char *buf = NULL;
  if (fstat(fd, &st) || st.st_size < 0 || (size_t)st.st_size > max) {
    rt_set_err(err, errlen, "%s: %lld bytes: larger than dlc import reads (%zu)", path, (long long)st.st_size, max);
  } else if ((buf = malloc((size_t)st.st_size + 1))) {
    size_t got = 0;
    ssize_t k;
    while (got < (size_t)st.st_size && (k = read(fd, buf + got, (size_t)st.st_size - got)) > 0) got += (size_t)k;
    if (got != (size_t)st.st_size) { rt_set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno)); free(buf), buf = NULL; }
    *n = got;
  } else {
    rt_set_err(err, errlen, "%s: out of memory", path);
  }
  close(fd);
  return buf;
}

int onnx_translate_file(const char *in, const char *model_name, const char *weights_name, const OnnxOptions *o,
                        OnnxResult *r, FILE *errs) {
  char err[512];
  size_t n = 0, maxb = o && o->max_file_bytes ? o->max_file_bytes : ONNX_MAX_FILE_BYTES;
  char *buf = read_all(in, maxb, &n, err, sizeof err);
  if (!buf) return fprintf(errs, "%s\n", err), 1;
  int rc = onnx_translate((const uint8_t *)buf, n, in, model_name, weights_name, o, r, errs);
  free(buf);
  return rc;
}

int onnx_import_file(const char *in, const char *out_lua, const OnnxOptions *o, FILE *errs) {
  char err[512], b[NAME_SHOWN + 4];
  /* the weights beside the model file: model.lua -> model.safetensors; the stem names the model */
  size_t len = strlen(out_lua);
  int lua_ext = len > 4 && !strcmp(out_lua + len - 4, ".lua");
  char *st = malloc(len + 16);
  const char *base = strrchr(out_lua, '/') ? strrchr(out_lua, '/') + 1 : out_lua;
  char *stem = strndup(base, strlen(base) - (lua_ext ? 4 : 0));
  char *name = stem ? rt_c_ident(stem) : NULL;
  if (!st || !name) { free(st), free(stem), free(name); return fprintf(errs, "dlc import: out of memory\n"), 1; }
  snprintf(st, len + 16, "%.*s.safetensors", (int)(len - (lua_ext ? 4 : 0)), out_lua);
  OnnxResult r;
  int rc = onnx_translate_file(in, name, strrchr(st, '/') ? strrchr(st, '/') + 1 : st, o, &r, errs);
  if (!rc) {
    RtMeta meta[] = {{"dlc.imported_from", "onnx"}};
    if (rt_st_save(st, r.params, r.nparams, meta, 1, err, sizeof err) ||
        rt_write_atomic(out_lua, write_text, r.lua, err, sizeof err)) {
      fprintf(errs, "%s\n", err);
      rc = 1;
    } else {
      fprintf(errs, "dlc import: wrote %s and %s (%d tensors)\n", shown(out_lua, b), shown(st, err), r.nparams);
    }
    onnx_result_free(&r);
  }
  free(st), free(stem), free(name);
  return rc;
}
