// Self-attention: per head, scores = QKᵀ/√d, a softmax per row, and the context P·V. One short text (a query)
// on the calling thread, its 32 scores a row in registers; a batch of texts of any length head by head, the heads
// shared with the kernels' partner thread. Each product is a few thousand multiply-adds, less than a BLAS call
// costs to set up, so they are written out here: the keys are transposed once per head so that a row of scores
// is a sum of vectors, with no horizontal reduction per score.

#include "CKernels.h"
#include "Math.h"

enum { MAX_TOKENS = MEMOS_SHORT_ATTENTION_TOKENS, MAX_HEAD = 128 };

// MARK: - Scalar

static void softmax_rows_scalar(float *scores, size_t rows, size_t n) {
    for (size_t row = 0; row < rows; row++) {
        float *values = scores + row * n;
        float maximum = -INFINITY;
        for (size_t j = 0; j < n; j++) maximum = values[j] > maximum ? values[j] : maximum;
        float total = 0;
        for (size_t j = 0; j < n; j++) {
            values[j] = exp_approx(values[j] - maximum);
            total += values[j];
        }
        const float inverse = 1 / total;
        for (size_t j = 0; j < n; j++) values[j] *= inverse;
    }
}

// One head of one text of n tokens: the head's queries at q, keys at k, values at v (rows `stride` apart), its
// context at out (rows `ldc` apart). `scores` holds n floats.
static void head_scalar(
    const float *q, const float *k, const float *v, size_t n, size_t stride, size_t size, float *out, size_t ldc,
    float *scores) {
    const float scale = 1 / sqrtf((float)size);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            float sum = 0;
            for (size_t d = 0; d < size; d++) sum += q[i * stride + d] * k[j * stride + d];
            scores[j] = sum * scale;
        }
        softmax_rows_scalar(scores, 1, n);
        float *row = out + i * ldc;
        for (size_t d = 0; d < size; d++) row[d] = 0;
        for (size_t j = 0; j < n; j++)
            for (size_t d = 0; d < size; d++) row[d] += scores[j] * v[j * stride + d];
    }
}

static void attention_scalar(
    const float *qkv, size_t n, size_t hidden, size_t heads, float *context, size_t ldc) {
    const size_t size = hidden / heads;
    float scores[MAX_TOKENS];
    for (size_t head = 0; head < heads; head++) {
        const float *q = qkv + head * size;
        head_scalar(q, q + hidden, q + 2 * hidden, n, 3 * hidden, size, context + head * size, ldc, scores);
    }
}

#if defined(__x86_64__)

// MARK: - AVX-512: a row of up to 32 scores in two registers

AVX512 static void attention_avx512(
    const float *qkv, size_t n, size_t hidden, size_t heads, float *context, size_t ldc) {
    const size_t size = hidden / heads, stride = 3 * hidden;
    const __m512 scale = _mm512_set1_ps(1 / sqrtf((float)size));
    const __mmask16 low = n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1);
    const __mmask16 high = n <= 16 ? 0 : (__mmask16)((1u << (n - 16)) - 1);
    float transposed[MAX_HEAD][MAX_TOKENS];  // keys: transposed[d][j] = k[j][d], zero past n
    float weights[MAX_TOKENS];
    for (size_t head = 0; head < heads; head++) {
        const float *q = qkv + head * size, *k = q + hidden, *v = q + 2 * hidden;
        for (size_t d = 0; d < size; d++)
            for (size_t j = 0; j < MAX_TOKENS; j++) transposed[d][j] = j < n ? k[j * stride + d] : 0;
        for (size_t i = 0; i < n; i++) {
            __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
            for (size_t d = 0; d < size; d++) {
                const __m512 value = _mm512_set1_ps(q[i * stride + d]);
                s0 = _mm512_fmadd_ps(value, _mm512_loadu_ps(transposed[d]), s0);
                s1 = _mm512_fmadd_ps(value, _mm512_loadu_ps(transposed[d] + 16), s1);
            }
            s0 = _mm512_mul_ps(s0, scale);
            s1 = _mm512_mul_ps(s1, scale);
            const __m512 lowest = _mm512_set1_ps(-INFINITY);
            const float maximum = _mm512_reduce_max_ps(
                _mm512_max_ps(_mm512_mask_mov_ps(lowest, low, s0), _mm512_mask_mov_ps(lowest, high, s1)));
            const __m512 top = _mm512_set1_ps(maximum);
            // Lanes past n are zero, not e^(0 - max).
            const __m512 e0 = _mm512_maskz_mov_ps(low, exp_avx512(_mm512_sub_ps(s0, top)));
            const __m512 e1 = _mm512_maskz_mov_ps(high, exp_avx512(_mm512_sub_ps(s1, top)));
            const __m512 inverse = _mm512_set1_ps(1 / _mm512_reduce_add_ps(_mm512_add_ps(e0, e1)));
            _mm512_storeu_ps(weights, _mm512_mul_ps(e0, inverse));
            _mm512_storeu_ps(weights + 16, _mm512_mul_ps(e1, inverse));
            float *out = context + i * ldc + head * size;
            for (size_t d = 0; d < size; d += 16) {
                __m512 sum = _mm512_setzero_ps();
                for (size_t j = 0; j < n; j++)
                    sum = _mm512_fmadd_ps(_mm512_set1_ps(weights[j]), _mm512_loadu_ps(v + j * stride + d), sum);
                _mm512_storeu_ps(out + d, sum);
            }
        }
    }
}

#endif  // __x86_64__

// MARK: - AVX-512 softmax of rows of any length

#if defined(__x86_64__)

// Sixteen scores a step, the tail under a mask. Written out because the Swift loop's running maximum and sum
// kept the compiler from vectorising it: one e^x at a time was a sixth of an ingest's CPU time.
AVX512 static void softmax_rows_avx512(float *scores, size_t rows, size_t n) {
    const __mmask16 tail = (__mmask16)((1u << (n % 16)) - 1);
    const size_t whole = n / 16 * 16;
    const __m512 lowest = _mm512_set1_ps(-INFINITY);
    for (size_t row = 0; row < rows; row++) {
        float *values = scores + row * n;
        __m512 top = lowest;
        for (size_t j = 0; j < whole; j += 16) top = _mm512_max_ps(top, _mm512_loadu_ps(values + j));
        if (tail) top = _mm512_max_ps(top, _mm512_mask_loadu_ps(lowest, tail, values + whole));
        const __m512 maximum = _mm512_set1_ps(_mm512_reduce_max_ps(top));
        __m512 total = _mm512_setzero_ps();
        for (size_t j = 0; j < whole; j += 16) {
            const __m512 e = exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(values + j), maximum));
            _mm512_storeu_ps(values + j, e);
            total = _mm512_add_ps(total, e);
        }
        if (tail) {
            const __m512 e = _mm512_maskz_mov_ps(tail, exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, values + whole), maximum)));
            _mm512_mask_storeu_ps(values + whole, tail, e);
            total = _mm512_add_ps(total, e);
        }
        const __m512 inverse = _mm512_set1_ps(1 / _mm512_reduce_add_ps(total));
        for (size_t j = 0; j < whole; j += 16) _mm512_storeu_ps(values + j, _mm512_mul_ps(_mm512_loadu_ps(values + j), inverse));
        if (tail) _mm512_mask_storeu_ps(values + whole, tail, _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, values + whole), inverse));
    }
}

#endif  // __x86_64__

void memos_softmax_rows(memos_kernel_isa isa, float *scores, size_t rows, size_t n) {
    if (n == 0) return;
#if defined(__x86_64__)
    isa = memos_kernel_resolve(isa);
    if (isa == MEMOS_KERNEL_AVX512 || isa == MEMOS_KERNEL_AVX512_BF16) {
        softmax_rows_avx512(scores, rows, n);
        return;
    }
#endif
    softmax_rows_scalar(scores, rows, n);
}

// MARK: - Any length, one head of one text at a time (batches of passages)

#if defined(__x86_64__)

// As head_scalar, for head sizes that are a multiple of 16. The keys are transposed into `scratch` (size rows of
// n rounded up to 16, zero past n), so that sixteen scores are one sum of broadcast query elements times key
// rows; four such sums at a time keep the FMA units busy. Then `scratch` past the keys holds the row of scores.
AVX512 static void head_avx512(
    const float *q, const float *k, const float *v, size_t n, size_t stride, size_t size, float *out, size_t ldc,
    float *scratch) {
    const size_t padded = (n + 15) / 16 * 16;
    float *keys = scratch, *scores = scratch + size * padded;
    for (size_t d = 0; d < size; d++) {
        float *row = keys + d * padded;
        for (size_t j = 0; j < n; j++) row[j] = k[j * stride + d];
        for (size_t j = n; j < padded; j++) row[j] = 0;
    }
    const __m512 scale = _mm512_set1_ps(1 / sqrtf((float)size));
    for (size_t i = 0; i < n; i++) {
        const float *query = q + i * stride;
        size_t block = 0;
        for (; block + 64 <= padded; block += 64) {
            __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            for (size_t d = 0; d < size; d++) {
                const __m512 x = _mm512_set1_ps(query[d]);
                const float *row = keys + d * padded + block;
                s0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(row), s0);
                s1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(row + 16), s1);
                s2 = _mm512_fmadd_ps(x, _mm512_loadu_ps(row + 32), s2);
                s3 = _mm512_fmadd_ps(x, _mm512_loadu_ps(row + 48), s3);
            }
            _mm512_storeu_ps(scores + block, _mm512_mul_ps(s0, scale));
            _mm512_storeu_ps(scores + block + 16, _mm512_mul_ps(s1, scale));
            _mm512_storeu_ps(scores + block + 32, _mm512_mul_ps(s2, scale));
            _mm512_storeu_ps(scores + block + 48, _mm512_mul_ps(s3, scale));
        }
        for (; block < padded; block += 16) {
            __m512 sum = _mm512_setzero_ps();
            for (size_t d = 0; d < size; d++)
                sum = _mm512_fmadd_ps(_mm512_set1_ps(query[d]), _mm512_loadu_ps(keys + d * padded + block), sum);
            _mm512_storeu_ps(scores + block, _mm512_mul_ps(sum, scale));
        }
        softmax_rows_avx512(scores, 1, n);
        float *row = out + i * ldc;
        for (size_t d = 0; d < size; d += 16) {
            __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
            size_t j = 0;
            for (; j + 4 <= n; j += 4) {
                c0 = _mm512_fmadd_ps(_mm512_set1_ps(scores[j]), _mm512_loadu_ps(v + j * stride + d), c0);
                c1 = _mm512_fmadd_ps(_mm512_set1_ps(scores[j + 1]), _mm512_loadu_ps(v + (j + 1) * stride + d), c1);
                c2 = _mm512_fmadd_ps(_mm512_set1_ps(scores[j + 2]), _mm512_loadu_ps(v + (j + 2) * stride + d), c2);
                c3 = _mm512_fmadd_ps(_mm512_set1_ps(scores[j + 3]), _mm512_loadu_ps(v + (j + 3) * stride + d), c3);
            }
            for (; j < n; j++) c0 = _mm512_fmadd_ps(_mm512_set1_ps(scores[j]), _mm512_loadu_ps(v + j * stride + d), c0);
            _mm512_storeu_ps(row + d, _mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)));
        }
    }
}

#endif  // __x86_64__

typedef struct {
    int avx512;
    const float *qkv;
    const size_t *offsets, *lengths;
    size_t hidden, heads, size, ldc, per_worker;
    float *context, *scratch;
} attention_batch;

static void attention_unit(const void *raw, size_t unit, size_t worker) {
    const attention_batch *b = raw;
    const size_t text = unit / b->heads, head = unit % b->heads, n = b->lengths[text], stride = 3 * b->hidden;
    if (n == 0) return;
    const float *q = b->qkv + b->offsets[text] * stride + head * b->size;
    float *out = b->context + b->offsets[text] * b->ldc + head * b->size;
    float *scratch = b->scratch + worker * b->per_worker;
#if defined(__x86_64__)
    if (b->avx512) {
        head_avx512(q, q + b->hidden, q + 2 * b->hidden, n, stride, b->size, out, b->ldc, scratch);
        return;
    }
#endif
    head_scalar(q, q + b->hidden, q + 2 * b->hidden, n, stride, b->size, out, b->ldc, scratch);
}

size_t memos_attention_scratch(size_t longest, size_t hidden, size_t heads) {
    const size_t padded = (longest + 15) / 16 * 16;
    return (heads == 0 ? 0 : hidden / heads) * padded + padded;
}

// Below this many multiply-adds in all, a batch's attention is not worth handing half of to the partner.
enum { SHARED_ATTENTION_WORK = 1 << 20 };

int memos_attention_batch(
    memos_kernel_isa isa, const float *qkv, const size_t *offsets, const size_t *lengths, size_t texts, size_t hidden,
    size_t heads, float *context, size_t ldc, float *scratch) {
    const size_t size = heads == 0 ? 0 : hidden / heads;
    if (size == 0 || size * heads != hidden || size > MAX_HEAD) return 0;
    isa = memos_kernel_resolve(isa);
    if (texts == 1 && lengths[0] <= MAX_TOKENS) {
        // A query: the short kernel, on this thread.
        if (lengths[0] > 0) memos_attention_short(isa, qkv + offsets[0] * 3 * hidden, lengths[0], hidden, heads, context + offsets[0] * ldc, ldc);
        return 1;
    }
    size_t longest = 0, work = 0;
    for (size_t t = 0; t < texts; t++) {
        longest = lengths[t] > longest ? lengths[t] : longest;
        work += 2 * lengths[t] * lengths[t] * hidden;
    }
    const attention_batch batch = {
        .avx512 = (isa == MEMOS_KERNEL_AVX512 || isa == MEMOS_KERNEL_AVX512_BF16) && size % 16 == 0,
        .qkv = qkv, .offsets = offsets, .lengths = lengths, .hidden = hidden, .heads = heads, .size = size,
        .ldc = ldc, .per_worker = memos_attention_scratch(longest, hidden, heads), .context = context,
        .scratch = scratch,
    };
    if (work < SHARED_ATTENTION_WORK) {
        for (size_t unit = 0; unit < texts * heads; unit++) attention_unit(&batch, unit, 0);
    } else {
        memos_partner_units(texts * heads, attention_unit, &batch);
    }
    return 1;
}

int memos_attention_short(
    memos_kernel_isa isa, const float *qkv, size_t n, size_t hidden, size_t heads, float *context, size_t ldc) {
    const size_t size = heads == 0 ? 0 : hidden / heads;
    if (n == 0 || n > MAX_TOKENS || size == 0 || size * heads != hidden || size > MAX_HEAD) return 0;
#if defined(__x86_64__)
    isa = memos_kernel_resolve(isa);
    if ((isa == MEMOS_KERNEL_AVX512 || isa == MEMOS_KERNEL_AVX512_BF16) && size % 16 == 0) {
        attention_avx512(qkv, n, hidden, heads, context, ldc);
        return 1;
    }
#endif
    attention_scalar(qkv, n, hidden, heads, context, ldc);
    return 1;
}
