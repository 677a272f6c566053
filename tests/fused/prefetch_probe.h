/* prefetch_probe.h - included first into the fused tests' generated C (CMakeLists.txt): every
 * prefetch hint of the training step (DLC_PREFETCH, DLC_PREFETCH_W of element i of buffer b:
 * runtime/dlc_kernel.h) calls fused_test.c's probe, which checks that b is one of the model's
 * tensors (a parameter or its optimizer state, the buffers a fused update walks) and element i
 * inside it. */
#ifndef PREFETCH_PROBE_H
#define PREFETCH_PROBE_H
void fused_prefetch_probe(const void *b, const void *p);
#define DLC_PREFETCH(b, i) fused_prefetch_probe((b), (b) + (i))
#define DLC_PREFETCH_W(b, i) fused_prefetch_probe((b), (b) + (i))
#endif
