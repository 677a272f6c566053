/* dlc_kernel.h - what generated kernels call, and the one copy of each bit-exact algorithm.
 *
 * Included by dlc_rt.h, so by every generated net.c, the runtime and the compiler:
 *   - rt_fnv1a: FNV-1a 64, the name hash (a parameter's random stream is the hash of its name,
 *     which dlc computes at compile time and the runtime at run time: they must agree);
 *   - rt_philox4x32: Philox4x32-10, the counter-based generator behind initializers (rng.c)
 *     and dropout masks (dlc_rand, drawn per element inside generated loops);
 *   - the vector types of the register-tiled kernels and the scalar helpers of the ops, each
 *     for float (suffix f, as in libm) and double.
 * Everything here is static inline and depends on nothing but <stdint.h> and <string.h>. */
#ifndef DLC_KERNEL_H
#define DLC_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Always inlined where the C compiler would make a call: a dropout mask draws once per element,
 * and clang, finding the 10 rounds big, called the generator for each (fashion_cnn's training
 * step spent 7 % in those calls; inlined, the step is about 8 % faster). */
#if defined(__GNUC__)
#define DLC_INLINE static inline __attribute__((always_inline))
#else
#define DLC_INLINE static inline
#endif

/* ---- FNV-1a 64 ------------------------------------------------------------------------------ */
#define RT_FNV1A_BASIS UINT64_C(0xcbf29ce484222325)
#define RT_FNV1A_PRIME UINT64_C(0x100000001b3)

/* h continued over n bytes (start with RT_FNV1A_BASIS). */
static inline uint64_t rt_fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *c = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * RT_FNV1A_PRIME;
  return h;
}

/* ---- Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011) ---
 * key = {seed lo32, seed hi32}, counter = {ctr lo32, ctr hi32, stream lo32, stream hi32}. */
DLC_INLINE void rt_philox4x32(uint64_t seed, uint64_t stream, uint64_t ctr, uint32_t out[4]) {
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  uint32_t c0 = (uint32_t)ctr, c1 = (uint32_t)(ctr >> 32), c2 = (uint32_t)stream, c3 = (uint32_t)(stream >> 32);
  for (int r = 0; r < 10; r++) {
    if (r) k0 += 0x9E3779B9u, k1 += 0xBB67AE85u; /* Weyl key increments */
    uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2; /* round multipliers */
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    c1 = (uint32_t)p1, c3 = (uint32_t)p0, c0 = n0, c2 = n2;
  }
  out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

/* The top 53 bits of (hi:lo) as a double in [0, 1). */
DLC_INLINE double rt_unit53(uint32_t hi, uint32_t lo) {
  return (double)((((uint64_t)hi << 32) | lo) >> 11) * (1.0 / 9007199254740992.0);
}

/* Element i of n of a tensor drawn at training step `step`: uniform in [0, 1), rt_uniform01 of
 * counter step * n + i. */
DLC_INLINE double dlc_rand(uint64_t seed, int64_t step, uint64_t stream, int64_t n, int64_t i) {
  uint32_t r[4];
  rt_philox4x32(seed, stream, (uint64_t)step * (uint64_t)n + (uint64_t)i, r);
  return rt_unit53(r[0], r[1]);
}
DLC_INLINE float dlc_randf(uint64_t seed, int64_t step, uint64_t stream, int64_t n, int64_t i) {
  return (float)dlc_rand(seed, step, stream, n, i);
}

/* The `step` of a draw: the optimizer step alone, or on replica `rank` of `ranks` (dlc train
 * --mpi; rank r holds rows [r*B, (r+1)*B) of a global batch of ranks*B) step * ranks + rank,
 * so that element i of its n-element tensor gets counter (step * ranks + rank) * n + i: the
 * counter of that element in the one-process run on the global batch, whose tensor has
 * ranks * n elements, batch-major.  Replicas then draw the masks that run draws. */
DLC_INLINE int64_t dlc_draw_step(int64_t step, int32_t rank, int32_t ranks) {
  return ranks > 1 ? step * ranks + rank : step;
}

/* A kernel that several blocks share (repeated structure: time steps, layers, heads) is called
 * from many places; inlined at each it would paste the loop nest back as many times, and clang's
 * loop passes grow faster than linearly with a function's size (an unrolled 28-step LSTM: 25 s
 * of clang -O3 inlined, 4 s not).  A call costs nanoseconds next to a loop nest.  A kernel with
 * one caller stays a function too (DLC_KERNEL): inlined, every block of a training step lands in
 * one huge function (LeNet's: 10 s of clang -O3 inlined, 5 s not; the same speed). */
#define DLC_SHARED_KERNEL __attribute__((noinline))
#define DLC_KERNEL __attribute__((noinline))

/* Before a loop around a short inner loop of whole vectors (an elementwise block's rows of 16,
 * attention's [256, 16, 16]): clang unrolls the inner loop in full, then vectorizes this one,
 * whose iterations are strided, by gathers and scatters (the transformer's scaled, permuted Q:
 * 3.8 % of its step, 0.4 % with this; the unrolled inner loop is packed in vectors instead).
 * Vectorizing or not, the same operations on each element: the same bits. */
#if defined(__clang__)
#define DLC_NO_VEC _Pragma("clang loop vectorize(disable)")
#else
#define DLC_NO_VEC
#endif

/* A hint that the cache line of element i of buffer b will be read (or written: _W) soon: a
 * kernel fetches the lines of its next tile while it computes this one.  No effect on any
 * value.  Defined before this header (tests/fused: every address a training step prefetches
 * checked against its buffer), they stay. */
#ifndef DLC_PREFETCH
#if defined(__GNUC__)
#define DLC_PREFETCH(b, i) __builtin_prefetch((b) + (i), 0)
#define DLC_PREFETCH_W(b, i) __builtin_prefetch((b) + (i), 1)
#else
#define DLC_PREFETCH(b, i) ((void)((b) + (i)))
#define DLC_PREFETCH_W(b, i) ((void)((b) + (i)))
#endif
#endif

/* --openmp: the iterations [*lo, *hi) of n that the calling thread of a parallel region takes,
 * one contiguous share per thread in thread order; all n without OpenMP.  A kernel that splits
 * a loop this way gets the same bits whatever the thread count: each element is computed by
 * one thread, as one thread computes it. */
#ifdef _OPENMP
#include <omp.h>
#endif
DLC_INLINE void dlc_thread_share(int n, int *lo, int *hi) {
#ifdef _OPENMP
  int t = omp_get_thread_num(), nt = omp_get_num_threads();
  *lo = (int)((int64_t)n * t / nt), *hi = (int)((int64_t)n * (t + 1) / nt);
#else
  *lo = 0, *hi = n;
#endif
}

/* ---- vectors of the register-tiled kernels ---------------------------------------------------
 * One width per --target: 16 bytes (neon), 32 (generic, avx2), 64 (avx512).  Vector extensions
 * are portable: a compiler for a narrower ISA splits them, lane by lane, with the same results. */
typedef float dlc_v4f __attribute__((vector_size(16)));
typedef double dlc_v2d __attribute__((vector_size(16)));
typedef float dlc_v8f __attribute__((vector_size(32)));
typedef double dlc_v4d __attribute__((vector_size(32)));
typedef float dlc_v16f __attribute__((vector_size(64)));
typedef double dlc_v8d __attribute__((vector_size(64)));

/* The sum of a vector's lanes has one fixed order: lanes i and i + L/2 added, then i and i + L/4 of
 * those, and so on down to one, as a horizontal sum in a tree.  A dot-product tile holds many such
 * vectors (one per element of C) and sums them together: dlc_foldW_V(&r, &x, &y), where x and y each hold
 * G = L/W groups of W lanes (partial sums of G elements), adds the halves of every group and
 * sets r to the 2G groups of W/2 lanes, x's first.  Folding L vectors pairwise at W = L, L/2, .., 2
 * leaves, in lane i, the sum of vector i in exactly that order, in 3 (L - 1) vector operations
 * instead of L horizontal sums of log2 L shuffles and adds each: the results are the same bits. */
#if (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)) && !defined(DLC_NO_SHUFFLEVECTOR)
#define DLC_FOLD(S, W, LO, HI)                                                              \
  static inline void dlc_fold##W##_##S(dlc_##S *r, const dlc_##S *x, const dlc_##S *y) { \
    *r = __builtin_shufflevector(*x, *y, LO) + __builtin_shufflevector(*x, *y, HI);       \
  }
#else /* no __builtin_shufflevector (gcc < 12; tests define DLC_NO_SHUFFLEVECTOR): lane by lane */
#define DLC_FOLD(S, W, LO, HI)                                                              \
  static inline void dlc_fold##W##_##S(dlc_##S *r, const dlc_##S *x, const dlc_##S *y) { \
    enum { L = sizeof(dlc_##S) / sizeof((*x)[0]), G = L / W };                              \
    dlc_##S o;                                                                              \
    for (int j = 0; j < L; j++) { /* output group g: input group g % G of x, then of y */  \
      int g = j / (W / 2), s = g % G * W + j % (W / 2);                                     \
      o[j] = g < G ? (*x)[s] + (*x)[s + W / 2] : (*y)[s] + (*y)[s + W / 2];                 \
    }                                                                                       \
    *r = o;                                                                                 \
  }
#endif
#define DLC_LO16_16 0,1,2,3,4,5,6,7,16,17,18,19,20,21,22,23
#define DLC_HI16_16 8,9,10,11,12,13,14,15,24,25,26,27,28,29,30,31
#define DLC_LO16_8 0,1,2,3,8,9,10,11,16,17,18,19,24,25,26,27
#define DLC_HI16_8 4,5,6,7,12,13,14,15,20,21,22,23,28,29,30,31
#define DLC_LO16_4 0,1,4,5,8,9,12,13,16,17,20,21,24,25,28,29
#define DLC_HI16_4 2,3,6,7,10,11,14,15,18,19,22,23,26,27,30,31
#define DLC_LO16_2 0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30
#define DLC_HI16_2 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31
#define DLC_LO8_8 0,1,2,3,8,9,10,11
#define DLC_HI8_8 4,5,6,7,12,13,14,15
#define DLC_LO8_4 0,1,4,5,8,9,12,13
#define DLC_HI8_4 2,3,6,7,10,11,14,15
#define DLC_LO8_2 0,2,4,6,8,10,12,14
#define DLC_HI8_2 1,3,5,7,9,11,13,15
#define DLC_LO4_4 0,1,4,5
#define DLC_HI4_4 2,3,6,7
#define DLC_LO4_2 0,2,4,6
#define DLC_HI4_2 1,3,5,7
#define DLC_LO2_2 0,2
#define DLC_HI2_2 1,3
DLC_FOLD(v16f, 16, DLC_LO16_16, DLC_HI16_16)
DLC_FOLD(v16f, 8, DLC_LO16_8, DLC_HI16_8)
DLC_FOLD(v16f, 4, DLC_LO16_4, DLC_HI16_4)
DLC_FOLD(v16f, 2, DLC_LO16_2, DLC_HI16_2)
DLC_FOLD(v8f, 8, DLC_LO8_8, DLC_HI8_8)
DLC_FOLD(v8f, 4, DLC_LO8_4, DLC_HI8_4)
DLC_FOLD(v8f, 2, DLC_LO8_2, DLC_HI8_2)
DLC_FOLD(v4f, 4, DLC_LO4_4, DLC_HI4_4)
DLC_FOLD(v4f, 2, DLC_LO4_2, DLC_HI4_2)
DLC_FOLD(v8d, 8, DLC_LO8_8, DLC_HI8_8)
DLC_FOLD(v8d, 4, DLC_LO8_4, DLC_HI8_4)
DLC_FOLD(v8d, 2, DLC_LO8_2, DLC_HI8_2)
DLC_FOLD(v4d, 4, DLC_LO4_4, DLC_HI4_4)
DLC_FOLD(v4d, 2, DLC_LO4_2, DLC_HI4_2)
DLC_FOLD(v2d, 2, DLC_LO2_2, DLC_HI2_2)
#undef DLC_FOLD
#undef DLC_LO16_16
#undef DLC_HI16_16
#undef DLC_LO16_8
#undef DLC_HI16_8
#undef DLC_LO16_4
#undef DLC_HI16_4
#undef DLC_LO16_2
#undef DLC_HI16_2
#undef DLC_LO8_8
#undef DLC_HI8_8
#undef DLC_LO8_4
#undef DLC_HI8_4
#undef DLC_LO8_2
#undef DLC_HI8_2
#undef DLC_LO4_4
#undef DLC_HI4_4
#undef DLC_LO4_2
#undef DLC_HI4_2
#undef DLC_LO2_2
#undef DLC_HI2_2

/* dlc_transpose_V(r): the L x L matrix whose rows are the L vectors r[0..L) transposed in place
 * (lane j of r[i] becomes lane i of r[j]).  A direct convolution's register tile holds a vector
 * of output channels per pixel and stores each channel's pixels as a run of its row
 * (emit_window.c): log2 L stages of two-vector shuffles, each pairing the vectors h apart and
 * interleaving their runs of h lanes.  Moves values only: the same bits either way. */
#if (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)) && !defined(DLC_NO_SHUFFLEVECTOR)
#define DLC_TSTAGE(L, h, LO, HI)                                                          \
  for (int i = 0; i < L; i++)                                                             \
    if (!(i & h)) n[i] = __builtin_shufflevector(r[i], r[i + h], LO),                    \
                  n[i + h] = __builtin_shufflevector(r[i], r[i + h], HI);                 \
  for (int i = 0; i < L; i++) r[i] = n[i];
#define DLC_TL16_8 0,1,2,3,4,5,6,7,16,17,18,19,20,21,22,23
#define DLC_TH16_8 8,9,10,11,12,13,14,15,24,25,26,27,28,29,30,31
#define DLC_TL16_4 0,1,2,3,16,17,18,19,8,9,10,11,24,25,26,27
#define DLC_TH16_4 4,5,6,7,20,21,22,23,12,13,14,15,28,29,30,31
#define DLC_TL16_2 0,1,16,17,4,5,20,21,8,9,24,25,12,13,28,29
#define DLC_TH16_2 2,3,18,19,6,7,22,23,10,11,26,27,14,15,30,31
#define DLC_TL16_1 0,16,2,18,4,20,6,22,8,24,10,26,12,28,14,30
#define DLC_TH16_1 1,17,3,19,5,21,7,23,9,25,11,27,13,29,15,31
#define DLC_TL8_4 0,1,2,3,8,9,10,11
#define DLC_TH8_4 4,5,6,7,12,13,14,15
#define DLC_TL8_2 0,1,8,9,4,5,12,13
#define DLC_TH8_2 2,3,10,11,6,7,14,15
#define DLC_TL8_1 0,8,2,10,4,12,6,14
#define DLC_TH8_1 1,9,3,11,5,13,7,15
#define DLC_TL4_2 0,1,4,5
#define DLC_TH4_2 2,3,6,7
#define DLC_TL4_1 0,4,2,6
#define DLC_TH4_1 1,5,3,7
#define DLC_TL2_1 0,2
#define DLC_TH2_1 1,3
#define DLC_TSTAGES16 \
  DLC_TSTAGE(16, 8, DLC_TL16_8, DLC_TH16_8) \
  DLC_TSTAGE(16, 4, DLC_TL16_4, DLC_TH16_4) \
  DLC_TSTAGE(16, 2, DLC_TL16_2, DLC_TH16_2) \
  DLC_TSTAGE(16, 1, DLC_TL16_1, DLC_TH16_1)
#define DLC_TSTAGES8 \
  DLC_TSTAGE(8, 4, DLC_TL8_4, DLC_TH8_4) \
  DLC_TSTAGE(8, 2, DLC_TL8_2, DLC_TH8_2) \
  DLC_TSTAGE(8, 1, DLC_TL8_1, DLC_TH8_1)
#define DLC_TSTAGES4 \
  DLC_TSTAGE(4, 2, DLC_TL4_2, DLC_TH4_2) \
  DLC_TSTAGE(4, 1, DLC_TL4_1, DLC_TH4_1)
#define DLC_TSTAGES2 \
  DLC_TSTAGE(2, 1, DLC_TL2_1, DLC_TH2_1)
#define DLC_TRANSPOSE(S, L)                                                               \
  static inline void dlc_transpose_##S(dlc_##S *r) {                                      \
    dlc_##S n[L];                                                                         \
    DLC_TSTAGES##L                                                                        \
  }
#else /* lane by lane */
#define DLC_TRANSPOSE(S, L)                                                               \
  static inline void dlc_transpose_##S(dlc_##S *r) {                                      \
    dlc_##S o[L];                                                                         \
    for (int i = 0; i < L; i++)                                                           \
      for (int j = 0; j < L; j++) o[j][i] = r[i][j];                                      \
    for (int i = 0; i < L; i++) r[i] = o[i];                                              \
  }
#endif
DLC_TRANSPOSE(v16f, 16)
DLC_TRANSPOSE(v8f, 8)
DLC_TRANSPOSE(v4f, 4)
DLC_TRANSPOSE(v8d, 8)
DLC_TRANSPOSE(v4d, 4)
DLC_TRANSPOSE(v2d, 2)
#undef DLC_TRANSPOSE
#undef DLC_TSTAGE
#undef DLC_TSTAGES16
#undef DLC_TSTAGES8
#undef DLC_TSTAGES4
#undef DLC_TSTAGES2
#undef DLC_TL16_8
#undef DLC_TH16_8
#undef DLC_TL16_4
#undef DLC_TH16_4
#undef DLC_TL16_2
#undef DLC_TH16_2
#undef DLC_TL16_1
#undef DLC_TH16_1
#undef DLC_TL8_4
#undef DLC_TH8_4
#undef DLC_TL8_2
#undef DLC_TH8_2
#undef DLC_TL8_1
#undef DLC_TH8_1
#undef DLC_TL4_2
#undef DLC_TH4_2
#undef DLC_TL4_1
#undef DLC_TH4_1
#undef DLC_TL2_1
#undef DLC_TH2_1

/* dlc_pool2_back_V(x0, x1, g, n, p0, p1): max pooling's adjoint over n <= L windows of 2 x 2
 * pixels, stride 2, side by side (emit_window.c): x0 and x1 are the windows' two image rows (2n
 * pixels each), g their n gradients; p0 and p1 (2n pixels each) get each pixel's gradient, its
 * window's at the window's maximum and +0 elsewhere.  The maximum by the scan's rule as the flat
 * path takes it: in each row the second pixel over the first when greater or NaN, then the second
 * row's over the first's when greater or NaN (the first maximum wins, a NaN over numbers, a later
 * NaN over an earlier one).  Even and odd pixels split by shuffles, the winners as lane masks
 * ANDed with the gradient's bits: moves and compares only, the same bits as the scan.
 * dlc_pool2_fwd_V(x0, x1, n, y): the forward over the same windows, y[j] their maxima by the
 * same rule (the flat path's dlc_max of each row's two pixels, then of the rows). */
typedef int32_t dlc_v4i __attribute__((vector_size(16)));
typedef int64_t dlc_v2l __attribute__((vector_size(16)));
typedef int32_t dlc_v8i __attribute__((vector_size(32)));
typedef int64_t dlc_v4l __attribute__((vector_size(32)));
typedef int32_t dlc_v16i __attribute__((vector_size(64)));
typedef int64_t dlc_v8l __attribute__((vector_size(64)));
#if (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)) && !defined(DLC_NO_SHUFFLEVECTOR)
#define DLC_POOL2(S, T, I, L, EV, OD, ZL, ZH)                                                      \
  static inline void dlc_pool2_back_##S(const T *x0, const T *x1, const T *g, int n, T *p0, T *p1) { \
    dlc_##S a0 = {0}, a1 = {0}, b0 = {0}, b1 = {0}, gv = {0};                                      \
    int lo = 2 * n < L ? 2 * n : L, hi = 2 * n - lo; /* pixels in the first and second vector */    \
    memcpy(&a0, x0, (size_t)lo * sizeof(T)), memcpy(&b0, x1, (size_t)lo * sizeof(T));             \
    if (hi) memcpy(&a1, x0 + L, (size_t)hi * sizeof(T)), memcpy(&b1, x1 + L, (size_t)hi * sizeof(T)); \
    memcpy(&gv, g, (size_t)n * sizeof(T));                                                        \
    dlc_##S ae = __builtin_shufflevector(a0, a1, EV), ao = __builtin_shufflevector(a0, a1, OD);    \
    dlc_##S be = __builtin_shufflevector(b0, b1, EV), bo = __builtin_shufflevector(b0, b1, OD);    \
    I ta = (I)((ao > ae) | (ao != ao)), tb = (I)((bo > be) | (bo != bo));                          \
    dlc_##S ma = (dlc_##S)(((I)ao & ta) | ((I)ae & ~ta)), mb = (dlc_##S)(((I)bo & tb) | ((I)be & ~tb)); \
    I tr = (I)((mb > ma) | (mb != mb)), gi = (I)gv;                                                \
    dlc_##S q00 = (dlc_##S)(gi & ~tr & ~ta), q01 = (dlc_##S)(gi & ~tr & ta);                       \
    dlc_##S q10 = (dlc_##S)(gi & tr & ~tb), q11 = (dlc_##S)(gi & tr & tb);                         \
    dlc_##S r0 = __builtin_shufflevector(q00, q01, ZL), r1 = __builtin_shufflevector(q00, q01, ZH); \
    dlc_##S s0 = __builtin_shufflevector(q10, q11, ZL), s1 = __builtin_shufflevector(q10, q11, ZH); \
    memcpy(p0, &r0, (size_t)lo * sizeof(T)), memcpy(p1, &s0, (size_t)lo * sizeof(T));             \
    if (hi) memcpy(p0 + L, &r1, (size_t)hi * sizeof(T)), memcpy(p1 + L, &s1, (size_t)hi * sizeof(T)); \
  }                                                                                                \
  static inline void dlc_pool2_fwd_##S(const T *x0, const T *x1, int n, T *y) {                    \
    dlc_##S a0 = {0}, a1 = {0}, b0 = {0}, b1 = {0};                                                \
    int lo = 2 * n < L ? 2 * n : L, hi = 2 * n - lo;                                               \
    memcpy(&a0, x0, (size_t)lo * sizeof(T)), memcpy(&b0, x1, (size_t)lo * sizeof(T));             \
    if (hi) memcpy(&a1, x0 + L, (size_t)hi * sizeof(T)), memcpy(&b1, x1 + L, (size_t)hi * sizeof(T)); \
    dlc_##S ae = __builtin_shufflevector(a0, a1, EV), ao = __builtin_shufflevector(a0, a1, OD);    \
    dlc_##S be = __builtin_shufflevector(b0, b1, EV), bo = __builtin_shufflevector(b0, b1, OD);    \
    I ta = (I)((ao > ae) | (ao != ao)), tb = (I)((bo > be) | (bo != bo));                          \
    dlc_##S ma = (dlc_##S)(((I)ao & ta) | ((I)ae & ~ta)), mb = (dlc_##S)(((I)bo & tb) | ((I)be & ~tb)); \
    I tr = (I)((mb > ma) | (mb != mb));                                                            \
    dlc_##S m = (dlc_##S)(((I)mb & tr) | ((I)ma & ~tr));                                           \
    memcpy(y, &m, (size_t)n * sizeof(T));                                                          \
  }
#else /* lane by lane */
#define DLC_POOL2(S, T, I, L, EV, OD, ZL, ZH)                                                      \
  static inline void dlc_pool2_back_##S(const T *x0, const T *x1, const T *g, int n, T *p0, T *p1) { \
    for (int j = 0; j < n; j++) {                                                                  \
      T a0 = x0[2 * j], a1 = x0[2 * j + 1], b0 = x1[2 * j], b1 = x1[2 * j + 1];                    \
      int ta = a1 > a0 || a1 != a1, tb = b1 > b0 || b1 != b1;                                      \
      T ma = ta ? a1 : a0, mb = tb ? b1 : b0;                                                      \
      int tr = mb > ma || mb != mb;                                                                \
      p0[2 * j] = !tr && !ta ? g[j] : 0, p0[2 * j + 1] = !tr && ta ? g[j] : 0;                     \
      p1[2 * j] = tr && !tb ? g[j] : 0, p1[2 * j + 1] = tr && tb ? g[j] : 0;                       \
    }                                                                                              \
  }                                                                                                \
  static inline void dlc_pool2_fwd_##S(const T *x0, const T *x1, int n, T *y) {                    \
    for (int j = 0; j < n; j++) {                                                                  \
      T a0 = x0[2 * j], a1 = x0[2 * j + 1], b0 = x1[2 * j], b1 = x1[2 * j + 1];                    \
      T ma = a1 > a0 || a1 != a1 ? a1 : a0, mb = b1 > b0 || b1 != b1 ? b1 : b0;                    \
      y[j] = mb > ma || mb != mb ? mb : ma;                                                        \
    }                                                                                              \
  }
#endif
#define DLC_EV16 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define DLC_OD16 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#define DLC_ZL16 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23
#define DLC_ZH16 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
#define DLC_EV8 0, 2, 4, 6, 8, 10, 12, 14
#define DLC_OD8 1, 3, 5, 7, 9, 11, 13, 15
#define DLC_ZL8 0, 8, 1, 9, 2, 10, 3, 11
#define DLC_ZH8 4, 12, 5, 13, 6, 14, 7, 15
#define DLC_EV4 0, 2, 4, 6
#define DLC_OD4 1, 3, 5, 7
#define DLC_ZL4 0, 4, 1, 5
#define DLC_ZH4 2, 6, 3, 7
#define DLC_EV2 0, 2
#define DLC_OD2 1, 3
#define DLC_ZL2 0, 2
#define DLC_ZH2 1, 3
DLC_POOL2(v16f, float, dlc_v16i, 16, DLC_EV16, DLC_OD16, DLC_ZL16, DLC_ZH16)
DLC_POOL2(v8f, float, dlc_v8i, 8, DLC_EV8, DLC_OD8, DLC_ZL8, DLC_ZH8)
DLC_POOL2(v4f, float, dlc_v4i, 4, DLC_EV4, DLC_OD4, DLC_ZL4, DLC_ZH4)
DLC_POOL2(v8d, double, dlc_v8l, 8, DLC_EV8, DLC_OD8, DLC_ZL8, DLC_ZH8)
DLC_POOL2(v4d, double, dlc_v4l, 4, DLC_EV4, DLC_OD4, DLC_ZL4, DLC_ZH4)
DLC_POOL2(v2d, double, dlc_v2l, 2, DLC_EV2, DLC_OD2, DLC_ZL2, DLC_ZH2)
#undef DLC_POOL2
#undef DLC_EV16
#undef DLC_OD16
#undef DLC_ZL16
#undef DLC_ZH16
#undef DLC_EV8
#undef DLC_OD8
#undef DLC_ZL8
#undef DLC_ZH8
#undef DLC_EV4
#undef DLC_OD4
#undef DLC_ZL4
#undef DLC_ZH4
#undef DLC_EV2
#undef DLC_OD2
#undef DLC_ZL2
#undef DLC_ZH2

/* dlc_rows2_V(r, p, sp, d): *r, a vector of a window row read from a padded image (emit_matmul.c's
 * dot_window_pixels): lanes [0, sp) are p[0, sp), lanes [sp, L) are p[d + sp, d + L), the
 * next output row's pixels, d elements further on in the image than the run of the row before
 * (the padding columns and the rows a stride skips).  d = 0 when sp >= L (the vector within one
 * row: no lane from the next), so nothing is read past p + L.  Loads and a select of bits. */
#define DLC_ROWS2(S, T, I, ...)                                                                    \
  static inline void dlc_rows2_##S(dlc_##S *r, const T *p, int sp, int d) {                        \
    dlc_##S lo, hi;                                                                                \
    memcpy(&lo, p, sizeof lo), memcpy(&hi, p + d, sizeof hi);                                      \
    I m = (I)((I){__VA_ARGS__} >= (I){0} + sp);                                                    \
    *r = (dlc_##S)(((I)hi & m) | ((I)lo & ~m));                                                    \
  }
DLC_ROWS2(v16f, float, dlc_v16i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
DLC_ROWS2(v8f, float, dlc_v8i, 0, 1, 2, 3, 4, 5, 6, 7)
DLC_ROWS2(v4f, float, dlc_v4i, 0, 1, 2, 3)
DLC_ROWS2(v8d, double, dlc_v8l, 0, 1, 2, 3, 4, 5, 6, 7)
DLC_ROWS2(v4d, double, dlc_v4l, 0, 1, 2, 3)
DLC_ROWS2(v2d, double, dlc_v2l, 0, 1)
#undef DLC_ROWS2

/* ---- e^x of a float, in the C of a loop ---------------------------------------------------------
 * libm's expf is a call, and no C compiler vectorizes a loop around a call: a softmax row, the
 * exps of a cross-entropy, a sigmoid's elementwise loop ran one element at a time (the MLP's
 * cross-entropy: 640 expf, 3 us of a 360 us step, serial on 2 threads).  dlc_expf is straight-line
 * float and integer arithmetic that a loop of them vectorizes (16 lanes on AVX-512, ~0.2 ns an
 * element against ~1.8 ns for glibc's expf on Zen 5; one at a time it is slower, ~3 ns, so the
 * emitter stores a row's exps in one loop and sums them in another).
 *   x = n ln 2 + r with n = x / ln 2 rounded to nearest: the sum with 1.5 * 2^23 leaves n in the
 *   low bits of the float (no rounding instruction, no float-to-int conversion, which is undefined
 *   for NaN); r = x - n ln2_hi - n ln2_lo, |r| <= ln 2 / 2, where ln2_hi has 15 bits, so n ln2_hi is
 *   exact for |n| <= 256 (Cody and Waite).  e^r = 1 + r + r^2 p(r), p of degree 5 (the minimax
 *   coefficients of Cephes' expf, Moshier 1984).  Then times 2^n as 2^(n/2) times 2^(n - n/2): both
 *   normal for n down to -150, so a result below FLT_MIN is rounded once, as a subnormal.
 *   x is clamped to [-104, 89] first (e^-104 rounds to +0, e^89 overflows to +inf); a NaN stays NaN.
 * Error against the exactly rounded e^x: at most 1.013 ulp over all 2^32 floats (0.97 on a sample
 * with FMA, 0.95 without; tests/unit/test_expf.c checks a sample and the edges).  The double build
 * (the numerics reference of the gradient checks) keeps libm's exp. */
static inline float dlc_expf(float x) {
  float c = x < -104.0f ? -104.0f : x > 89.0f ? 89.0f : x;
  float z = c * 1.44269504088896341f + 12582912.0f;
  uint32_t zb;
  memcpy(&zb, &z, sizeof zb);
  int32_t k = (int32_t)(zb - 0x4B400000u); /* n, the low bits of z's mantissa */
  float n = (float)k;
  float r = (c - n * 0.693145751953125f) - n * 1.428606765330187045e-6f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  int32_t k1 = k / 2, k2 = k - k1;
  uint32_t b1 = (uint32_t)(k1 + 127) << 23, b2 = (uint32_t)(k2 + 127) << 23;
  float s1, s2;
  memcpy(&s1, &b1, sizeof s1), memcpy(&s2, &b2, sizeof s2);
  return p * s1 * s2;
}
static inline double dlc_exp(double x) { return __builtin_exp(x); }

/* tanh of a float, for the same reason (an LSTM's training step spent a third of its time in
 * glibc's tanhf and the expm1f it calls, one element at a time).  Both ways computed, one kept
 * by a select, so that a loop of them vectorizes:
 *   |x| < 0.625: x + x^3 q(x^2), q of degree 4 (the coefficients of Cephes' tanhf);
 *   else: 1 - 2 / (e^2|x| + 1) with dlc_expf, |x| clamped to 9.5 (tanh rounds to 1 from 9.01),
 *   given x's sign; x itself below 2^-12, where tanh x rounds to x (so -0 stays -0).  A NaN stays
 *   NaN.
 * Error against the exactly rounded tanh: at most 1.33 ulp over all 2^32 floats (just above
 * 0.625, where 1 - 2 / (e + 1) loses a bit to the subtraction; tests/unit/test_expf.c). */
static inline float dlc_tanhf(float x) {
  uint32_t xb, ab, bb;
  memcpy(&xb, &x, sizeof xb);
  ab = xb & 0x7FFFFFFFu;
  float a, big, z = x * x;
  memcpy(&a, &ab, sizeof a);
  float q = -5.70498872745e-3f;
  q = q * z + 2.06390887954e-2f;
  q = q * z - 5.37397155531e-2f;
  q = q * z + 1.33314422036e-1f;
  q = q * z - 3.33332819422e-1f;
  float small = q * z * x + x;
  float e = dlc_expf(2.0f * (a > 9.5f ? 9.5f : a));
  big = 1.0f - 2.0f / (e + 1.0f);
  memcpy(&bb, &big, sizeof bb);
  bb |= xb & 0x80000000u;
  memcpy(&big, &bb, sizeof big);
  return a < 0x1p-12f ? x : a < 0.625f ? small : big; /* tanh x rounds to x below 2^-12 */
}
static inline double dlc_tanh(double x) { return __builtin_tanh(x); }

/* erf of a float, for the same reason (GELU's x/2 (1 + erf(x / sqrt 2)): glibc's erff was a sixth
 * of the transformer example's training step).  Both ways computed, one kept by a select:
 *   |x| < 1: x + x p(x^2), p of degree 6 (erf(x) / x - 1, fitted for relative error);
 *   else: 1 - e^-(x^2) q(1/|x|), |x| clamped to [1, 4] (erf rounds to 1 from 3.92), q of degree 8
 *   (erfc(x) e^(x^2), fitted for relative error on [1, 4]), with dlc_expf, given x's sign.
 *   -0 stays -0, a NaN stays NaN.
 * Error against the exactly rounded erf: at most 1.18 ulp over all 2^32 floats with FMA, 1.44
 * without (just above 1, the sum of the rounding of e^-(x^2), q and the subtraction;
 * tests/unit/test_expf.c). */
static inline float dlc_erff(float x) {
  uint32_t xb, ab, bb;
  memcpy(&xb, &x, sizeof xb);
  ab = xb & 0x7FFFFFFFu;
  float a, t = x * x;
  memcpy(&a, &ab, sizeof a);
  float p = 7.853823401560156e-05f;
  p = p * t - 8.010182128499743e-04f;
  p = p * t + 5.188326376783389e-03f;
  p = p * t - 2.6853811246248777e-02f;
  p = p * t + 1.1283585132143034e-01f;
  p = p * t - 3.7612625822782897e-01f;
  p = p * t + 1.283791657265025e-01f;
  float small = x * p + x;
  float c = a > 4.0f ? 4.0f : a < 1.0f ? 1.0f : a, u = 1.0f / c;
  float q = -1.1378108010732593e-02f;
  q = q * u + 3.801622577384627e-02f;
  q = q * u + 3.992423554385817e-03f;
  q = q * u - 2.1902904883030272e-01f;
  q = q * u + 4.80910930132658e-01f;
  q = q * u - 4.6465460566228517e-01f;
  q = q * u + 4.015637626224425e-02f;
  q = q * u + 5.593162905284124e-01f;
  q = q * u + 2.5306444795322047e-04f;
  float big = 1.0f - dlc_expf(-(c * c)) * q;
  memcpy(&bb, &big, sizeof bb);
  bb |= xb & 0x80000000u;
  memcpy(&big, &bb, sizeof big);
  return a < 1.0f ? small : big; /* a NaN: NaN through big */
}
static inline double dlc_erf(double x) { return __builtin_erf(x); }

/* ---- scalar helpers of the ops (ops.h names them in their C expressions) -------------------- */
#define DLC_SCALAR(T, F, EXP, LOG1P)                                                             \
  static inline T dlc_relu##F(T x) { return x < 0 ? 0 : x; }                                     \
  static inline T dlc_step##F(T x) { return x > 0 ? 1 : 0; }                                     \
  static inline T dlc_sign##F(T x) { return (T)((x > 0) - (x < 0)); }                            \
  static inline T dlc_sigmoid##F(T x) { return 1 / (1 + EXP(-x)); }                              \
  static inline T dlc_sq##F(T x) { return x * x; }                                               \
  static inline T dlc_max##F(T a, T b) { return b > a || b != b ? b : a; } /* NaN wins */        \
  static inline T dlc_clamp##F(T x, T lo, T hi) { return x < lo ? lo : x > hi ? hi : x; }        \
  static inline T dlc_inrange##F(T x, T lo, T hi) { return x >= lo && x <= hi ? 1 : 0; }      \
  static inline T dlc_softplus##F(T x, T threshold) { return x > threshold ? x : LOG1P(EXP(x)); }
DLC_SCALAR(float, f, dlc_expf, __builtin_log1pf)
DLC_SCALAR(double, , __builtin_exp, __builtin_log1p)
#undef DLC_SCALAR

#endif
