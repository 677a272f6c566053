/* callgrind_ctl.c - lets torch_bench.py (through ctypes) switch callgrind's instrumentation on
 * and off around the timed steps, as driver.c does with the same client requests.
 * Built by bench/run.sh --callgrind:  clang -O2 -shared -fPIC callgrind_ctl.c -o callgrind_ctl.so */
#include <valgrind/callgrind.h>

void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void cg_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
