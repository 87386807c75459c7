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

/// Outputs per panel of packed weights.
#define MEMOS_F16_PANEL 32

/// Whether this CPU (and this build) can run kernels with `isa`; the scalar code and AUTO always can.
int memos_kernel_supported(memos_kernel_isa isa);

/// Converts `count` floats to IEEE half floats (round to nearest even; too large → ±infinity).
void memos_f32_to_f16(const float *source, uint16_t *destination, size_t count);

/// Converts `count` IEEE half floats to floats.
void memos_f16_to_f32(const uint16_t *source, float *destination, size_t count);

/// The panels of 32 outputs a layer with `n` outputs packs into; the packed weights hold panels · k · 32 halves.
size_t memos_f16_panels(size_t n);

/// Packs a layer's weights w (n × k floats, row-major: output o's weights are w[o·k ..< o·k + k]) as half floats
/// in panels: packed[(p·k + i)·32 + j] = w[(32p + j)·k + i], zero past the last output. The kernels read one
/// 64-byte line per input index and panel, so `packed` is best aligned to 64 bytes.
void memos_pack_f16(const float *w, size_t n, size_t k, uint16_t *packed);

/// A linear layer with packed half-float weights for a few tokens: y[t][o] = bias[o] + Σ_i x[t][i] · w[o][i],
/// for the outputs of panels [p0, p1) only (o < n).
///
/// x is m × k floats (row stride `ldx`), bias n floats, y m × n floats written with row stride `ldy`; other
/// columns of y stay untouched. Accumulates in float; made for m up to a few dozen (every weight is converted
/// once per block of up to 12 tokens, the tokens' sums stay in registers).
void memos_linear_f16(
    memos_kernel_isa isa, const float *x, size_t ldx, size_t m, size_t k, const uint16_t *packed, const float *bias,
    size_t n, size_t p0, size_t p1, float *y, size_t ldy);

/// The whole layer (dense x and y, strides k and n) with the best kernel, its panels split between the calling
/// thread and a partner thread where the CPU has two cores. The partner stays awake (spinning) for a fraction
/// of a millisecond after each share, so the layers of one forward pass do not pay for waking it; a caller
/// that finds the partner busy with another caller's layer, or not yet begun, computes the whole layer itself.
void memos_linear_f16_layer(
    const float *x, size_t m, size_t k, const uint16_t *packed, const float *bias, size_t n, float *y);

#ifdef __cplusplus
}
#endif

#endif
