/* target.c - --target: what each target asks of the generated kernels, and the host's target.
 *
 * A target fixes the width of the vectors the register-tiled kernels compute with and the
 * shape of their tiles (rows x vectors of C kept in registers: enough independent
 * accumulators to cover the FMA latency times the FMA pipes, few enough to leave registers
 * for the operands).  The C stays portable: GCC/Clang vector extensions, which a compiler
 * for another ISA splits or emulates, with the same results (the lanes are independent).
 *
 *   target   vector (f32 lanes)  registers  tile (rows x vectors)
 *   generic  32 bytes (8)        any        4 x 2    (the committed generated/ files)
 *   avx2     32 bytes (8)        16 ymm     6 x 2    12 accumulators
 *   avx512   64 bytes (16)       32 zmm     4 x 4    16 accumulators
 *   neon     16 bytes (4)        32 q       6 x 4    24 accumulators
 * The tiles above are generic's, and the others' starting point: on avx2, avx512 and neon the
 * matrix emitter (emit_matmul.c) fits each product's tile to its shape within the registers. */
#include "emit.h"

#include <string.h>
#include <unistd.h>

const char *const target_names[] = {"generic", "avx2", "avx512", "neon"};

static const struct {
  int vbytes, regs, mr, nv;
} targets[] = {
    [TARGET_GENERIC] = {32, 16, 4, 2},
    [TARGET_AVX2] = {32, 16, 6, 2},
    [TARGET_AVX512] = {64, 32, 4, 4},
    [TARGET_NEON] = {16, 32, 6, 4},
};

int target_parse(const char *s) {
  for (int t = 0; t < (int)(sizeof target_names / sizeof *target_names); t++)
    if (s && strcmp(s, target_names[t]) == 0) return t;
  return -1;
}

Target target_host(void) {
#if defined(__aarch64__)
  return TARGET_NEON;
#elif (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) return TARGET_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return TARGET_AVX2;
  return TARGET_GENERIC;
#else
  return TARGET_GENERIC;
#endif
}

int l2_host_kib(void) {
#ifdef _SC_LEVEL2_CACHE_SIZE
  long b = sysconf(_SC_LEVEL2_CACHE_SIZE);
  return b >= 64 * 1024 && b <= (1L << 30) ? (int)(b / 1024) : 0;
#else
  return 0;
#endif
}

const char *em_omp(const Em *e, const char *directive) {
  if (!e->team) return ir_fmt("#pragma omp %s if(%s_par_all)", directive, e->pre);
  if (strcmp(directive, "parallel for")) die("internal: \"omp %s\" inside a kernel's parallel region", directive);
  return "#pragma omp for schedule(static) nowait";
}

int em_l2_bytes(const Em *e) { return (e->o->l2_kib ? e->o->l2_kib : 1024) * 1024; }

int em_vlanes(const Em *e) { return targets[e->o->target].vbytes / (e->d64 ? 8 : 4); }

const char *em_vtype(const Em *e) { return ir_fmt("dlc_v%d%s", em_vlanes(e), e->d64 ? "d" : "f"); }

int em_tile_rows(const Em *e) { return targets[e->o->target].mr; }

int em_tile_vecs(const Em *e) { return targets[e->o->target].nv; }

int em_vregs(const Em *e) { return targets[e->o->target].regs; }
