/* model.c - libFuzzer target: the model front-end.  The input is a model file; it runs in the
 * sandbox (dsl/), then the compiler's whole pipeline up to the memory plan: the forward graph,
 * autodiff, the optimizer's update, the passes and the planner (the emitter is left out: it
 * only prints what the plan holds).  Refusals are the expected outcome for most inputs;
 * findings are crashes, sanitizer reports and internal errors (die() exits 3, which libFuzzer
 * reports as the target exiting).
 *
 * Limits are smaller than dlc's (5*10^5 Lua instructions, 64 MiB, 2 s of CPU) so a slow input
 * costs little.  Inputs that name the string library's pattern functions or rep are skipped: a
 * pattern can backtrack for ever inside C, where the sandbox's CPU-time budget stops it by
 * exiting the process (tests/hostile covers that), which libFuzzer would take for a crash.  stderr (every refusal's message) goes to /dev/null unless DLC_FUZZ_VERBOSE is set. */
#define _GNU_SOURCE
#include "fuzz_util.h"
#include "pipeline.h"

static int names_slow_string_function(const uint8_t *d, size_t n) {
  static const char *const words[] = {"find", "match", "gsub", "rep", NULL};
  for (int i = 0; words[i]; i++)
    if (memmem(d, n, words[i], strlen(words[i]))) return 1;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16 || names_slow_string_function(data, size)) return 0;
  Options o;
  char *defs[1] = {NULL};
  memset(&o, 0, sizeof o);
  o.dsl.path = fz_file(0, data, size);
  o.dsl.defs = defs;
  o.dsl.instr_limit = 500000;
  o.dsl.mem_limit = (size_t)64 << 20;
  o.dsl.time_limit = 2;
  o.name = "fuzz"; /* the file's stem is a number, not an identifier */
  pipeline_run(&o);
  ir_free_all();
  return 0;
}
