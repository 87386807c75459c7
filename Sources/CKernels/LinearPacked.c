// Linear layers with 16-bit weights for a few tokens at a time (the embedder's short queries).
//
// The weights are packed once, at model load, into panels of 32 outputs: for each input index i, the 32
// weights of the panel's outputs are contiguous (64 bytes, one cache line). A kernel keeps a block of tokens ×
// 32 outputs in registers, and for each i converts one line of weights to floats and multiplies it by every
// token's x[i]: each weight is converted once per block of up to 12 tokens, the sums stay in registers until
// the end, and no horizontal reduction is needed.
//
// Where the CPU has AVX512_BF16, the weights are bfloat16 instead, and each line holds two input indices
// (pairs w[o][2i], w[o][2i+1] side by side): one VDPBF16PS multiplies 16 outputs' pairs by a token's pair
// (x[2i], x[2i+1], rounded to bfloat16 too) and adds both products to float sums, twice the work of a float
// FMA per instruction. The rounding of x and w costs about 3·10⁻⁵ of cosine against float MiniLM embeddings.
//
// Each variant is compiled for its instruction set with a target attribute and chosen at run time, so the
// binary runs on any x86-64 and on arm64 (which gets the portable code).

#include "CKernels.h"
#include "Math.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

enum { PANEL = MEMOS_PANEL };

// MARK: - Portable conversions

// Round to nearest even, with subnormal halves; after Fabian Giesen's float_to_half_fast3_rtne.
static inline uint16_t float_to_half(float value) {
    const uint32_t infinity32 = 255u << 23;
    const uint32_t overflow = (127u + 16u) << 23;  // 2^16: everything from here on is infinity (or NaN)
    const uint32_t subnormalMagic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
    uint32_t u = float_bits(value);
    const uint32_t sign = u & 0x80000000u;
    u ^= sign;
    uint16_t half;
    if (u >= overflow) {
        half = u > infinity32 ? 0x7e00 : 0x7c00;
    } else if (u < (113u << 23)) {
        // The float adder rounds the bits shifted out of a subnormal half.
        half = (uint16_t)(float_bits(bits_float(u) + bits_float(subnormalMagic)) - subnormalMagic);
    } else {
        const uint32_t odd = (u >> 13) & 1u;
        u += ((uint32_t)(15 - 127) << 23) + 0xfffu + odd;
        half = (uint16_t)(u >> 13);
    }
    return (uint16_t)(half | (sign >> 16));
}

static inline float half_to_float(uint16_t half) {
    const uint32_t sign = (uint32_t)(half & 0x8000u) << 16;
    const uint32_t exponent = (half >> 10) & 0x1fu;
    const uint32_t mantissa = half & 0x3ffu;
    if (exponent == 0) {
        const float magnitude = (float)mantissa * 0x1p-24f;
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) return bits_float(sign | 0x7f800000u | (mantissa << 13));
    return bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

void memos_f32_to_f16(const float *source, uint16_t *destination, size_t count) {
    for (size_t i = 0; i < count; i++) destination[i] = float_to_half(source[i]);
}

void memos_f16_to_f32(const uint16_t *source, float *destination, size_t count) {
    for (size_t i = 0; i < count; i++) destination[i] = half_to_float(source[i]);
}

// MARK: - GELU

// GELU(x) = x/2 · (1 + erf(x/√2)), erf by Abramowitz and Stegun 7.1.26 (absolute error ≤ 1.5e-7).
static inline float gelu(float x) {
    const float v = x * 0.70710678f;
    const float a = v < 0 ? -v : v;
    const float t = 1 / (1 + 0.3275911f * a);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    const float e = 1 - p * t * exp_approx(-a * a);
    return 0.5f * x * (1 + (v < 0 ? -e : e));
}

static void gelu_scalar(float *values, size_t count) {
    for (size_t i = 0; i < count; i++) values[i] = gelu(values[i]);
}

// MARK: - Packing

// bfloat16 of a float, rounding to nearest even (NaN stays NaN).
static inline uint16_t float_to_bfloat(float value) {
    const uint32_t u = float_bits(value);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

static inline size_t even(size_t k) { return (k + 1) / 2 * 2; }

size_t memos_panels(size_t n) { return (n + PANEL - 1) / PANEL; }

size_t memos_packed_count(size_t n, size_t k) { return memos_panels(n) * PANEL * even(k); }

void memos_pack_weights(memos_kernel_isa isa, const float *w, size_t n, size_t k, uint16_t *packed) {
    if (memos_kernel_resolve(isa) == MEMOS_KERNEL_AVX512_BF16) {
        // Line (p, i/2) holds [w[o][i], w[o][i+1]] for the panel's 32 outputs o: 128 bytes.
        for (size_t p = 0; p < memos_panels(n); p++) {
            for (size_t i = 0; i < k; i += 2) {
                uint16_t *line = packed + (p * even(k) + i) * PANEL;
                for (size_t j = 0; j < PANEL; j++) {
                    const size_t o = p * PANEL + j;
                    line[2 * j] = o < n ? float_to_bfloat(w[o * k + i]) : 0;
                    line[2 * j + 1] = o < n && i + 1 < k ? float_to_bfloat(w[o * k + i + 1]) : 0;
                }
            }
        }
        return;
    }
    for (size_t p = 0; p < memos_panels(n); p++) {
        for (size_t i = 0; i < k; i++) {
            uint16_t *line = packed + (p * k + i) * PANEL;
            for (size_t j = 0; j < PANEL; j++) {
                const size_t o = p * PANEL + j;
                line[j] = o < n ? float_to_half(w[o * k + i]) : 0;
            }
        }
    }
}

// MARK: - Blocks and panels, shared by the variants

// A kernel computes y[t][j] = bias[j] + Σ_i x[t][i] · panel[i][j] for `rows` tokens (1 to MAX_ROWS) and the
// panel's 32 outputs, writing all 32 (y has room for them). x holds the kernel's own element type (floats, or
// bfloat16 for the bfloat16 kernel), `ldx` counts those elements.
typedef void (*panel_kernel)(
    size_t rows, const void *x, size_t ldx, size_t k, const uint16_t *panel, const float *bias, float *y,
    size_t ldy);

// An activation applied in place to a block's outputs while they are in cache; NULL for none.
typedef void (*activation_function)(float *values, size_t count);

enum { MAX_ROWS = 12 };

// Runs `kernel` over the panels [p0, p1) of `line_count` lines each, the tokens in blocks of near-equal size
// (21 tokens: 11 + 10, not 12 + 9). A panel past the last output (n not a multiple of 32) goes through a
// scratch row so that y's other columns stay untouched.
static void run_panels(
    panel_kernel kernel, activation_function activation, size_t max_rows, const void *x, size_t element_size,
    size_t ldx, size_t m, size_t k, size_t line_count, const uint16_t *packed, const float *bias, size_t n,
    size_t p0, size_t p1, float *y, size_t ldy) {
    const size_t blocks = (m + max_rows - 1) / max_rows;
    for (size_t p = p0; p < p1; p++) {
        const uint16_t *panel = packed + p * line_count * PANEL;
        const size_t first = p * PANEL;
        const size_t columns = n - first < PANEL ? n - first : PANEL;
        size_t t = 0;
        for (size_t b = 0; b < blocks; b++) {
            const size_t end = m * (b + 1) / blocks;
            const void *rows = (const char *)x + t * ldx * element_size;
            if (columns == PANEL) {
                kernel(end - t, rows, ldx, k, panel, bias + first, y + t * ldy + first, ldy);
                if (activation)
                    for (size_t r = t; r < end; r++) activation(y + r * ldy + first, PANEL);
            } else {
                float padded[PANEL] = {0};
                float scratch[MAX_ROWS * PANEL];
                memcpy(padded, bias + first, columns * sizeof(float));
                kernel(end - t, rows, ldx, k, panel, padded, scratch, PANEL);
                for (size_t r = 0; r < end - t; r++) {
                    if (activation) activation(scratch + r * PANEL, columns);
                    memcpy(y + (t + r) * ldy + first, scratch + r * PANEL, columns * sizeof(float));
                }
            }
            t = end;
        }
    }
}

// MARK: - Scalar

enum { SCALAR_LINES = 8 };

static void panel_scalar(
    size_t rows, const void *input, size_t ldx, size_t k, const uint16_t *panel, const float *bias, float *y,
    size_t ldy) {
    const float *x = input;
    float sums[MAX_ROWS][PANEL];
    for (size_t t = 0; t < rows; t++) memcpy(sums[t], bias, sizeof sums[t]);
    float weights[SCALAR_LINES * PANEL];
    for (size_t start = 0; start < k; start += SCALAR_LINES) {
        const size_t lines = k - start < SCALAR_LINES ? k - start : SCALAR_LINES;
        memos_f16_to_f32(panel + start * PANEL, weights, lines * PANEL);
        for (size_t t = 0; t < rows; t++) {
            for (size_t l = 0; l < lines; l++) {
                const float value = x[t * ldx + start + l];
                for (size_t j = 0; j < PANEL; j++) sums[t][j] += value * weights[l * PANEL + j];
            }
        }
    }
    for (size_t t = 0; t < rows; t++) memcpy(y + t * ldy, sums[t], sizeof sums[t]);
}

#if defined(__x86_64__)

// MARK: - AVX-512: up to 12 tokens × 32 outputs in 24 registers

// R is a constant at every call, so the token loops unroll (fully: the unroller's own limit leaves the sums in
// memory for 12 tokens) and the sums stay in registers.
AVX512 INLINE void block_avx512(
    const int R, const float *x, size_t ldx, size_t k, const uint16_t *panel, const float *bias, float *y,
    size_t ldy) {
    __m512 low[MAX_ROWS], high[MAX_ROWS];
    const __m512 b0 = _mm512_loadu_ps(bias), b1 = _mm512_loadu_ps(bias + 16);
    for (int t = 0; t < R; t++) {
        low[t] = b0;
        high[t] = b1;
    }
    for (size_t i = 0; i < k; i++) {
        const __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(panel + i * PANEL)));
        const __m512 w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(panel + i * PANEL + 16)));
#pragma clang loop unroll(full)
        for (int t = 0; t < R; t++) {
            const __m512 value = _mm512_set1_ps(x[t * ldx + i]);
            low[t] = _mm512_fmadd_ps(w0, value, low[t]);
            high[t] = _mm512_fmadd_ps(w1, value, high[t]);
        }
    }
    for (int t = 0; t < R; t++) {
        _mm512_storeu_ps(y + t * ldy, low[t]);
        _mm512_storeu_ps(y + t * ldy + 16, high[t]);
    }
}

AVX512 static void panel_avx512(
    size_t rows, const void *input, size_t ldx, size_t k, const uint16_t *panel, const float *bias, float *y,
    size_t ldy) {
    const float *x = input;
    switch (rows) {
#define ROWS(R) \
    case R: block_avx512(R, x, ldx, k, panel, bias, y, ldy); break;
        ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7) ROWS(8) ROWS(9) ROWS(10) ROWS(11) ROWS(12)
#undef ROWS
    default: break;
    }
}

// GELU of 16 floats: the scalar `gelu`, lane by lane (the fused multiply-adds round once instead of twice).
AVX512 INLINE __m512 gelu_avx512_vector(__m512 x) {
    const __m512 v = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678f));
    const __m512 a = _mm512_abs_ps(v);
    const __m512 t =
        _mm512_div_ps(_mm512_set1_ps(1), _mm512_fmadd_ps(a, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1)));
    __m512 p = _mm512_set1_ps(1.061405429f);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    const __m512 decay = exp_avx512(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), a));
    const __m512 e = _mm512_fnmadd_ps(_mm512_mul_ps(p, t), decay, _mm512_set1_ps(1));
    // erf(v) carries v's sign: flip e's sign bit where v < 0.
    const __m512 signedE = _mm512_castsi512_ps(_mm512_xor_si512(
        _mm512_castps_si512(e), _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32((int)0x80000000u))));
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), _mm512_add_ps(_mm512_set1_ps(1), signedE));
}

AVX512 static void gelu_avx512(float *values, size_t count) {
    size_t i = 0;
    for (; i + 16 <= count; i += 16) _mm512_storeu_ps(values + i, gelu_avx512_vector(_mm512_loadu_ps(values + i)));
    if (i < count) {
        const __mmask16 mask = (__mmask16)((1u << (count - i)) - 1);
        _mm512_mask_storeu_ps(values + i, mask, gelu_avx512_vector(_mm512_maskz_loadu_ps(mask, values + i)));
    }
}

// MARK: - AVX512_BF16: up to 12 tokens × 32 outputs, two inputs per instruction

#define BF16 __attribute__((target("avx512f,avx512bf16")))

// x is bfloat16, rows of `ldx` (even) elements read as pairs; the panel has (k + 1) / 2 lines of 32 pairs.
BF16 INLINE void block_bf16(
    const int R, const uint16_t *x, size_t ldx, size_t k, const uint16_t *panel, const float *bias, float *y,
    size_t ldy) {
    __m512 low[MAX_ROWS], high[MAX_ROWS];
    const __m512 b0 = _mm512_loadu_ps(bias), b1 = _mm512_loadu_ps(bias + 16);
    for (int t = 0; t < R; t++) {
        low[t] = b0;
        high[t] = b1;
    }
    for (size_t pair = 0; pair < (k + 1) / 2; pair++) {
        const __m512bh w0 = (__m512bh)_mm512_loadu_si512((const void *)(panel + pair * 2 * PANEL));
        const __m512bh w1 = (__m512bh)_mm512_loadu_si512((const void *)(panel + pair * 2 * PANEL + PANEL));
#pragma clang loop unroll(full)
        for (int t = 0; t < R; t++) {
            uint32_t bits;
            memcpy(&bits, x + t * ldx + 2 * pair, sizeof bits);
            const __m512bh value = (__m512bh)_mm512_set1_epi32((int)bits);
            low[t] = _mm512_dpbf16_ps(low[t], w0, value);
            high[t] = _mm512_dpbf16_ps(high[t], w1, value);
        }
    }
    for (int t = 0; t < R; t++) {
        _mm512_storeu_ps(y + t * ldy, low[t]);
        _mm512_storeu_ps(y + t * ldy + 16, high[t]);
    }
}

BF16 static void panel_bf16(
    size_t rows, const void *input, size_t ldx, size_t k, const uint16_t *panel, const float *bias, float *y,
    size_t ldy) {
    const uint16_t *x = input;
    switch (rows) {
#define ROWS(R) \
    case R: block_bf16(R, x, ldx, k, panel, bias, y, ldy); break;
        ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7) ROWS(8) ROWS(9) ROWS(10) ROWS(11) ROWS(12)
#undef ROWS
    default: break;
    }
}

// x (m rows of k floats, stride ldx) as bfloat16 rows of even(k) elements, the last one zero when k is odd.
BF16 static void rows_to_bfloat(const float *x, size_t ldx, size_t m, size_t k, uint16_t *out) {
    const size_t width = even(k);
    for (size_t t = 0; t < m; t++) {
        const float *row = x + t * ldx;
        uint16_t *destination = out + t * width;
        size_t i = 0;
        for (; i + 16 <= k; i += 16)
            _mm256_storeu_si256((__m256i *)(destination + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(row + i)));
        for (; i < k; i++) destination[i] = float_to_bfloat(row[i]);
        if (width > k) destination[k] = 0;
    }
}

// MARK: - AVX2: up to 6 tokens × 16 outputs in 12 registers, each panel in two halves

#define AVX2 __attribute__((target("avx2,f16c,fma")))

AVX2 INLINE void block_avx2(
    const int R, const float *x, size_t ldx, size_t k, const uint16_t *half, const float *bias, float *y,
    size_t ldy) {
    __m256 low[6], high[6];
    const __m256 b0 = _mm256_loadu_ps(bias), b1 = _mm256_loadu_ps(bias + 8);
    for (int t = 0; t < R; t++) {
        low[t] = b0;
        high[t] = b1;
    }
    for (size_t i = 0; i < k; i++) {
        const __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(half + i * PANEL)));
        const __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(half + i * PANEL + 8)));
#pragma clang loop unroll(full)
        for (int t = 0; t < R; t++) {
            const __m256 value = _mm256_broadcast_ss(x + t * ldx + i);
            low[t] = _mm256_fmadd_ps(w0, value, low[t]);
            high[t] = _mm256_fmadd_ps(w1, value, high[t]);
        }
    }
    for (int t = 0; t < R; t++) {
        _mm256_storeu_ps(y + t * ldy, low[t]);
        _mm256_storeu_ps(y + t * ldy + 8, high[t]);
    }
}

AVX2 static void panel_avx2(
    size_t rows, const void *input, size_t ldx, size_t k, const uint16_t *panel, const float *bias, float *y,
    size_t ldy) {
    const float *x = input;
    for (size_t half = 0; half < PANEL; half += 16) {
        switch (rows) {
#define ROWS(R) \
    case R: block_avx2(R, x, ldx, k, panel + half, bias + half, y + half, ldy); break;
            ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6)
#undef ROWS
        default: break;
        }
    }
}

#endif  // __x86_64__

// MARK: - Dispatch

int memos_kernel_supported(memos_kernel_isa isa) {
    switch (isa) {
    case MEMOS_KERNEL_AUTO:
    case MEMOS_KERNEL_SCALAR: return 1;
#if defined(__x86_64__)
    case MEMOS_KERNEL_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    case MEMOS_KERNEL_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    case MEMOS_KERNEL_AVX512_BF16:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
#endif
    default: return 0;
    }
}

memos_kernel_isa memos_kernel_resolve(memos_kernel_isa isa) {
    if (isa != MEMOS_KERNEL_AUTO) return isa;
    static const memos_kernel_isa preference[] = {
        MEMOS_KERNEL_AVX512_BF16, MEMOS_KERNEL_AVX512, MEMOS_KERNEL_AVX2,
    };
    for (size_t index = 0; index < sizeof preference / sizeof preference[0]; index++)
        if (memos_kernel_supported(preference[index])) return preference[index];
    return MEMOS_KERNEL_SCALAR;
}

void memos_linear_packed(
    memos_kernel_isa isa, memos_activation activation, const float *x, size_t ldx, size_t m, size_t k,
    const uint16_t *packed, const float *bias, size_t n, size_t p0, size_t p1, float *y, size_t ldy) {
    if (m == 0 || p0 >= p1) return;
    isa = memos_kernel_resolve(isa);
    activation_function apply = NULL;
    if (activation == MEMOS_ACTIVATION_GELU) {
#if defined(__x86_64__)
        apply = isa == MEMOS_KERNEL_AVX512 || isa == MEMOS_KERNEL_AVX512_BF16 ? gelu_avx512 : gelu_scalar;
#else
        apply = gelu_scalar;
#endif
    }
    switch (isa) {
#if defined(__x86_64__)
    case MEMOS_KERNEL_AVX512_BF16: {
        uint16_t *rows = malloc(m * even(k) * sizeof *rows);
        if (rows == NULL) abort();
        rows_to_bfloat(x, ldx, m, k, rows);
        run_panels(panel_bf16, apply, MAX_ROWS, rows, 2, even(k), m, k, even(k), packed, bias, n, p0, p1, y, ldy);
        free(rows);
        return;
    }
    case MEMOS_KERNEL_AVX512:
        run_panels(panel_avx512, apply, MAX_ROWS, x, sizeof *x, ldx, m, k, k, packed, bias, n, p0, p1, y, ldy);
        return;
    case MEMOS_KERNEL_AVX2:
        run_panels(panel_avx2, apply, 6, x, sizeof *x, ldx, m, k, k, packed, bias, n, p0, p1, y, ldy);
        return;
#endif
    default:
        run_panels(panel_scalar, apply, MAX_ROWS, x, sizeof *x, ldx, m, k, k, packed, bias, n, p0, p1, y, ldy);
        return;
    }
}

// MARK: - Two threads: the caller and a partner that stays awake between the layers of one forward pass

// One forward pass calls a layer two dozen times, tens of microseconds apart, and a search embeds its query a
// few milliseconds after the last one. Waking a parked thread costs about as much as a layer on bare metal, and
// on a virtual machine whose other vCPU has gone idle, a millisecond or more. So the partner spins (yielding to
// any other ready thread) for a while after each share before it sleeps (memos_partner_configure; 5 ms unless
// configured). The embedder brackets each forward pass: memos_partner_wake before it tokenises (the wake-up
// overlaps that work), memos_partner_rest after the last layer. Once no bracketed pass is running (several
// callers may overlap), the partner sleeps instead of spinning through the rest of a search (ranking, PostgreSQL,
// the response) on a core those need.
enum { DEFAULT_SPIN_MILLISECONDS = 5 };

// A share of a layer: the rows [r0, r1) of x and y, the panels [p0, p1). Or, with `unit`, a share of
// independent units of work (memos_partner_units): each thread claims the next unit from `next_unit` until
// `units` are claimed, and runs it as worker 0 (the caller) or 1 (the partner).
typedef struct {
    memos_kernel_isa isa;
    memos_activation activation;
    const float *x;
    size_t m, k, n, r0, r1, p0, p1;
    const uint16_t *packed;
    const float *bias;
    float *y;
    memos_unit_function unit;
    const void *context;
    size_t units, worker;
    atomic_size_t *next_unit;
} share;

// Rows per pass over the panels: the tokens of x that stay in the core's L2 cache while every panel's weights go
// past them. As bfloat16, 128 tokens take up to 393 KB (k = 1,536); as floats, 48 take up to 288 KB. Fewer passes
// read the weights fewer times: with 128 instead of 48, the embedder ran 4-5 % faster on the ingest bench's
// windows (one pass instead of two), passages of 131 pieces and short texts unchanged.
static size_t row_chunk(memos_kernel_isa isa) {
    return memos_kernel_resolve(isa) == MEMOS_KERNEL_AVX512_BF16 ? 128 : 48;
}

static void compute(const share *s) {
    if (s->unit) {
        for (size_t u; (u = atomic_fetch_add_explicit(s->next_unit, 1, memory_order_relaxed)) < s->units;)
            s->unit(s->context, u, s->worker);
        return;
    }
    const size_t chunk = row_chunk(s->isa);
    for (size_t r = s->r0; r < s->r1; r += chunk) {
        const size_t rows = s->r1 - r < chunk ? s->r1 - r : chunk;
        memos_linear_packed(
            s->isa, s->activation, s->x + r * s->k, s->k, rows, s->k, s->packed, s->bias, s->n, s->p0, s->p1,
            s->y + r * s->n, s->n);
    }
}

// Whether a partner may start, and how long it spins: the embedder says so from the cores the process may use
// (cgroup quotas and cpusets included, which the online CPU count does not see) and its configuration.
static atomic_int partner_allowed = 1;
static atomic_uint partner_spin_milliseconds = DEFAULT_SPIN_MILLISECONDS;

void memos_partner_configure(int allowed, unsigned spin_milliseconds) {
    atomic_store(&partner_allowed, allowed != 0);
    atomic_store(&partner_spin_milliseconds, spin_milliseconds);
}

static struct {
    pthread_once_t once;
    int available;
    uint64_t spin_nanoseconds;
    atomic_int claimed;         // a caller holds the partner
    atomic_uint_fast64_t posted;    // the number of the last share handed over
    atomic_uint_fast64_t taken;     // the number of the last share the partner (or, taking it back, the caller) began
    atomic_uint_fast64_t finished;  // the number of the last share the partner finished
    atomic_int bracketed;  // some caller has bracketed a forward pass (memos_partner_wake) since start
    atomic_int passes;     // forward passes begun (memos_partner_wake) and not yet ended (memos_partner_rest)
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int sleeping;       // under lock
    unsigned nudges;    // under lock: wake-ups without a share (memos_partner_wake)
    share work;
} partner = {
    .once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
};

static uint64_t monotonic_nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

// One turn of a wait loop: a pause, and every 64th turn the rest of the time slice to any other thread that is
// ready (on two cores, a spinning thread would otherwise hold one from the server's network threads).
static inline void relax(unsigned turn) {
    if (turn % 64 == 63) {
        sched_yield();
        return;
    }
#if defined(__x86_64__)
    _mm_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static void *partner_main(void *unused) {
    (void)unused;
    uint_fast64_t seen = 0;
    for (;;) {
        uint64_t idle_since = monotonic_nanoseconds();
        unsigned spins = 0;
        while (atomic_load_explicit(&partner.posted, memory_order_acquire) == seen) {
            relax(spins);
            // Sleep once every bracketed pass has ended, or after the spin time (callers that do not bracket).
            if (++spins % 256 == 0
                && ((atomic_load_explicit(&partner.bracketed, memory_order_relaxed)
                     && atomic_load_explicit(&partner.passes, memory_order_relaxed) <= 0)
                    || monotonic_nanoseconds() - idle_since > partner.spin_nanoseconds)) {
                pthread_mutex_lock(&partner.lock);
                partner.sleeping = 1;
                const unsigned nudges = partner.nudges;
                while (atomic_load_explicit(&partner.posted, memory_order_acquire) == seen && partner.nudges == nudges)
                    pthread_cond_wait(&partner.wake, &partner.lock);
                partner.sleeping = 0;
                pthread_mutex_unlock(&partner.lock);
                idle_since = monotonic_nanoseconds();
            }
        }
        seen = atomic_load_explicit(&partner.posted, memory_order_acquire);
        uint_fast64_t previous = seen - 1;
        // The caller takes its share back when it is done with its own before this thread began.
        if (!atomic_compare_exchange_strong_explicit(
                &partner.taken, &previous, seen, memory_order_acq_rel, memory_order_relaxed))
            continue;
        const share s = partner.work;
        compute(&s);
        atomic_store_explicit(&partner.finished, seen, memory_order_release);
    }
    return NULL;
}

static void start_partner(void) {
    if (!atomic_load(&partner_allowed) || sysconf(_SC_NPROCESSORS_ONLN) < 2) return;
    partner.spin_nanoseconds = (uint64_t)atomic_load(&partner_spin_milliseconds) * 1000000u;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    partner.available = pthread_create(&thread, &attributes, partner_main, NULL) == 0;
    pthread_attr_destroy(&attributes);
}

void memos_partner_wake(void) {
    pthread_once(&partner.once, start_partner);
    if (!partner.available) return;
    atomic_store_explicit(&partner.bracketed, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&partner.passes, 1, memory_order_relaxed);
    pthread_mutex_lock(&partner.lock);
    if (partner.sleeping) {
        partner.nudges++;
        pthread_cond_signal(&partner.wake);
    }
    pthread_mutex_unlock(&partner.lock);
}

void memos_partner_rest(void) { atomic_fetch_sub_explicit(&partner.passes, 1, memory_order_relaxed); }

// Claims the partner for one share of work; false when there is no partner or another caller holds it.
static int claim_partner(void) {
    pthread_once(&partner.once, start_partner);
    int expected = 0;
    return partner.available
        && atomic_compare_exchange_strong_explicit(
            &partner.claimed, &expected, 1, memory_order_acquire, memory_order_relaxed);
}

// Hands `theirs` to the claimed partner, computes `mine`, and returns once both are done; releases the partner.
static void share_with_partner(const share *mine, const share *theirs) {
    partner.work = *theirs;
    const uint_fast64_t number = atomic_load_explicit(&partner.posted, memory_order_relaxed) + 1;
    atomic_store_explicit(&partner.posted, number, memory_order_release);
    pthread_mutex_lock(&partner.lock);
    if (partner.sleeping) pthread_cond_signal(&partner.wake);
    pthread_mutex_unlock(&partner.lock);

    compute(mine);
    uint_fast64_t previous = number - 1;
    if (atomic_compare_exchange_strong_explicit(
            &partner.taken, &previous, number, memory_order_acq_rel, memory_order_relaxed)) {
        // The partner has not begun (a busy machine has not scheduled it yet): do its share here, not wait
        // (for units, as worker 0; none are left by now).
        share rest = *theirs;
        rest.worker = mine->worker;
        compute(&rest);
    } else {
        for (unsigned turn = 0; atomic_load_explicit(&partner.finished, memory_order_acquire) != number; turn++)
            relax(turn);
    }
    atomic_store_explicit(&partner.claimed, 0, memory_order_release);
}

void memos_linear_layer(
    memos_kernel_isa isa, memos_activation activation, const float *x, size_t m, size_t k, const uint16_t *packed,
    const float *bias, size_t n, float *y) {
    const size_t panels = memos_panels(n);
    share whole = {.isa = isa, .activation = activation, .x = x, .m = m, .k = k, .n = n, .r0 = 0, .r1 = m, .p0 = 0,
                   .p1 = panels, .packed = packed, .bias = bias, .y = y};
    if ((panels < 2 && m < 2) || !claim_partner()) {
        // No second core, or another caller has the partner: compute the whole layer here.
        compute(&whole);
        return;
    }
    // A few tokens (a query) split the panels, so that each weight is read by one core; many tokens split the
    // rows, so that the cores never wait for each other within a layer.
    share mine = whole, theirs = whole;
    if (m <= MAX_ROWS * 2 && panels >= 2) {
        mine.p1 = theirs.p0 = panels / 2;
    } else {
        mine.r1 = theirs.r0 = m / 2;
    }
    share_with_partner(&mine, &theirs);
}

void memos_partner_units(size_t units, memos_unit_function unit, const void *context) {
    atomic_size_t next = 0;
    share mine = {.unit = unit, .context = context, .units = units, .worker = 0, .next_unit = &next};
    if (units < 2 || !claim_partner()) {
        compute(&mine);
        return;
    }
    share theirs = mine;
    theirs.worker = 1;
    share_with_partner(&mine, &theirs);
}
