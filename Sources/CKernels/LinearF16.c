// Linear layers with half-float weights for a few tokens at a time (the embedder's short queries).
//
// Each variant is compiled for its instruction set with a target attribute and chosen at run time, so the
// binary runs on any x86-64 and on arm64 (which gets the portable code).

#include "CKernels.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// MARK: - Portable conversions

static inline uint32_t float_bits(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static inline float bits_float(uint32_t bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

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

// MARK: - Scalar

enum { SCALAR_CHUNK = 256 };

// Eight independent sums, which the compiler turns into one vector without reassociating floats itself.
static inline float dot(const float *a, const float *b, size_t count) {
    float lanes[8] = {0};
    size_t i = 0;
    for (; i + 8 <= count; i += 8)
        for (int j = 0; j < 8; j++) lanes[j] += a[i + j] * b[i + j];
    float sum = 0;
    for (int j = 0; j < 8; j++) sum += lanes[j];
    for (; i < count; i++) sum += a[i] * b[i];
    return sum;
}

static void linear_scalar(
    const float *x, size_t ldx, size_t m, size_t k, const uint16_t *w, const float *bias, size_t n, float *y,
    size_t ldy) {
    for (size_t t = 0; t < m; t++) memcpy(y + t * ldy, bias, n * sizeof(float));
    float row[SCALAR_CHUNK];
    for (size_t o = 0; o < n; o++) {
        for (size_t start = 0; start < k; start += SCALAR_CHUNK) {
            const size_t length = k - start < SCALAR_CHUNK ? k - start : SCALAR_CHUNK;
            memos_f16_to_f32(w + o * k + start, row, length);
            for (size_t t = 0; t < m; t++) y[t * ldy + o] += dot(row, x + t * ldx + start, length);
        }
    }
}

#if defined(__x86_64__)

// y[t][o] += Σ_{i ≥ start} x[t][i] · w[o][i]: the columns of k past the last whole vector.
static void add_tail(
    const float *x, size_t ldx, size_t m, size_t k, size_t start, const uint16_t *w, size_t n, float *y,
    size_t ldy) {
    for (size_t o = 0; o < n; o++) {
        for (size_t t = 0; t < m; t++) {
            float sum = 0;
            for (size_t i = start; i < k; i++) sum += x[t * ldx + i] * half_to_float(w[o * k + i]);
            y[t * ldy + o] += sum;
        }
    }
}

// MARK: - AVX-512: 16 lanes, blocks of up to 4 weight rows × 4 tokens

#define AVX512 __attribute__((target("avx512f,f16c,fma")))
#define INLINE static inline __attribute__((always_inline))

// The sums of four vectors' lanes, as one vector [Σa, Σb, Σc, Σd].
AVX512 INLINE __m128 sum4_512(__m512 a, __m512 b, __m512 c, __m512 d) {
#define HALVES(v) \
    _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)))
    const __m256 ab = _mm256_hadd_ps(HALVES(a), HALVES(b));
    const __m256 cd = _mm256_hadd_ps(HALVES(c), HALVES(d));
#undef HALVES
    const __m256 abcd = _mm256_hadd_ps(ab, cd);
    return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// R weight rows (1 or 4) × T tokens (1 to 4); R and T are constants at every call, so the loops unroll.
AVX512 INLINE void block_avx512(
    const int R, const int T, const float *x, size_t ldx, size_t k, size_t kv, const uint16_t *w, const float *bias,
    float *y, size_t ldy) {
    __m512 acc[4][4];
    for (int t = 0; t < T; t++)
        for (int r = 0; r < R; r++) acc[t][r] = _mm512_setzero_ps();
    for (size_t i = 0; i < kv; i += 16) {
        __m512 v[4];
        for (int t = 0; t < T; t++) v[t] = _mm512_loadu_ps(x + t * ldx + i);
        for (int r = 0; r < R; r++) {
            const __m512 q = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + r * k + i)));
            for (int t = 0; t < T; t++) acc[t][r] = _mm512_fmadd_ps(q, v[t], acc[t][r]);
        }
    }
    if (R == 4) {
        const __m128 b = _mm_loadu_ps(bias);
        for (int t = 0; t < T; t++)
            _mm_storeu_ps(y + t * ldy, _mm_add_ps(b, sum4_512(acc[t][0], acc[t][1], acc[t][2], acc[t][3])));
    } else {
        for (int t = 0; t < T; t++) y[t * ldy] = bias[0] + _mm512_reduce_add_ps(acc[t][0]);
    }
}

AVX512 INLINE void rows_avx512(
    const int R, const float *x, size_t ldx, size_t m, size_t k, size_t kv, const uint16_t *w, const float *bias,
    float *y, size_t ldy) {
    size_t t = 0;
    for (; t + 4 <= m; t += 4) block_avx512(R, 4, x + t * ldx, ldx, k, kv, w, bias, y + t * ldy, ldy);
    switch (m - t) {
    case 3: block_avx512(R, 3, x + t * ldx, ldx, k, kv, w, bias, y + t * ldy, ldy); break;
    case 2: block_avx512(R, 2, x + t * ldx, ldx, k, kv, w, bias, y + t * ldy, ldy); break;
    case 1: block_avx512(R, 1, x + t * ldx, ldx, k, kv, w, bias, y + t * ldy, ldy); break;
    default: break;
    }
}

AVX512 static void linear_avx512(
    const float *x, size_t ldx, size_t m, size_t k, const uint16_t *w, const float *bias, size_t n, float *y,
    size_t ldy) {
    const size_t kv = k / 16 * 16;
    size_t o = 0;
    for (; o + 4 <= n; o += 4) rows_avx512(4, x, ldx, m, k, kv, w + o * k, bias + o, y + o, ldy);
    for (; o < n; o++) rows_avx512(1, x, ldx, m, k, kv, w + o * k, bias + o, y + o, ldy);
    if (kv < k) add_tail(x, ldx, m, k, kv, w, n, y, ldy);
}

// MARK: - AVX2: 8 lanes, blocks of up to 4 weight rows × 3 tokens (16 registers)

#define AVX2 __attribute__((target("avx2,f16c,fma")))

AVX2 INLINE __m128 sum4_256(__m256 a, __m256 b, __m256 c, __m256 d) {
    const __m256 abcd = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

AVX2 INLINE float sum_256(__m256 a) {
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

AVX2 INLINE void block_avx2(
    const int R, const int T, const float *x, size_t ldx, size_t k, size_t kv, const uint16_t *w, const float *bias,
    float *y, size_t ldy) {
    __m256 acc[3][4];
    for (int t = 0; t < T; t++)
        for (int r = 0; r < R; r++) acc[t][r] = _mm256_setzero_ps();
    for (size_t i = 0; i < kv; i += 8) {
        __m256 v[3];
        for (int t = 0; t < T; t++) v[t] = _mm256_loadu_ps(x + t * ldx + i);
        for (int r = 0; r < R; r++) {
            const __m256 q = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + r * k + i)));
            for (int t = 0; t < T; t++) acc[t][r] = _mm256_fmadd_ps(q, v[t], acc[t][r]);
        }
    }
    if (R == 4) {
        const __m128 b = _mm_loadu_ps(bias);
        for (int t = 0; t < T; t++)
            _mm_storeu_ps(y + t * ldy, _mm_add_ps(b, sum4_256(acc[t][0], acc[t][1], acc[t][2], acc[t][3])));
    } else {
        for (int t = 0; t < T; t++) y[t * ldy] = bias[0] + sum_256(acc[t][0]);
    }
}

AVX2 INLINE void rows_avx2(
    const int R, const float *x, size_t ldx, size_t m, size_t k, size_t kv, const uint16_t *w, const float *bias,
    float *y, size_t ldy) {
    size_t t = 0;
    for (; t + 3 <= m; t += 3) block_avx2(R, 3, x + t * ldx, ldx, k, kv, w, bias, y + t * ldy, ldy);
    switch (m - t) {
    case 2: block_avx2(R, 2, x + t * ldx, ldx, k, kv, w, bias, y + t * ldy, ldy); break;
    case 1: block_avx2(R, 1, x + t * ldx, ldx, k, kv, w, bias, y + t * ldy, ldy); break;
    default: break;
    }
}

AVX2 static void linear_avx2(
    const float *x, size_t ldx, size_t m, size_t k, const uint16_t *w, const float *bias, size_t n, float *y,
    size_t ldy) {
    const size_t kv = k / 8 * 8;
    size_t o = 0;
    for (; o + 4 <= n; o += 4) rows_avx2(4, x, ldx, m, k, kv, w + o * k, bias + o, y + o, ldy);
    for (; o < n; o++) rows_avx2(1, x, ldx, m, k, kv, w + o * k, bias + o, y + o, ldy);
    if (kv < k) add_tail(x, ldx, m, k, kv, w, n, y, ldy);
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
#endif
    default: return 0;
    }
}

static memos_kernel_isa best_isa(void) {
    if (memos_kernel_supported(MEMOS_KERNEL_AVX512)) return MEMOS_KERNEL_AVX512;
    if (memos_kernel_supported(MEMOS_KERNEL_AVX2)) return MEMOS_KERNEL_AVX2;
    return MEMOS_KERNEL_SCALAR;
}

void memos_linear_f16(
    memos_kernel_isa isa, const float *x, size_t ldx, size_t m, size_t k, const uint16_t *w, const float *bias,
    size_t n, float *y, size_t ldy) {
    if (isa == MEMOS_KERNEL_AUTO) isa = best_isa();
    switch (isa) {
#if defined(__x86_64__)
    case MEMOS_KERNEL_AVX512: linear_avx512(x, ldx, m, k, w, bias, n, y, ldy); return;
    case MEMOS_KERNEL_AVX2: linear_avx2(x, ldx, m, k, w, bias, n, y, ldy); return;
#endif
    default: linear_scalar(x, ldx, m, k, w, bias, n, y, ldy); return;
    }
}
