/* sandbox.c - the Lua state a model file runs in.  Model files are untrusted: people download
 * and share them, and `dlc train` builds and runs what they become.  So:
 *
 * - Libraries: base (without dofile, loadfile, collectgarbage), string (without dump), table,
 *   math, utf8.  `io`, `os`, `debug` and `package` are tables that refuse every use.  `load`
 *   takes text only and names its chunks "=(load)", so loaded code can neither be bytecode nor
 *   pass for the model file or for dlc's own chunks.  `print` writes to stderr, escaped.
 * - Two environments.  The model's globals hold copies of the library tables; dlc's own Lua
 *   chunks (dlc, nn, optim, init) run in a private environment with copies of their own, so
 *   nothing the model does to its globals or its library tables reaches dlc's code.
 *   `require` gives the model read-only views of dlc's modules.
 * - Sealed metatables: strings and tensors share one metatable each with dlc's code; the
 *   model's getmetatable refuses them (and their __metatable field hides them from any other
 *   path), and setmetatable refuses __gc finalizers, which would run after the model's time.
 * - Time: an instruction-count hook (dsl.c) stops runaway Lua code; a CPU-time budget armed
 *   with setitimer(ITIMER_PROF) also stops C functions that never return to Lua (see
 *   sb_clock_start).  A model stopped by either cannot catch the error with pcall and go on.
 *   Memory: the allocator's cap (dsl.c). */
#include "sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "dlc_rt.h"
#include "dlc_text.h"

/* ---- errors at the model's line ------------------------------------------------------------ */

static int model_frame(lua_State *L, lua_Debug *ar) {
  for (int level = 0; lua_getstack(L, level, ar); level++)
    if (lua_getinfo(L, "Sl", ar) && ar->source[0] == '@' && ar->currentline > 0) return 1;
  return 0;
}

int sb_user_line(lua_State *L) {
  lua_Debug ar;
  return model_frame(L, &ar) ? ar.currentline : 0;
}

int sb_raise(lua_State *L, const char *fmt, ...) {
  char body[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  lua_Debug ar;
  if (model_frame(L, &ar)) lua_pushfstring(L, "%s:%d: %s", ar.source + 1, ar.currentline, body);
  else lua_pushstring(L, body);
  return lua_error(L);
}

/* ---- stopping ------------------------------------------------------------------------------
 * A model stopped by a limit must not catch the error and go on: once sb_stop has raised, the
 * model's pcall and xpcall raise the same message again as soon as they return. */

static volatile sig_atomic_t stopping;
static char stop_msg[1200];

int sb_stop(lua_State *L, const char *msg) {
  lua_Debug ar;
  if (!stopping) {
    if (model_frame(L, &ar)) snprintf(stop_msg, sizeof stop_msg, "%s:%d: %s", ar.source + 1, ar.currentline, msg);
    else snprintf(stop_msg, sizeof stop_msg, "%s", msg);
    stopping = 1;
  }
  lua_pushstring(L, stop_msg);
  return lua_error(L);
}

/* pcall and xpcall: the real one (upvalue 1), then the stop re-raised. */
static int sb_pcall(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  if (stopping) {
    lua_pushstring(L, stop_msg);
    return lua_error(L);
  }
  return lua_gettop(L);
}

/* ---- the CPU-time budget ----------------------------------------------------------------- */

static lua_State *volatile clock_L;
static volatile sig_atomic_t clock_fired;
static double clock_limit;
static char clock_msg[1024];
static size_t clock_msglen;

static void arm(double seconds) {
  struct itimerval it = {{0, 0}, {(time_t)seconds, (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)}};
  if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0) it.it_value.tv_usec = 1;
  setitimer(ITIMER_PROF, &it, NULL);
}

static void timeout_hook(lua_State *L, lua_Debug *ar) {
  char msg[256];
  (void)ar;
  snprintf(msg, sizeof msg, "the model file ran for more than %g s of CPU time and was stopped (an endless loop? "
                            "--lua-timeout S sets the limit)", clock_limit);
  sb_stop(L, msg);
}

/* First expiry: stop the Lua code at its next instruction.  Second (one CPU second later, the
 * model still inside a C function): say why and exit. */
static void on_sigprof(int sig) {
  (void)sig;
  if (!clock_L) return;
  if (!clock_fired) {
    clock_fired = 1;
    lua_sethook(clock_L, timeout_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
    arm(1.0);
    return;
  }
  ssize_t w = write(2, clock_msg, clock_msglen);
  (void)w;
  _exit(1);
}

void sb_clock_start(lua_State *L, const char *file, double seconds, double limit) {
  char *f = rt_escape(file, RT_ESC_TERM);
  int n = snprintf(clock_msg, sizeof clock_msg,
                   "%s: the model file ran for more than %g s of CPU time inside a library function "
                   "(a string pattern that backtracks without end?) and was stopped; --lua-timeout S "
                   "sets the limit\n", f ? f : "model", limit);
  free(f);
  clock_msglen = n < 0 ? 0 : (size_t)n < sizeof clock_msg ? (size_t)n : sizeof clock_msg - 1;
  clock_limit = limit;
  clock_fired = 0;
  stopping = 0;
  clock_L = L;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigprof;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGPROF, &sa, NULL);
  arm(seconds > 0 ? seconds : 1e-6);
}

double sb_clock_stop(void) {
  struct itimerval left, off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &off, &left);
  clock_L = NULL;
  if (clock_fired) return 0;
  return (double)left.it_value.tv_sec + (double)left.it_value.tv_usec * 1e-6;
}

/* ---- the model's base functions ------------------------------------------------------------ */

/* load(chunk [, name [, mode [, env]]]): text only, named "=(load)". */
static int sb_load(lua_State *L) {
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_pushliteral(L, "=(load)");
  lua_pushliteral(L, "t");
  if (n >= 4) lua_pushvalue(L, 4);
  lua_call(L, n >= 4 ? 4 : 3, 2);
  return 2;
}

static int sb_getmetatable(lua_State *L) {
  luaL_checkany(L, 1);
  if (lua_type(L, 1) != LUA_TTABLE && lua_getmetatable(L, 1))
    return sb_raise(L, "getmetatable: the metatable of %ss is dlc's and sealed: model files cannot "
                       "change how %ss behave", luaL_typename(L, 1), luaL_typename(L, 1));
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1);
  return 1;
}

static int sb_setmetatable(lua_State *L) {
  lua_pushliteral(L, "__gc");
  if (lua_type(L, 2) == LUA_TTABLE && lua_rawget(L, 2) != LUA_TNIL)
    return sb_raise(L, "setmetatable: __gc finalizers are not available in model files");
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  return 1;
}

/* print: to stderr (stdout is for dumps), escaped for the terminal. */
static int sb_print(lua_State *L) {
  int n = lua_gettop(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; i++) {
    if (i > 1) luaL_addchar(&b, '\t');
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  rt_fputs_escaped(lua_tostring(L, -1), RT_ESC_TERM, stderr);
  fputc('\n', stderr);
  return 0;
}

static int refuse(lua_State *L) {
  const char *lib = lua_tostring(L, lua_upvalueindex(1));
  const char *key = lua_tostring(L, 2);
  return sb_raise(L, "%s.%s is not available: model files run in a sandbox without file, process or "
                     "OS access", lib, key ? key : "?");
}

static void refusing_table(lua_State *L, const char *name) {
  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, name);
  lua_pushcclosure(L, refuse, 1);
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setglobal(L, name);
}

/* A shallow copy of the table at idx, pushed. */
static void copy_table(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
}

/* ---- read-only views ------------------------------------------------------------------------- */

static int ro_newindex(lua_State *L) {
  const char *name = lua_tostring(L, lua_upvalueindex(1));
  const char *key = lua_tostring(L, 2);
  return sb_raise(L, "%s is dlc's module and cannot be changed (%s.%s = ...)", name, name, key ? key : "?");
}

static int ro_pairs(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "dlc.env");
  lua_getfield(L, -1, "next");
  lua_remove(L, -2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushnil(L);
  return 3;
}

/* Edit distance of a and b, letters compared case-insensitively; large for long names. */
static int distance(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  if (na > 40 || nb > 40) return 99;
  int d[41][41];
  for (size_t i = 0; i <= na; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= nb; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= na; i++)
    for (size_t j = 1; j <= nb; j++) {
      int sub = d[i - 1][j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
      int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
      d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
    }
  return d[na][nb];
}

/* " (did you mean NAME?)" for the public key of the table at idx closest to key, or "". */
static const char *did_you_mean(lua_State *L, int idx, const char *key, char *buf, size_t len) {
  idx = lua_absindex(L, idx);
  int best = 99;
  char bestk[48] = "";
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) continue;
    const char *k = lua_tostring(L, -1);
    if (k[0] == '_' || strlen(k) >= sizeof bestk) continue;
    size_t n = strlen(key) < strlen(k) ? strlen(key) : strlen(k);
    int dist = distance(key, k), limit = n <= 3 ? 1 : n <= 6 ? 2 : 3; /* Relu -> ReLU */
    if (dist <= limit && (dist < best || (dist == best && strcmp(k, bestk) < 0))) { /* the table's order is random */
      best = dist;
      snprintf(bestk, sizeof bestk, "%s", k);
    }
  }
  if (bestk[0]) snprintf(buf, len, " (did you mean %s?)", bestk);
  else buf[0] = 0;
  return buf;
}

/* A name the model asked of one of dlc's modules and that is not there: an error at the
 * model's line, with the nearest name there is. */
static int ro_index(lua_State *L) {
  lua_pushvalue(L, 2);
  if (lua_gettable(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  const char *name = lua_tostring(L, lua_upvalueindex(2)), *what = lua_tostring(L, lua_upvalueindex(3));
  if (lua_type(L, 2) != LUA_TSTRING) return sb_raise(L, "%s has no %s of that kind (a %s key)", name, what, luaL_typename(L, 2));
  const char *key = lua_tostring(L, 2);
  char shown[80], hint[96];
  rt_shown(shown, sizeof shown, key);
  return sb_raise(L, "%s has no %s '%s'%s", name, what, shown, did_you_mean(L, lua_upvalueindex(1), key, hint, sizeof hint));
}

/* What each of dlc's modules holds, for its error messages. */
static const char *member_kind(const char *name) {
  if (strcmp(name, "nn") == 0) return "module";
  if (strcmp(name, "optim") == 0) return "optimizer";
  if (strcmp(name, "init") == 0) return "initializer";
  return "function";
}

int sb_no_method(lua_State *L) {
  if (lua_type(L, 2) != LUA_TSTRING)
    return sb_raise(L, "a tensor cannot be indexed with [...] (got a %s key): tensors have methods only, "
                       "x:name(...)", luaL_typename(L, 2));
  char shown[80], hint[96];
  rt_shown(shown, sizeof shown, lua_tostring(L, 2));
  return sb_raise(L, "a tensor has no method '%s'%s", shown, did_you_mean(L, 1, lua_tostring(L, 2), hint, sizeof hint));
}

void sb_read_only(lua_State *L, const char *name) {
  int real = lua_gettop(L);
  lua_newtable(L);
  lua_createtable(L, 0, 4);
  lua_pushvalue(L, real);
  lua_pushstring(L, name);
  lua_pushstring(L, member_kind(name));
  lua_pushcclosure(L, ro_index, 3);
  lua_setfield(L, -2, "__index");
  lua_pushstring(L, name);
  lua_pushcclosure(L, ro_newindex, 1);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, real);
  lua_pushcclosure(L, ro_pairs, 1);
  lua_setfield(L, -2, "__pairs");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_replace(L, real);
}

/* ---- the state ------------------------------------------------------------------------------- */

static const char *const libs[] = {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME, LUA_UTF8LIBNAME, NULL};

/* The private environment of dlc's chunks: the base functions they use and copies of the
 * libraries, taken before any model code runs. */
static void open_private_env(lua_State *L) {
  static const char *const base[] = {"assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall",
                                     "rawequal", "rawget", "rawlen", "rawset", "select", "setmetatable",
                                     "tonumber", "tostring", "type", "xpcall", "_VERSION", NULL};
  lua_newtable(L);
  for (int i = 0; base[i]; i++) {
    lua_getglobal(L, base[i]);
    lua_setfield(L, -2, base[i]);
  }
  for (int i = 0; libs[i]; i++) {
    lua_getglobal(L, libs[i]);
    copy_table(L, -1);
    lua_setfield(L, -3, libs[i]);
    lua_pop(L, 1);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "_G");
  lua_setfield(L, LUA_REGISTRYINDEX, "dlc.env");
}

static void wrap_global(lua_State *L, const char *name, lua_CFunction f) {
  lua_getglobal(L, name);
  lua_pushcclosure(L, f, 1);
  lua_setglobal(L, name);
}

void sb_open(lua_State *L) {
  luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
  luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
  lua_pop(L, 5);
  lua_getglobal(L, "string");
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lua_pop(L, 1);
  lua_getglobal(L, "math"); /* Lua seeds math.random from the clock: same model, same C */
  lua_getfield(L, -1, "randomseed");
  lua_pushinteger(L, 0);
  lua_call(L, 1, 0);
  lua_pop(L, 1);
  lua_pushliteral(L, ""); /* strings' metatable: its __index is the real string library */
  lua_getmetatable(L, -1);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);
  open_private_env(L);
  /* the model's globals */
  wrap_global(L, "load", sb_load);
  wrap_global(L, "getmetatable", sb_getmetatable);
  wrap_global(L, "setmetatable", sb_setmetatable);
  wrap_global(L, "pcall", sb_pcall);
  wrap_global(L, "xpcall", sb_pcall);
  lua_pushcfunction(L, sb_print);
  lua_setglobal(L, "print");
  static const char *const gone[] = {"dofile", "loadfile", "collectgarbage", NULL};
  for (int i = 0; gone[i]; i++) {
    lua_pushnil(L);
    lua_setglobal(L, gone[i]);
  }
  for (int i = 0; libs[i]; i++) {
    lua_getglobal(L, libs[i]);
    copy_table(L, -1);
    lua_setglobal(L, libs[i]);
    lua_pop(L, 1);
  }
  refusing_table(L, "io");
  refusing_table(L, "os");
  refusing_table(L, "debug");
  refusing_table(L, "package");
}

void sb_private_env(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "dlc.env");
  if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
}

/* ---- the model file ----------------------------------------------------------------------- */

/* Where s[0..n) is not UTF-8 text: the offset of the first NUL byte or ill-formed sequence,
 * or n. */
static size_t not_text(const unsigned char *s, size_t n) {
  for (size_t i = 0, len; i < n; i += len)
    if (s[i] == 0 || !(len = rt_utf8_seq(s + i, n - i, NULL))) return i;
  return n;
}

static int line_of(const unsigned char *s, size_t off) {
  int line = 1;
  for (size_t i = 0; i < off; i++) line += s[i] == '\n';
  return line;
}

/* The checks and the load of a model's text (buf, n bytes), named path. */
static int load_text(lua_State *L, const char *path, const char *shown, const unsigned char *buf, size_t n) {
  if (n > SB_MAX_MODEL_BYTES) {
    fprintf(stderr, "%s: the model file is larger than %d MiB: not a model file\n", shown, SB_MAX_MODEL_BYTES >> 20);
    return 1;
  }
  if (n && buf[0] == 0x1B) {
    fprintf(stderr, "%s: not a Lua model file (it is a precompiled or binary file)\n", shown);
    return 1;
  }
  size_t start = n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0; /* a byte-order mark */
  size_t bad = not_text(buf + start, n - start) + start;
  if (bad < n) {
    fprintf(stderr, "%s:%d: not a Lua model file: byte %zu (0x%02X) is %s\n", shown, line_of(buf, bad), bad + 1,
            buf[bad], buf[bad] ? "not UTF-8 text" : "a NUL byte");
    return 1;
  }
  if (start < n && buf[start] == '#') /* a #! line, skipped as lua does; the newline keeps the count */
    while (start < n && buf[start] != '\n') start++;
  lua_pushfstring(L, "@%s", path);
  int st = luaL_loadbufferx(L, (const char *)buf + start, n - start, lua_tostring(L, -1), "t");
  lua_remove(L, -2);
  if (st != LUA_OK) {
    char *m = rt_escape(lua_tostring(L, -1), RT_ESC_TERM);
    fprintf(stderr, "%s\n(%s is not a valid Lua model file)\n", m ? m : "?", shown);
    free(m);
    lua_pop(L, 1);
  }
  return st;
}

int sb_load_model(lua_State *L, const char *path, const char *text, size_t len) {
  char *p = rt_escape(path, RT_ESC_TERM);
  const char *shown = p ? p : path;
  FILE *f = NULL;
  unsigned char *buf = NULL;
  size_t n = 0;
  int st = 1;
  if (text) {
    st = load_text(L, path, shown, (const unsigned char *)text, len);
    goto out;
  }
  if (!(f = fopen(path, "rb"))) {
    fprintf(stderr, "%s: cannot open the model file: %s\n", shown, strerror(errno));
    goto out;
  }
  for (size_t cap = 0, k = 1; k > 0 && n <= SB_MAX_MODEL_BYTES;) { /* memory follows the file */
    if (n == cap) {
      unsigned char *b = realloc(buf, cap = cap ? 2 * cap : 1 << 14);
      if (!b) {
        fprintf(stderr, "%s: out of memory\n", shown);
        goto out;
      }
      buf = b;
    }
    n += k = fread(buf + n, 1, cap - n, f);
  }
  if (ferror(f)) {
    fprintf(stderr, "%s: cannot read the model file: %s\n", shown, strerror(errno));
    goto out;
  }
  st = load_text(L, path, shown, buf, n);
out:
  if (f) fclose(f);
  free(buf);
  free(p);
  return st;
}
