// The search index's distance: dot products of float vectors, and prefetching the next vector of a graph walk.

#include "CKernels.h"
#include "Math.h"

#if defined(__x86_64__)
// Four accumulators of 16 lanes; the tail of a length that is not a multiple of 16 is loaded masked.
AVX512 static float dot_avx512(const float *a, const float *b, size_t n) {
    __m512 sum0 = _mm512_setzero_ps(), sum1 = _mm512_setzero_ps(), sum2 = _mm512_setzero_ps(),
           sum3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        sum0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), sum0);
        sum1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), sum1);
        sum2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), sum2);
        sum3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), sum3);
    }
    for (; i + 16 <= n; i += 16) sum0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), sum0);
    if (i < n) {
        const __mmask16 mask = (__mmask16)((1u << (n - i)) - 1);
        sum1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i), sum1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(sum0, sum1), _mm512_add_ps(sum2, sum3)));
}
#endif

static float dot_portable(const float *a, const float *b, size_t n) {
    float sums[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (size_t lane = 0; lane < 8; lane++) sums[lane] += a[i + lane] * b[i + lane];
    }
    float sum = 0;
    for (; i < n; i++) sum += a[i] * b[i];
    for (size_t lane = 0; lane < 8; lane++) sum += sums[lane];
    return sum;
}

typedef float (*dot_function)(const float *, const float *, size_t);

// Resolved on first use; every thread resolves to the same function, so the unsynchronised store is harmless.
static dot_function resolved_dot = NULL;

float memos_dot(const float *a, const float *b, size_t n) {
    dot_function dot = __atomic_load_n(&resolved_dot, __ATOMIC_RELAXED);
    if (dot == NULL) {
        dot = dot_portable;
#if defined(__x86_64__)
        if (memos_kernel_supported(MEMOS_KERNEL_AVX512)) dot = dot_avx512;
#endif
        __atomic_store_n(&resolved_dot, dot, __ATOMIC_RELAXED);
    }
    return dot(a, b, n);
}

void memos_prefetch(const void *address, size_t bytes) {
    const char *start = (const char *)address;
    for (size_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(start + offset, 0, 3);
}
