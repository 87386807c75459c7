#ifndef MEMOS_CKERNELS_H
#define MEMOS_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction sets a kernel can be computed with; `MEMOS_KERNEL_AUTO` picks the best the CPU supports.
typedef enum {
    MEMOS_KERNEL_AUTO = 0,
    MEMOS_KERNEL_SCALAR = 1,
    MEMOS_KERNEL_AVX2 = 2,
    MEMOS_KERNEL_AVX512 = 3,
} memos_kernel_isa;

/// Whether this CPU (and this build) can run kernels with `isa`; the scalar code and AUTO always can.
int memos_kernel_supported(memos_kernel_isa isa);

/// Converts `count` floats to IEEE half floats (round to nearest even; too large → ±infinity).
void memos_f32_to_f16(const float *source, uint16_t *destination, size_t count);

/// Converts `count` IEEE half floats to floats.
void memos_f16_to_f32(const uint16_t *source, float *destination, size_t count);

/// A linear layer with half-float weights for a few tokens: y[t][o] = bias[o] + Σ_i x[t][i] · w[o][i].
///
/// x is m × k floats (row stride `ldx`), w is n × k half floats (rows contiguous, stride k), bias n floats,
/// y m × n floats written with row stride `ldy`. A caller computing the output columns [o0, o0 + n) of a
/// wider layer passes w + o0·k, bias + o0, y + o0 and the full width as `ldy`. Accumulates in float; made for
/// m up to a few dozen (every weight is read once per call, the tokens are kept in cache).
void memos_linear_f16(
    memos_kernel_isa isa, const float *x, size_t ldx, size_t m, size_t k,
    const uint16_t *w, const float *bias, size_t n, float *y, size_t ldy);

#ifdef __cplusplus
}
#endif

#endif
