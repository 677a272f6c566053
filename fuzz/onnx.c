/* onnx.c - libFuzzer target: the ONNX importer (onnx_translate, dlc import's reader and
 * translator), from memory: nothing is written, the messages are collected.
 *
 * Input: the ONNX file itself, so the seeds are models as they are (fuzz/corpus/onnx: the test
 * fixtures made small by make_corpus.py, and models nested near the depth limit).  The input's
 * size picks --batch: odd sizes give --batch 2, even ones none.
 * Oracles besides the sanitizers: a refusal leaves the result empty and says why in messages
 * whose first line starts with the path; a translation gives a model file that Lua parses
 * (loaded, never run) and weights that the file's bytes can hold; neither the messages nor the
 * model file carry a control character but newline (text from the file is escaped). */
#define _POSIX_C_SOURCE 200809L
#include <lauxlib.h>
#include <lua.h>

#include "fuzz_util.h"
#include "onnx_import.h"

#define PATH "fuzz.onnx"

static void check_text(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    FZ_ASSERT(ch == '\n' || (ch >= 0x20 && ch != 0x7f));
  }
}

static void check_model(const OnnxResult *r, size_t size) {
  static lua_State *L;
  if (!L)
    FZ_ASSERT((L = luaL_newstate()));
  size_t n = strlen(r->lua);
  check_text(r->lua, n);
  int rc = luaL_loadbufferx(L, r->lua, n, "=" PATH, "t");
  if (rc != LUA_OK)
    fprintf(stderr, "%s\n%s\n", lua_tostring(L, -1), r->lua);
  FZ_ASSERT(rc == LUA_OK);
  lua_settop(L, 0);
  FZ_ASSERT(r->nparams >= 0 && (r->nparams == 0 || r->params));
  for (int i = 0; i < r->nparams; i++) {
    const RtTensor *t = &r->params[i];
    FZ_ASSERT(t->name && t->name[0] && t->data && t->dtype == RT_F32);
    FZ_ASSERT(t->ndim >= 1 && t->ndim <= RT_MAX_DIMS);
    int64_t numel = rt_tensor_numel(t);
    FZ_ASSERT(numel >= 1 && (uint64_t)numel * 4 <= size); /* every value came from the file */
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *msg = NULL;
  size_t len = 0;
  FILE *errs = open_memstream(&msg, &len);
  FZ_ASSERT(errs);
  OnnxOptions o = {size & 1 ? 2 : 0, 0, NULL, 0};
  OnnxResult r;
  int rc = onnx_translate(data, size, PATH, "fuzz", "fuzz.safetensors", &o, &r, errs);
  FZ_ASSERT(fclose(errs) == 0);
  if (rc) {
    FZ_ASSERT(rc == 1 && !r.lua && !r.params && !r.nparams);
    FZ_ASSERT(len > 0 && fz_names(msg, PATH) && msg[len - 1] == '\n');
    check_text(msg, len);
  } else {
    FZ_ASSERT(r.lua);
    check_model(&r, size);
    onnx_result_free(&r);
  }
  free(msg);
  return 0;
}
