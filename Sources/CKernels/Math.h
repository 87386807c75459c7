// Shared by the kernels' files: bit casts, the target attributes, and e^x as the Swift VectorKernels.exp
// computes it (scalar and AVX-512).

#ifndef MEMOS_CKERNELS_MATH_H
#define MEMOS_CKERNELS_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define INLINE static inline __attribute__((always_inline))
#define AVX512 __attribute__((target("avx512f,f16c,fma")))
#endif

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

// e^x for x in about [-87, 88]: range reduction by ln 2 and a degree-6 polynomial (Cephes), as the Swift
// VectorKernels.exp, so that both paths of the embedder compute the same function.
static inline float exp_approx(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
    const float shifted = x * 1.44269504f + 12582912.0f;  // adding 1.5·2²³ rounds to an integer in the low bits
    const float k = shifted - 12582912.0f;
    const int32_t integer = (int32_t)float_bits(shifted) - 0x4B400000;
    const float r = x - k * 0.693359375f + k * 2.1219444e-4f;
    float p = 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.3334519e-3f;
    p = p * r + 4.16657959e-2f;
    p = p * r + 1.66666655e-1f;
    p = p * r + 5.00000012e-1f;
    return (p * (r * r) + r + 1) * bits_float((uint32_t)(integer + 127) << 23);
}

#if defined(__x86_64__)

AVX512 INLINE __m512 exp_avx512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    const __m512 shifted = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504f), _mm512_set1_ps(12582912.0f));
    const __m512 k = _mm512_sub_ps(shifted, _mm512_set1_ps(12582912.0f));
    const __m512i integer = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000));
    const __m512 high = _mm512_mul_ps(k, _mm512_set1_ps(0.693359375f));
    const __m512 r = _mm512_add_ps(_mm512_sub_ps(x, high), _mm512_mul_ps(k, _mm512_set1_ps(2.1219444e-4f)));
    __m512 p = _mm512_set1_ps(1.98756915e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.39819995e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.16657959e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.66666655e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.00000012e-1f));
    const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1));
    const __m512i scale = _mm512_slli_epi32(_mm512_add_epi32(integer, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(y, _mm512_castsi512_ps(scale));
}

#endif  // __x86_64__

#endif
