#ifndef MEMOS_CKERNELS_H
#define MEMOS_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction sets a kernel can be computed with; `MEMOS_KERNEL_AUTO` picks the best the CPU supports.
///
/// All but `MEMOS_KERNEL_AVX512_BF16` use IEEE half-float weights and float inputs; that one uses bfloat16
/// weights and rounds the inputs to bfloat16 too (each product exact, the sums in float).
typedef enum {
    MEMOS_KERNEL_AUTO = 0,
    MEMOS_KERNEL_SCALAR = 1,
    MEMOS_KERNEL_AVX2 = 2,
    MEMOS_KERNEL_AVX512 = 3,
    MEMOS_KERNEL_AVX512_BF16 = 4,
} memos_kernel_isa;

/// What a layer applies to its outputs.
typedef enum {
    MEMOS_ACTIVATION_NONE = 0,
    /// GELU with the error function (BERT's "gelu"), erf by Abramowitz and Stegun 7.1.26.
    MEMOS_ACTIVATION_GELU = 1,
} memos_activation;

/// Outputs per panel of packed weights.
#define MEMOS_PANEL 32

/// Whether this CPU (and this build) can run kernels with `isa`; the scalar code and AUTO always can.
int memos_kernel_supported(memos_kernel_isa isa);

/// `isa`, or for `MEMOS_KERNEL_AUTO` the fastest one this CPU supports.
memos_kernel_isa memos_kernel_resolve(memos_kernel_isa isa);

/// Converts `count` floats to IEEE half floats (round to nearest even; too large → ±infinity).
void memos_f32_to_f16(const float *source, uint16_t *destination, size_t count);

/// Converts `count` IEEE half floats to floats.
void memos_f16_to_f32(const uint16_t *source, float *destination, size_t count);

/// The panels of 32 outputs a layer with `n` outputs packs into.
size_t memos_panels(size_t n);

/// The 16-bit elements a layer of n outputs × k inputs packs into (for any instruction set).
size_t memos_packed_count(size_t n, size_t k);

/// Packs a layer's weights w (n × k floats, row-major: output o's weights are w[o·k ..< o·k + k]) for the
/// kernels of `isa`, into `memos_packed_count(n, k)` elements, in panels of 32 outputs, zero past the last one:
/// - half floats: packed[(p·k + i)·32 + j] = w[32p + j][i];
/// - bfloat16 (`MEMOS_KERNEL_AVX512_BF16`), inputs in pairs: packed[(p·k' + i)·32 + 2j + e] = w[32p + j][i + e]
///   for even i, with k' = k rounded up to even and a zero past the last input.
/// The kernels read 64-byte lines, so `packed` is best aligned to 64 bytes.
void memos_pack_weights(memos_kernel_isa isa, const float *w, size_t n, size_t k, uint16_t *packed);

/// A linear layer with packed 16-bit weights for a few tokens: y[t][o] = f(bias[o] + Σ_i x[t][i] · w[o][i]),
/// f the `activation`, for the outputs of panels [p0, p1) only (o < n). `packed` must have been packed for the
/// same `isa`.
///
/// x is m × k floats (row stride `ldx`), bias n floats, y m × n floats written with row stride `ldy`; other
/// columns of y stay untouched. Accumulates in float; made for m up to a few dozen (every weight is converted
/// once per block of up to 12 tokens, the tokens' sums stay in registers).
void memos_linear_packed(
    memos_kernel_isa isa, memos_activation activation, const float *x, size_t ldx, size_t m, size_t k,
    const uint16_t *packed, const float *bias, size_t n, size_t p0, size_t p1, float *y, size_t ldy);

/// The whole layer (dense x and y, strides k and n), split between the calling thread and a partner thread where
/// the CPU has two cores: a few tokens (up to 24) by panels, more by rows, 48 rows at a time. The partner stays
/// awake (spinning, yielding to other ready threads) for the milliseconds `memos_partner_configure` set (default
/// 5) after each share, so that the layers of one forward pass do not pay for waking it, until
/// `memos_partner_rest` says the pass is over; a caller that finds the partner busy with another caller's layer,
/// or that finishes its own share before the partner began, computes the rest itself.
void memos_linear_layer(
    memos_kernel_isa isa, memos_activation activation, const float *x, size_t m, size_t k, const uint16_t *packed,
    const float *bias, size_t n, float *y);

/// A unit of work shared with the partner thread: `unit` of `context`, run by `worker` 0 (the caller) or 1 (the
/// partner), so that it can use scratch memory of its own.
typedef void (*memos_unit_function)(const void *context, size_t unit, size_t worker);

/// Runs `unit(context, u, worker)` for every u in [0, units), the caller and the partner thread (when it is free)
/// each claiming the next unit until none are left; returns once all are done. Units must not depend on each
/// other. Without a partner, or with another caller holding it, the caller runs them all as worker 0.
void memos_partner_units(size_t units, memos_unit_function unit, const void *context);

/// Whether `memos_linear_layer` may start its partner thread (default yes, where two CPUs are online), and how
/// many milliseconds it spins after each share before it sleeps (default 5). Takes effect only before the first
/// layer: a process limited to one core (a container's CPU quota, a cpuset) passes 0 so that a spinning partner
/// does not take the quota from the threads doing the work.
void memos_partner_configure(int allowed, unsigned spin_milliseconds);

/// A forward pass begins: the partner thread, if asleep, starts waking now (while the caller tokenises and sums
/// the input embeddings), so that it is likely up by the first layer. Starts the partner if it has not started.
void memos_partner_wake(void);

/// A forward pass has ended (one call per `memos_partner_wake`): once no pass is running, the partner sleeps at
/// once instead of spinning out its time, leaving the core to the rest of the request (ranking, PostgreSQL, the
/// network). The next `memos_partner_wake` or layer wakes it.
void memos_partner_rest(void);

/// The longest text `memos_attention_short` takes.
#define MEMOS_SHORT_ATTENTION_TOKENS 32

/// Multi-head self-attention of one text of n tokens: for each head, softmax(Q·Kᵀ/√d)·V into its columns of
/// `context` (n rows, stride `ldc`). `qkv` holds n rows of 3·hidden floats: queries, keys, values, each split
/// into `heads` consecutive slices of hidden / heads. The softmax uses the same e^x as the Swift forward pass.
/// Returns 0 (and writes nothing) when n is 0 or above MEMOS_SHORT_ATTENTION_TOKENS, or the heads do not split
/// `hidden` into at most 128 each; the caller then computes it otherwise.
int memos_attention_short(
    memos_kernel_isa isa, const float *qkv, size_t n, size_t hidden, size_t heads, float *context, size_t ldc);

/// Softmax of each of `rows` rows of `n` scores, in place, with the same e^x as `memos_attention_short`.
void memos_softmax_rows(memos_kernel_isa isa, float *scores, size_t rows, size_t n);

/// The floats of scratch memory `memos_attention_batch` needs per worker for texts of up to `longest` tokens.
size_t memos_attention_scratch(size_t longest, size_t hidden, size_t heads);

/// Multi-head self-attention of a batch of texts, as `memos_attention_short` computes it for one, for texts of
/// any length: text t has `lengths[t]` rows starting at row `offsets[t]` of `qkv` (rows of 3·hidden floats) and
/// of `context` (stride `ldc`). Each head of each text is a unit shared with the partner thread
/// (`memos_partner_units`) when the batch is large enough to pay for it. `scratch` holds two areas of
/// `memos_attention_scratch(longest length, hidden, heads)` floats, one per worker. Returns 0 (and writes nothing)
/// when the heads do not split `hidden` into at most 128 each.
int memos_attention_batch(
    memos_kernel_isa isa, const float *qkv, const size_t *offsets, const size_t *lengths, size_t texts, size_t hidden,
    size_t heads, float *context, size_t ldc, float *scratch);

/// The dot product of two float vectors of `n` elements (AVX-512 where the CPU has it): the search index's
/// similarity of unit vectors.
float memos_dot(const float *a, const float *b, size_t n);

/// Asks the CPU to bring the `bytes` at `address` into its caches (a hint: nothing is read or faulted in).
void memos_prefetch(const void *address, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif
