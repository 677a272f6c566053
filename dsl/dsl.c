/* dsl.c - runs a model file in a sandboxed Lua 5.4 state and builds the graph IR from it.
 *
 * C offers primitives only (module "core", visible to the embedded dsl/ Lua chunks as their
 * `...`): leaves, the ops of the op table, shape queries, locations and errors.  Everything
 * friendly (nn, optim, init, tensor methods, the spec table) is Lua, embedded at build time.
 * A tensor is a userdata holding a node id and nothing else; Lua never owns IR memory.
 *
 * The model runs in the sandbox of sandbox.c (libraries, environments, sealed metatables, the
 * CPU-time budget); `require` knows only dlc, nn, optim and init.  An instruction-count hook
 * and an allocation cap (here) stop runaway models too.  Every node gets the line of the
 * innermost frame of the model file (or of the module that made it: core.with_loc).  Every
 * call into Lua is protected and within the budget: model code never runs outside one. */
#include "dsl.h"

#include "dlc_rt.h"
#include "sandbox.h"

#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TENSOR_MT "dlc.Tensor"
enum { MAX_LOC_DEPTH = 64 };

struct Dsl {
  lua_State *L;
  Graph *g;
  const char *file;  /* the model path, as given */
  long long instr, instr_limit;
  double time_limit, time_left; /* CPU seconds for the model's code, and what is left */
  size_t mem, mem_limit;
  int nloc;
  int locs[MAX_LOC_DEPTH];
  int scopes[MAX_LOC_DEPTH]; /* the module scope of each frame (Loc.scope), 0: none */
  int spec_ref;      /* the built spec table */
  int last_line;     /* last line of the model file that ran: where the spec was returned */
  char mode[8];      /* core.mode(): "none", "train" or "eval" */
  void (*on_error)(void *, const char *); /* the graph's error handler outside Lua */
  void *err_ctx;
};

typedef struct {
  int id;
} TensorUD;

static Dsl *get_dsl(lua_State *L) {
  Dsl *d;
  lua_getallocf(L, (void **)&d);
  return d;
}

/* ---- locations and errors ------------------------------------------------------------- */

static Loc cur_loc(lua_State *L) {
  Dsl *d = get_dsl(L);
  Loc l = {d->file, d->nloc ? d->locs[d->nloc - 1] : sb_user_line(L), d->nloc ? d->scopes[d->nloc - 1] : 0};
  return l;
}

static void raise_msg(void *ctx, const char *msg) {
  lua_State *L = ctx;
  lua_pushstring(L, msg);
  lua_error(L);
}

static int dsl_raise(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int dsl_raise(lua_State *L, const char *fmt, ...) {
  char body[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  Loc l = cur_loc(L);
  lua_pushfstring(L, "%s:%d: %s", l.file, l.line, body); /* no luaL_where: the place is ours */
  return lua_error(L);
}

/* Called before every IR constructor: new nodes get the current location, errors go to Lua.
 * A model builds at most DSL_MAX_NODES nodes: the passes after the model ran are not all
 * linear in the graph's size, and they run outside the model's time budget. */
static Graph *G(lua_State *L) {
  Dsl *d = get_dsl(L);
  if (d->g->nnodes >= DSL_MAX_NODES)
    dsl_raise(L, "the model builds more than %d operations, dlc's limit (a loop that should be a module?)", DSL_MAX_NODES);
  ir_set_loc(d->g, cur_loc(L));
  ir_set_on_error(d->g, raise_msg, L);
  return d->g;
}

/* ---- tensors ---------------------------------------------------------------------------- */

static int push_tensor(lua_State *L, int id) {
  TensorUD *t = lua_newuserdatauv(L, sizeof *t, 0);
  t->id = id;
  luaL_setmetatable(L, TENSOR_MT);
  return 1;
}

static int is_tensor(lua_State *L, int idx) { return luaL_testudata(L, idx, TENSOR_MT) != NULL; }

/* Argument idx as a node: a tensor, or a number made a constant. */
static int node_arg(lua_State *L, int idx) {
  TensorUD *t = luaL_testudata(L, idx, TENSOR_MT);
  if (t) return t->id;
  if (lua_type(L, idx) == LUA_TNUMBER) return ir_const(G(L), lua_tonumber(L, idx), NULL);
  return dsl_raise(L, "expected a tensor or a number, got %s", luaL_typename(L, idx));
}

static int tensor_arg(lua_State *L, int idx) {
  TensorUD *t = luaL_testudata(L, idx, TENSOR_MT);
  if (!t) return dsl_raise(L, "expected a tensor, got %s", luaL_typename(L, idx));
  return t->id;
}

static Shape shape_arg(lua_State *L, int idx) {
  Shape s = {0, {0}};
  if (!lua_istable(L, idx)) dsl_raise(L, "a shape must be a table of sizes, e.g. {64, 784}; got %s",
                                      luaL_typename(L, idx));
  lua_Integer n = luaL_len(L, idx);
  if (n > MAX_DIMS) dsl_raise(L, "a shape has at most %d dimensions, got %lld", MAX_DIMS, (long long)n);
  s.n = (int)n;
  int64_t numel = 1;
  for (int i = 0; i < s.n; i++) {
    lua_geti(L, idx, i + 1);
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    lua_pop(L, 1);
    if (!isint || v < 1 || v > INT32_MAX)
      dsl_raise(L, "shape dimension %d must be a positive integer", i + 1);
    s.d[i] = (int)v;
    numel *= v;
    if (numel > INT32_MAX) dsl_raise(L, "a tensor of more than %d elements is too large", INT32_MAX);
  }
  return s;
}

static int push_shape(lua_State *L, const Shape *s) {
  lua_createtable(L, s->n, 0);
  for (int i = 0; i < s->n; i++) {
    lua_pushinteger(L, s->d[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* A 1-based (or negative, from the end) dim of node x as a 0-based axis. */
static int axis_arg(lua_State *L, int idx, int x) {
  int rank = get_dsl(L)->g->nodes[x].shape.n;
  lua_Integer d = luaL_checkinteger(L, idx);
  if (d < 0) d += rank + 1;
  if (d < 1 || d > rank) dsl_raise(L, "dim %lld is out of range for a %d-D tensor (dims are 1..%d)",
                                   (long long)luaL_checkinteger(L, idx), rank, rank);
  return (int)d - 1;
}

static Op op_named(lua_State *L, int idx, OpKind kind) {
  const char *name = luaL_checkstring(L, idx);
  for (int op = 0; op < OP_COUNT; op++)
    if (op_info[op].kind == kind && strcmp(op_info[op].name, name) == 0) return (Op)op;
  return (Op)dsl_raise(L, "no such operation: %s", name);
}

/* ---- primitives --------------------------------------------------------------------------- */

/* A name the model gives an input or a parameter: it lands in checkpoints, headers and dumps
 * (escaped there), so it is 1 to MAX_NAME bytes of well-formed UTF-8 without control
 * characters. */
enum { MAX_NAME = 256 };
static const char *name_arg(lua_State *L, int idx, const char *what) {
  size_t n;
  const char *s = luaL_checklstring(L, idx, &n);
  if (n == 0 || n > MAX_NAME) return dsl_raise(L, "%s: a name is 1 to %d bytes long, got %zu", what, MAX_NAME, n), NULL;
  for (size_t i = 0, len; i < n; i += len) {
    uint32_t cp = 0;
    len = rt_utf8_seq((const unsigned char *)s + i, n - i, &cp);
    if (!len) return dsl_raise(L, "%s: a name must be UTF-8 text (byte %zu is not)", what, i + 1), NULL;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
      return dsl_raise(L, "%s: a name may not hold control characters (byte %zu is U+%04X)", what, i + 1, (unsigned)cp), NULL;
  }
  return s;
}

static int c_input(lua_State *L) {
  const char *name = name_arg(L, 1, "dlc.input");
  Shape s = shape_arg(L, 2);
  const char *dt = luaL_optstring(L, 3, "float");
  return push_tensor(L, ir_input(G(L), name, s, strcmp(dt, "int") == 0 ? DT_INT : DT_FLOAT));
}

static double num_field(lua_State *L, int idx, const char *k) {
  lua_getfield(L, idx, k);
  double v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}

static int c_param(lua_State *L) {
  int buffer = lua_toboolean(L, 4); /* read before the stack grows */
  const char *name = name_arg(L, 1, "dlc.param");
  Shape s = shape_arg(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_getfield(L, 3, "dist");
  const char *dist = lua_tostring(L, -1);
  Init init = {INIT_CONST, num_field(L, 3, "a"), num_field(L, 3, "b"), 0};
  if (dist && strcmp(dist, "uniform") == 0) init.kind = INIT_UNIFORM;
  else if (dist && strcmp(dist, "normal") == 0) init.kind = INIT_NORMAL;
  else if (!dist || strcmp(dist, "const") != 0) return dsl_raise(L, "unknown initializer");
  if (!isfinite(init.a) || !isfinite(init.b)) return dsl_raise(L, "initializer parameters must be finite");
  lua_getfield(L, 3, "zero_row"); /* 1-based row of dim 1 set to 0 after the fill */
  if (!lua_isnil(L, -1)) {
    lua_Integer r = lua_tointeger(L, -1);
    if (!lua_isinteger(L, -1) || s.n < 1 || r < 1 || r > s.d[0]) return dsl_raise(L, "initializer: zero_row out of range");
    init.zero_row = r;
  }
  lua_pop(L, 1);
  int id = ir_param(G(L), name, s, init);
  if (buffer) ir_mark_buffer(get_dsl(L)->g, id);
  return push_tensor(L, id);
}

static int c_rand(lua_State *L) {
  Shape s = shape_arg(L, 1);
  return push_tensor(L, ir_rand(G(L), s, (int)luaL_checkinteger(L, 2)));
}

/* The pass being built: "train" or "eval" (spec.net is applied once in each), else "none". */
static int c_mode(lua_State *L) {
  Dsl *d = get_dsl(L);
  if (lua_gettop(L) >= 1) {
    const char *m = luaL_checkstring(L, 1);
    snprintf(d->mode, sizeof d->mode, "%s", m);
    return 0;
  }
  lua_pushstring(L, d->mode);
  return 1;
}

/* A buffer (running statistics) updated by the training step, not by the optimizer. */
static int c_update_buffer(lua_State *L) {
  Graph *g = G(L);
  int dst = tensor_arg(L, 1), v = node_arg(L, 2);
  if (g->nodes[dst].op != OP_PARAM || !g->params[g->nodes[dst].leaf].buffer)
    return dsl_raise(L, "update_buffer: not a buffer");
  if (!shape_eq(&g->nodes[dst].shape, &g->nodes[v].shape)) v = ir_broadcast(g, v, g->nodes[dst].shape);
  ir_add_root(g, FN_GRAD, ir_assign(g, dst, v));
  return 0;
}

/* module:freeze(): a parameter that is not trained (no gradient, no optimizer state) but is
 * still a parameter of the model, saved and loaded under its name.  A buffer stays a buffer. */
static int c_freeze(lua_State *L) {
  Graph *g = G(L);
  int p = tensor_arg(L, 1);
  if (g->nodes[p].op != OP_PARAM) return dsl_raise(L, "freeze: not a parameter");
  if (!g->params[g->nodes[p].leaf].buffer) ir_mark_frozen(g, p);
  return 0;
}

static int c_const(lua_State *L) {
  double v = luaL_checknumber(L, 1);
  const char *name = luaL_optstring(L, 2, NULL);
  return push_tensor(L, ir_const(G(L), v, name));
}

static int c_unary(lua_State *L) {
  Op op = op_named(L, 1, K_E1);
  int x = node_arg(L, 2);
  if (op_info[op].flags & OF_AB) /* scalar attributes: clamp's bounds, softplus's threshold */
    return push_tensor(L, ir_unary_ab(G(L), op, x, luaL_checknumber(L, 3), luaL_optnumber(L, 4, 0)));
  return push_tensor(L, ir_unary(G(L), op, x));
}

static int c_binary(lua_State *L) {
  Op op = op_named(L, 1, K_E2);
  int a = node_arg(L, 2), b = node_arg(L, 3);
  return push_tensor(L, ir_binary(G(L), op, a, b));
}

static int c_matmul(lua_State *L) {
  int a = tensor_arg(L, 1), b = tensor_arg(L, 2);
  return push_tensor(L, ir_matmul(G(L), a, b, lua_toboolean(L, 3), lua_toboolean(L, 4)));
}

static int c_transpose(lua_State *L) { return push_tensor(L, ir_transpose(G(L), tensor_arg(L, 1))); }

static int c_reshape(lua_State *L) {
  int x = tensor_arg(L, 1);
  return push_tensor(L, ir_reshape(G(L), x, shape_arg(L, 2)));
}

/* permute(x, {d1, ...}): output dim i is input dim d_i (0-based here; dlc.lua converts). */
static int c_permute(lua_State *L) {
  int x = tensor_arg(L, 1), perm[MAX_DIMS];
  luaL_checktype(L, 2, LUA_TTABLE);
  int n = G(L)->nodes[x].shape.n;
  if (luaL_len(L, 2) != n) return dsl_raise(L, "permute: a %d-D tensor needs %d dims, got %lld", n, n, (long long)luaL_len(L, 2));
  for (int i = 0; i < n; i++) {
    lua_geti(L, 2, i + 1);
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    lua_pop(L, 1);
    if (!isint || v < 0 || v >= n) return dsl_raise(L, "permute: the dims of a %d-D tensor must be 1..%d, each once", n, n);
    perm[i] = (int)v;
  }
  return push_tensor(L, ir_permute(G(L), x, perm));
}

/* window(x, {kh, kw, sh, sw, ph, pw}, mode, layout): the sliding windows of an [N, C, H, W]
 * image (see WL_* in ir.h); mode "zeros" | "replicate" | "-inf", layout "conv" | "pool". */
/* The sizes {kh, kw, sh, sw, ph, pw} at stack index i into attr[0..5] (the shape rules check them). */
static void window_sizes(lua_State *L, int i, int *attr, const char *what) {
  luaL_checktype(L, i, LUA_TTABLE);
  for (int k = 0; k < 6; k++) {
    lua_geti(L, i, k + 1);
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    lua_pop(L, 1);
    if (!isint || v < -1000000 || v > 1000000) dsl_raise(L, "%s: sizes must be integers", what);
    attr[k] = (int)v;
  }
}

static int c_window(lua_State *L) {
  int x = tensor_arg(L, 1), attr[8] = {0};
  window_sizes(L, 2, attr, "window");
  static const char *const modes[] = {"zeros", "replicate", "-inf", NULL};
  static const char *const layouts[] = {"conv", "pool", NULL};
  attr[WA_MODE] = luaL_checkoption(L, 3, NULL, modes);
  attr[WA_LAYOUT] = luaL_checkoption(L, 4, NULL, layouts);
  return push_tensor(L, ir_window(G(L), x, attr));
}

/* slice(x, dim, start, len): dim 1-based, start 0-based (dlc.lua converts). */
static int c_slice(lua_State *L) {
  int x = tensor_arg(L, 1), axis = axis_arg(L, 2, x);
  lua_Integer start = luaL_checkinteger(L, 3), len = luaL_checkinteger(L, 4);
  if (start < 0 || start > INT32_MAX || len < 1 || len > INT32_MAX)
    return dsl_raise(L, "narrow: start and length are out of range");
  return push_tensor(L, ir_slice(G(L), x, axis, (int)start, (int)len));
}

/* pad(x, dim, at, size): x placed at offset `at` (0-based) of dim in zeros of that size. */
static int c_pad(lua_State *L) {
  int x = tensor_arg(L, 1), axis = axis_arg(L, 2, x);
  lua_Integer at = luaL_checkinteger(L, 3), size = luaL_checkinteger(L, 4);
  if (at < 0 || at > INT32_MAX || size < 1 || size > INT32_MAX) return dsl_raise(L, "pad: sizes are out of range");
  return push_tensor(L, ir_pad(G(L), x, axis, (int)at, (int)size));
}

/* gather(x, dim, index, shape [, nograd]): torch.gather with the index broadcast to shape;
 * nograd, a 0-based index along dim, passes no gradient back (nn.Embedding's padding_idx). */
static int c_gather(lua_State *L) {
  int x = tensor_arg(L, 1), axis = axis_arg(L, 2, x), idx = tensor_arg(L, 3);
  Shape s = shape_arg(L, 4);
  lua_Integer nograd = luaL_optinteger(L, 5, -1);
  if (nograd < -1 || nograd > INT_MAX) return dsl_raise(L, "gather: the index without gradient is out of range");
  return push_tensor(L, ir_gather_nograd(G(L), x, idx, axis, s, (int)nograd));
}

/* phase(t, e): t in the training step, e in inference. */
static int c_phase(lua_State *L) {
  int t = tensor_arg(L, 1), e = tensor_arg(L, 2);
  return push_tensor(L, ir_phase(G(L), t, e));
}

/* unwindow(cols, {kh, kw, sh, sw, ph, pw}, image shape): the adjoint of window's "conv"
 * layout with zero padding: each window element added back into the image (col2im). */
static int c_unwindow(lua_State *L) {
  int cols = tensor_arg(L, 1), attr[8] = {0};
  window_sizes(L, 2, attr, "unwindow");
  attr[WA_MODE] = PAD_ZEROS;
  attr[WA_LAYOUT] = WL_CONV;
  return push_tensor(L, ir_unwindow(G(L), cols, attr, shape_arg(L, 3)));
}

/* max_pool(x, {kh, kw, sh, sw, ph, pw}): each window's maximum (padding never wins). */
static int c_max_pool(lua_State *L) {
  int x = tensor_arg(L, 1), attr[8] = {0};
  window_sizes(L, 2, attr, "max_pool");
  return push_tensor(L, ir_max_pool(G(L), x, attr));
}

static int c_sum_to(lua_State *L) {
  int x = tensor_arg(L, 1);
  return push_tensor(L, ir_sum_to(G(L), x, shape_arg(L, 2)));
}

static int c_broadcast(lua_State *L) {
  int x = node_arg(L, 1);
  return push_tensor(L, ir_broadcast(G(L), x, shape_arg(L, 2)));
}

static int c_max(lua_State *L) {
  int x = tensor_arg(L, 1);
  return push_tensor(L, ir_max(G(L), x, axis_arg(L, 2, x)));
}

static int c_row(lua_State *L) {
  Op op = op_named(L, 1, K_ROW);
  int x = tensor_arg(L, 2);
  return push_tensor(L, ir_row(G(L), op, x, axis_arg(L, 3, x)));
}

static int c_xent(lua_State *L) {
  int x = tensor_arg(L, 1), t = tensor_arg(L, 2);
  return push_tensor(L, ir_xent(G(L), x, t));
}

static int c_pick(lua_State *L) {
  int x = tensor_arg(L, 1), t = tensor_arg(L, 2);
  return push_tensor(L, ir_pick(G(L), x, t));
}

static int c_onehot(lua_State *L) {
  int t = tensor_arg(L, 1);
  return push_tensor(L, ir_onehot(G(L), t, (int)luaL_checkinteger(L, 2)));
}

static int c_shape(lua_State *L) { return push_shape(L, &get_dsl(L)->g->nodes[tensor_arg(L, 1)].shape); }

static int c_dtype(lua_State *L) {
  lua_pushstring(L, get_dsl(L)->g->nodes[tensor_arg(L, 1)].dt == DT_INT ? "int" : "float");
  return 1;
}

static int c_id(lua_State *L) {
  lua_pushinteger(L, tensor_arg(L, 1));
  return 1;
}

static int c_is_tensor(lua_State *L) {
  lua_pushboolean(L, is_tensor(L, 1));
  return 1;
}

static int c_kind(lua_State *L) {
  lua_pushstring(L, op_info[get_dsl(L)->g->nodes[tensor_arg(L, 1)].op].name);
  return 1;
}

static int c_line(lua_State *L) {
  lua_pushinteger(L, cur_loc(L).line);
  return 1;
}

static int c_error(lua_State *L) { return dsl_raise(L, "%s", luaL_checkstring(L, 1)); }

/* Run the function at stack index 2 with the arguments after it, in a frame at line and
 * scope; its results. */
static int in_frame(lua_State *L, int line, int scope) {
  Dsl *d = get_dsl(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  if (d->nloc == MAX_LOC_DEPTH) return dsl_raise(L, "modules nested too deeply");
  d->locs[d->nloc] = line;
  d->scopes[d->nloc++] = scope;
  int nargs = lua_gettop(L) - 2;
  int st = lua_pcall(L, nargs, LUA_MULTRET, 0);
  d->nloc--;
  if (st != LUA_OK) return lua_error(L);
  return lua_gettop(L) - 1;
}

/* with_loc(line, f, ...): run f with new nodes and errors placed at line. */
static int c_with_loc(lua_State *L) {
  Dsl *d = get_dsl(L);
  int line = (int)luaL_checkinteger(L, 1);
  return in_frame(L, line, d->nloc ? d->scopes[d->nloc - 1] : 0);
}

/* with_module(scope, line, f, ...): the same, the nodes in the module's scope. */
static int c_with_module(lua_State *L) {
  Dsl *d = get_dsl(L);
  lua_Integer scope = luaL_checkinteger(L, 1);
  if (scope < 1 || scope > d->g->nscopes) return dsl_raise(L, "no module scope %lld", (long long)scope);
  lua_remove(L, 1);
  return in_frame(L, (int)luaL_checkinteger(L, 1), (int)scope);
}

/* scope(name, kind): a new module scope; its id. */
static int c_scope(lua_State *L) {
  lua_pushinteger(L, ir_scope_new(get_dsl(L)->g, luaL_checkstring(L, 1), luaL_checkstring(L, 2)));
  return 1;
}

/* rename_scope(id, name): the module's final name (its state_dict prefix). */
static int c_rename_scope(lua_State *L) {
  Dsl *d = get_dsl(L);
  lua_Integer id = luaL_checkinteger(L, 1);
  if (id < 1 || id > d->g->nscopes) return dsl_raise(L, "no module scope %lld", (long long)id);
  ir_scope_rename(d->g, (int)id, luaL_checkstring(L, 2));
  return 0;
}

static int c_rename(lua_State *L) {
  Dsl *d = get_dsl(L);
  int id = tensor_arg(L, 1);
  const char *name = name_arg(L, 2, "a parameter's name");
  if (d->g->nodes[id].op != OP_PARAM) return dsl_raise(L, "only parameters can be renamed");
  ir_rename_param(d->g, id, name);
  return 0;
}

static int c_param_name(lua_State *L) {
  Dsl *d = get_dsl(L);
  int id = tensor_arg(L, 1);
  if (d->g->nodes[id].op != OP_PARAM) return dsl_raise(L, "not a parameter");
  lua_pushstring(L, d->g->params[d->g->nodes[id].leaf].name);
  return 1;
}

static int c_state(lua_State *L) {
  int p = lua_isnil(L, 1) ? -1 : tensor_arg(L, 1);
  return push_tensor(L, ir_state(G(L), p, luaL_checkstring(L, 2)));
}

static int c_assign(lua_State *L) {
  Graph *g = G(L);
  int dst = tensor_arg(L, 1), v = node_arg(L, 2);
  Op op = g->nodes[dst].op;
  if (op != OP_PARAM && op != OP_STATE) return dsl_raise(L, "only parameters and optimizer state can be updated");
  if (!shape_eq(&g->nodes[dst].shape, &g->nodes[v].shape)) v = ir_broadcast(g, v, g->nodes[dst].shape);
  ir_add_root(g, FN_UPDATE, ir_assign(g, dst, v));
  return 0;
}

/* ---- tensor metamethods ------------------------------------------------------------------- */

static int arith(lua_State *L, Op op) {
  int a = node_arg(L, 1), b = node_arg(L, 2);
  return push_tensor(L, ir_binary(G(L), op, a, b));
}
static int m_add(lua_State *L) { return arith(L, OP_ADD); }
static int m_sub(lua_State *L) { return arith(L, OP_SUB); }
static int m_mul(lua_State *L) { return arith(L, OP_MUL); }
static int m_div(lua_State *L) { return arith(L, OP_DIV); }
static int m_pow(lua_State *L) { return arith(L, OP_POW); }
static int m_unm(lua_State *L) { return push_tensor(L, ir_unary(G(L), OP_NEG, tensor_arg(L, 1))); }

static int m_tostring(lua_State *L) {
  Dsl *d = get_dsl(L);
  int id = tensor_arg(L, 1);
  const Node *n = &d->g->nodes[id];
  lua_pushfstring(L, "tensor %%%d %s %s%s", id, op_info[n->op].name, dtype_str(n->dt, 0), shape_str(&n->shape));
  return 1;
}

static int m_concat(lua_State *L) { return dsl_raise(L, "cannot concatenate a tensor with '..'"); }

static const luaL_Reg core_fns[] = {
    {"input", c_input}, {"param", c_param}, {"const", c_const}, {"unary", c_unary},
    {"binary", c_binary}, {"matmul", c_matmul}, {"transpose", c_transpose}, {"reshape", c_reshape},
    {"sum_to", c_sum_to}, {"permute", c_permute}, {"window", c_window}, {"broadcast", c_broadcast}, {"max", c_max}, {"row", c_row},
    {"xent", c_xent}, {"pick", c_pick}, {"onehot", c_onehot}, {"shape", c_shape},
    {"dtype", c_dtype}, {"id", c_id}, {"is_tensor", c_is_tensor}, {"kind", c_kind},
    {"line", c_line}, {"error", c_error}, {"with_loc", c_with_loc}, {"with_module", c_with_module},
    {"scope", c_scope}, {"rename_scope", c_rename_scope}, {"rename", c_rename},
    {"param_name", c_param_name}, {"state", c_state}, {"assign", c_assign}, {"rand", c_rand},
    {"mode", c_mode}, {"update_buffer", c_update_buffer}, {"freeze", c_freeze}, {"slice", c_slice}, {"pad", c_pad},
    {"gather", c_gather}, {"phase", c_phase}, {"unwindow", c_unwindow}, {"max_pool", c_max_pool}, {NULL, NULL}};

static const luaL_Reg tensor_mms[] = {
    {"__add", m_add}, {"__sub", m_sub}, {"__mul", m_mul}, {"__div", m_div}, {"__pow", m_pow},
    {"__unm", m_unm}, {"__tostring", m_tostring}, {"__concat", m_concat}, {NULL, NULL}};

/* ---- sandbox ------------------------------------------------------------------------------ */

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Dsl *d = ud;
  if (!ptr) osize = 0;
  if (nsize == 0) {
    free(ptr);
    d->mem -= osize;
    return NULL;
  }
  if (nsize > osize && d->mem + (nsize - osize) > d->mem_limit) return NULL;
  void *p = realloc(ptr, nsize);
  if (p) d->mem = d->mem - osize + nsize;
  return p;
}

static void hook(lua_State *L, lua_Debug *ar) {
  Dsl *d = get_dsl(L);
  if (ar->event == LUA_HOOKLINE) {
    if (lua_getinfo(L, "S", ar) && ar->source[0] == '@') d->last_line = ar->currentline;
    return;
  }
  d->instr += 1000;
  if (d->instr > d->instr_limit) {
    char msg[200];
    snprintf(msg, sizeof msg, "the model file ran more than %lld Lua instructions and was stopped (an endless loop?)",
             d->instr_limit);
    sb_stop(L, msg);
  }
}

/* The embedded chunks: dsl_lua_chunks[] from the build (embed.cmake). */
typedef struct {
  const char *name;
  const unsigned char *data;
  size_t len;
} DslChunk;
extern const DslChunk dsl_lua_chunks[];

static int sandbox_require(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, "dlc.loaded");
  if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  const DslChunk *c = dsl_lua_chunks;
  char file[64];
  snprintf(file, sizeof file, "%s.lua", name);
  while (c->name && strcmp(c->name, file) != 0) c++;
  if (!c->name || strcmp(name, "core") == 0)
    return dsl_raise(L, "module '%s' is not available: model files can require dlc, nn, optim and init", name);
  char chunkname[64];
  snprintf(chunkname, sizeof chunkname, "=dlc/%s.lua", name);
  if (luaL_loadbufferx(L, (const char *)c->data, c->len, chunkname, "t") != LUA_OK) return lua_error(L);
  sb_private_env(L);
  lua_getfield(L, LUA_REGISTRYINDEX, "dlc.core");
  lua_call(L, 1, 1);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, name);
  return 1;
}

/* The model's require: read-only views of dlc's modules, one per module. */
static int model_require(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, "dlc.views");
  if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  lua_pushcfunction(L, sandbox_require);
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1);
  if (lua_istable(L, -1)) sb_read_only(L, name);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, name);
  return 1;
}

static void open_core(lua_State *L, const DslOptions *o) {
  luaL_newmetatable(L, TENSOR_MT);
  luaL_setfuncs(L, tensor_mms, 0);
  lua_pushboolean(L, 0); /* sealed: getmetatable(tensor) cannot reach the methods */
  lua_setfield(L, -2, "__metatable");
  lua_newtable(L); /* methods, filled by dlc.lua; a name that is not one is an error */
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, sb_no_method);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__index");
  luaL_newlib(L, core_fns);
  lua_insert(L, -2);
  lua_setfield(L, -2, "methods");
  lua_newtable(L);
  for (int i = 0; i < o->ndefs; i++) {
    const char *eq = strchr(o->defs[i], '=');
    lua_pushlstring(L, o->defs[i], (size_t)(eq - o->defs[i]));
    if (lua_stringtonumber(L, eq + 1) == 0) lua_pushstring(L, eq + 1);
    lua_settable(L, -3);
  }
  lua_setfield(L, -2, "args");
  if (o->batch > 0) {
    lua_pushinteger(L, o->batch);
    lua_setfield(L, -2, "batch");
  }
  if (o->loss || o->optim || o->lr > 0) { /* read by dlc._build */
    lua_createtable(L, 0, 3);
    lua_pushstring(L, o->loss ? o->loss : "");
    lua_setfield(L, -2, "loss");
    lua_pushstring(L, o->optim ? o->optim : "");
    lua_setfield(L, -2, "optim");
    lua_pushnumber(L, o->lr);
    lua_setfield(L, -2, "lr");
    lua_setfield(L, -2, "complete");
  }
  lua_setfield(L, LUA_REGISTRYINDEX, "dlc.core");
  lua_pop(L, 1); /* metatable */
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "dlc.loaded");
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "dlc.views");
  lua_getfield(L, LUA_REGISTRYINDEX, "dlc.env");
  lua_pushcfunction(L, sandbox_require);
  lua_setfield(L, -2, "require");
  lua_pop(L, 1);
  lua_pushcfunction(L, model_require);
  lua_setglobal(L, "require");
}

/* ---- running the model --------------------------------------------------------------------- */

/* The message handler: every error reads "model.lua:LINE: ...".  An error raised inside dlc's
 * own chunks (named "dlc/...") can only come from a value the model handed over or changed:
 * it is placed at the model's line, with dlc's words kept after it. */
static int traceback_msg(lua_State *L) {
  Dsl *d = get_dsl(L);
  if (!lua_isstring(L, 1)) {
    lua_pushfstring(L, "%s:%d: error object is a %s, not a message", d->file, sb_user_line(L), luaL_typename(L, 1));
  } else if (strncmp(lua_tostring(L, 1), "dlc/", 4) == 0) {
    Loc l = cur_loc(L);
    lua_pushfstring(L, "%s:%d: dlc's library failed on what this line gave it (%s)", l.file, l.line, lua_tostring(L, 1));
  } else {
    size_t n = strlen(d->file);
    const char *m = lua_tostring(L, 1);
    if (strncmp(m, d->file, n) != 0 || m[n] != ':') /* error(msg, 0), or raised in a load()ed chunk */
      lua_pushfstring(L, "%s:%d: %s", d->file, cur_loc(L).line, m);
  }
  return 1;
}

/* Call the function on the top with n args, within the model's CPU-time budget; on error print
 * the message (escaped for the terminal), return 1. */
static int protected_call(Dsl *d, int nargs, int nres) {
  lua_State *L = d->L;
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, traceback_msg);
  lua_insert(L, base);
  sb_clock_start(L, d->file, d->time_left, d->time_limit);
  int st = lua_pcall(L, nargs, nres, base);
  d->time_left = sb_clock_stop();
  lua_sethook(L, hook, LUA_MASKCOUNT | LUA_MASKLINE, 1000); /* the clock may have replaced it */
  lua_remove(L, base);
  ir_set_on_error(d->g, d->on_error, d->err_ctx); /* IR errors outside Lua: the caller's handler */
  if (st == LUA_OK) return 0;
  if (st == LUA_ERRMEM) {
    fprintf(stderr, "%s: the model file used more than %zu MiB of memory and was stopped\n",
            ir_esc(d->file, RT_ESC_TERM), d->mem_limit >> 20);
  } else {
    rt_fputs_escaped(lua_tostring(L, -1), RT_ESC_TERM, stderr);
    fputc('\n', stderr);
  }
  lua_pop(L, 1);
  return 1;
}

static const char *file_stem(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  char *s = ir_strdup(b);
  char *dot = strrchr(s, '.');
  if (dot && dot != s) *dot = 0;
  return s;
}

/* build_spec(spec, stem) = dlc._build(spec, stem): validates the spec and builds the forward
 * graph and the loss. */
static int build_spec(lua_State *L) {
  lua_pushcfunction(L, sandbox_require);
  lua_pushliteral(L, "dlc");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "_build");
  lua_insert(L, 1);
  lua_settop(L, 3);
  lua_call(L, 2, 1);
  return 1;
}

Dsl *dsl_open(const DslOptions *o, Graph *g) {
  Dsl *d = calloc(1, sizeof *d);
  if (!d) die("out of memory");
  d->g = g;
  snprintf(d->mode, sizeof d->mode, "none");
  d->on_error = g->on_error;
  d->err_ctx = g->err_ctx;
  d->file = o->path;
  d->instr_limit = o->instr_limit;
  d->mem_limit = o->mem_limit;
  d->time_limit = d->time_left = o->time_limit > 0 ? o->time_limit : DSL_DEFAULT_TIMEOUT;
  d->L = lua_newstate(limited_alloc, d);
  if (!d->L) die("cannot create a Lua state");
  lua_State *L = d->L;
  sb_open(L);
  open_core(L, o);
  lua_sethook(L, hook, LUA_MASKCOUNT | LUA_MASKLINE, 1000);
  ir_set_loc(g, (Loc){o->path, g->cur.line, 0});
  if (sb_load_model(L, o->path, o->text, o->text_len) != LUA_OK) {
    dsl_close(d);
    return NULL;
  }
  if (protected_call(d, 0, 1)) {
    dsl_close(d);
    return NULL;
  }
  lua_pushcfunction(L, build_spec);
  lua_insert(L, -2);
  lua_pushstring(L, file_stem(o->path));
  d->scopes[d->nloc] = 0;
  d->locs[d->nloc++] = d->last_line; /* spec errors and nodes: the line that returned it */
  int failed = protected_call(d, 2, 1);
  d->nloc--;
  if (failed) {
    dsl_close(d);
    return NULL;
  }
  d->spec_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return d;
}

/* spec.train (checked by dlc.lua) into *t; the built spec is on the top of the stack. */
static void read_train_defaults(lua_State *L, DslTrainDefaults *t) {
  memset(t, 0, sizeof *t);
  if (lua_getfield(L, -1, "train") != LUA_TTABLE) {
    lua_pop(L, 1);
    return;
  }
  if (lua_getfield(L, -1, "epochs") == LUA_TNUMBER) t->has_epochs = 1, t->epochs = (int)lua_tointeger(L, -1);
  if (lua_getfield(L, -2, "val_split") == LUA_TNUMBER) t->has_val = 1, t->val_split = lua_tonumber(L, -1);
  if (lua_getfield(L, -3, "seed") == LUA_TNUMBER) t->has_seed = 1, t->seed = lua_tointeger(L, -1);
  if (lua_getfield(L, -4, "normalize") == LUA_TSTRING) t->has_norm = 1, t->normalize = ir_strdup(lua_tostring(L, -1));
  if (lua_getfield(L, -5, "augment") == LUA_TSTRING) t->has_augment = 1, t->augment = ir_strdup(lua_tostring(L, -1));
  if (lua_getfield(L, -6, "shuffle") == LUA_TBOOLEAN) t->has_shuffle = 1, t->shuffle = lua_toboolean(L, -1);
  lua_pop(L, 7);
}

/* Does a root of fn read node `leaf`? */
static int fn_reads(const Graph *g, FnKind fn, int leaf) {
  char *seen = ir_alloc((size_t)g->nnodes + 1);
  ir_reachable(g, g->roots[fn].v, g->roots[fn].n, seen);
  return seen[leaf];
}

/* Collect the built spec: name, outputs, target and loss into the graph, spec.train into *train. */
int dsl_finish_forward(Dsl *d, DslTrainDefaults *train) {
  lua_State *L = d->L;
  Graph *g = d->g;
  lua_rawgeti(L, LUA_REGISTRYINDEX, d->spec_ref);
  lua_getfield(L, -1, "name");
  ir_set_name(g, lua_tostring(L, -1));
  lua_pop(L, 1);
  lua_getfield(L, -1, "target_index");
  ir_set_target(g, lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) - 1 : -1);
  lua_pop(L, 1);
  lua_getfield(L, -1, "outputs");
  int nout = (int)luaL_len(L, -1);
  for (int i = 0; i < nout; i++) {
    lua_geti(L, -1, i + 1);
    int v = ((TensorUD *)lua_touserdata(L, -1))->id;
    lua_pop(L, 1);
    ir_set_loc(g, (Loc){d->file, d->last_line, 0});
    int out = ir_output(g, i ? ir_fmt("output%d", i + 1) : "output", g->nodes[v].shape);
    ir_add_root(g, FN_FORWARD, ir_assign(g, out, v));
  }
  lua_pop(L, 1);
  /* a target the outputs read is the input itself (an autoencoder): the data feeds it, and the
   * functions take it as an input, not as a target */
  if (g->target >= 0 && fn_reads(g, FN_FORWARD, g->inputs[g->target].node)) ir_set_target(g, -1);
  lua_getfield(L, -1, "loss");
  ir_set_loss(g, is_tensor(L, -1) ? ((TensorUD *)lua_touserdata(L, -1))->id : -1);
  lua_pop(L, 1);
  read_train_defaults(L, train);
  lua_getfield(L, -1, "binary");
  const char *bin = lua_tostring(L, -1);
  train->binary = !bin ? 0 : strcmp(bin, "BCELoss") == 0 ? 1 : 2;
  lua_pop(L, 1);
  /* m_eval: the outputs and each sample's loss, for evaluation with pad-and-mask batches */
  lua_getfield(L, -1, "sample_loss");
  if (is_tensor(L, -1)) {
    int v = ((TensorUD *)lua_touserdata(L, -1))->id;
    for (int i = 0; i < g->roots[FN_FORWARD].n; i++) ir_add_root(g, FN_EVAL, g->roots[FN_FORWARD].v[i]);
    int out = ir_output(g, "sample_loss", g->nodes[v].shape);
    ir_mark_eval_only(g, out);
    ir_add_root(g, FN_EVAL, ir_assign(g, out, v));
  }
  lua_pop(L, 2);
  /* each pass's value of dropout and batch norm in functional models; unused modules out */
  int dropped = 0;
  const Leaf *gone = NULL;
  d->g = ir_resolve_phases(g, &dropped, &gone);
  for (int i = 0; i < dropped; i++) {
    if (i && gone[i].loc.line == gone[i - 1].loc.line) continue;
    fprintf(stderr, "%s:%d: note: ", ir_esc(gone[i].loc.file, RT_ESC_TERM), gone[i].loc.line);
    for (int j = i; j < dropped && gone[j].loc.line == gone[i].loc.line; j++)
      fprintf(stderr, "%s%s", j > i ? ", " : "", ir_esc(gone[j].name, RT_ESC_TERM));
    fprintf(stderr, " never used: not a parameter of the model\n");
  }
  return 0;
}

Graph *dsl_graph(const Dsl *d) { return d->g; }

/* A number field of the table on the top of the stack (0 when absent). */
static double sched_num(lua_State *L, const char *k) {
  lua_getfield(L, -1, k);
  double v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}

int dsl_scheduler(Dsl *d, RtSched *s) {
  static const char *const kinds[] = {"StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR"};
  lua_State *L = d->L;
  memset(s, 0, sizeof *s);
  lua_rawgeti(L, LUA_REGISTRYINDEX, d->spec_ref);
  if (lua_getfield(L, -1, "scheduler") != LUA_TTABLE) {
    lua_pop(L, 2);
    return 0;
  }
  lua_getfield(L, -1, "kind");
  const char *kind = lua_tostring(L, -1);
  int k = 0;
  while (k < 5 && (!kind || strcmp(kind, kinds[k]))) k++;
  if (k == 5) die("unknown scheduler kind");
  lua_pop(L, 1);
  s->kind = (RtSchedKind)k;
  s->base_lr = sched_num(L, "base_lr"), s->gamma = sched_num(L, "gamma");
  s->step_size = (int64_t)sched_num(L, "step_size");
  s->t_max = (int64_t)sched_num(L, "t_max"), s->eta_min = sched_num(L, "eta_min");
  s->max_lr = sched_num(L, "max_lr"), s->pct_start = sched_num(L, "pct_start");
  s->div_factor = sched_num(L, "div_factor"), s->final_div_factor = sched_num(L, "final_div_factor");
  s->linear = (int)sched_num(L, "linear"), s->three_phase = (int)sched_num(L, "three_phase");
  s->total_steps = (int64_t)sched_num(L, "total_steps"), s->epochs = (int64_t)sched_num(L, "epochs");
  if (lua_getfield(L, -1, "milestones") == LUA_TTABLE) {
    int n = (int)luaL_len(L, -1);
    int64_t *m = ir_alloc((size_t)(n + 1) * sizeof *m);
    for (int i = 0; i < n; i++, lua_pop(L, 1)) lua_geti(L, -1, i + 1), m[i] = (int64_t)lua_tointeger(L, -1);
    s->milestones = m, s->nmilestones = n;
  }
  lua_pop(L, 3);
  return 1;
}

int dsl_has_optim(Dsl *d) {
  lua_rawgeti(d->L, LUA_REGISTRYINDEX, d->spec_ref);
  lua_getfield(d->L, -1, "optim");
  int has = !lua_isnil(d->L, -1);
  lua_pop(d->L, 2);
  return has;
}

/* spec.optim:_build(params, grads): the optimizer's update, as assigns into FN_UPDATE. */
int dsl_build_update(Dsl *d) {
  lua_State *L = d->L;
  Graph *g = d->g;
  lua_rawgeti(L, LUA_REGISTRYINDEX, d->spec_ref);
  lua_getfield(L, -1, "clip_grad_norm");
  lua_getfield(L, -2, "optim");
  lua_remove(L, -3); /* clip, optim */
  lua_getfield(L, -1, "_build");
  lua_insert(L, -3); /* _build, clip, optim */
  lua_insert(L, -2); /* _build, optim, clip */
  lua_createtable(L, g->nparams, 0);
  for (int i = 0, k = 0; i < g->nparams; i++) {
    if (!ir_trained(g, i)) continue; /* running statistics and frozen parameters are not trained */
    lua_createtable(L, 0, 3);
    push_tensor(L, g->params[i].node);
    lua_setfield(L, -2, "param");
    push_tensor(L, ir_grad(g, g->params[i].node));
    lua_setfield(L, -2, "grad");
    lua_pushstring(L, g->params[i].name);
    lua_setfield(L, -2, "name");
    lua_rawseti(L, -2, ++k);
  }
  lua_insert(L, -2); /* _build, optim, params, clip */
  unsigned saved = g->cur_flags;
  ir_set_flags(g, NF_BACKWARD);
  int r = protected_call(d, 3, 0);
  ir_set_flags(g, saved);
  return r;
}

void dsl_close(Dsl *d) {
  if (!d) return;
  if (d->L) lua_close(d->L);
  ir_set_on_error(d->g, d->on_error, d->err_ctx);
  free(d);
}
