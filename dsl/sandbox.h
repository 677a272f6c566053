/* sandbox.h - the Lua state a model file runs in (see sandbox.c). */
#ifndef DLC_SANDBOX_H
#define DLC_SANDBOX_H

#include <lua.h>

/* Libraries, sealed metatables, the model's globals and dlc's private environment (the
 * registry's "dlc.env", the _ENV of dlc's own Lua chunks). */
void sb_open(lua_State *L);
/* Give the function on the top of the stack (a chunk of dlc's own) dlc's private environment. */
void sb_private_env(lua_State *L);
/* Replace the table on the top of the stack by a read-only view of it (what the model's
 * require returns: dlc's modules are dlc's). */
void sb_read_only(lua_State *L, const char *name);
/* __index of the tensor methods' table (arguments: the table, the key): no such method, or an
 * index that is not a name, as an error at the model's line with the nearest method's name. */
int sb_no_method(lua_State *L);

/* Load the model file as a function on the top of the stack (LUA_OK), or print why it is not
 * a model file and return non-zero.  The file must be UTF-8 text without NUL bytes, at most
 * SB_MAX_MODEL_BYTES long; it is named "@path", so errors read "path:line: ...".  With text
 * (len bytes) non-NULL that is the model, path only its name (dlc MODEL.onnx: the model dlc
 * import writes, kept in memory), checked the same way. */
enum { SB_MAX_MODEL_BYTES = 16 << 20 };
int sb_load_model(lua_State *L, const char *path, const char *text, size_t len);

/* The line of the innermost frame that runs the model file (0 if none). */
int sb_user_line(lua_State *L);
/* Raise "file:line: message" at the model's innermost line. */
int sb_raise(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Stop the model: raise "file:line: msg" (the line of the model's innermost frame) in a way the
 * model cannot catch (its pcall and xpcall raise it again).  Cleared by sb_clock_start. */
int sb_stop(lua_State *L, const char *msg);

/* The CPU-time budget for running model code: sb_clock_start arms it with `seconds` of CPU
 * time; sb_clock_stop disarms it and returns what is left.  When the budget runs out inside
 * Lua code the model is stopped with an error at its line; when it runs out inside a C
 * function that never returns to Lua (a string pattern that backtracks forever), the process
 * prints why, naming the file, and exits 1 after one more second.  Nothing the user has is
 * touched while a model runs, so the exit loses nothing. */
void sb_clock_start(lua_State *L, const char *file, double seconds, double limit);
double sb_clock_stop(void);

#endif
