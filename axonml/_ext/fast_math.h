/* A vectorizable float32 exp and the float32 row loops of the softmax kernels (_nn.pyx).
 *
 * libm's expf is a call per element, which no compiler vectorizes. axon_expf below is
 * Cephes' expf written without branches (two clamps are its only selects), so gcc turns every
 * row loop that calls it into SIMD code (given -fno-trapping-math, which setup.py passes).
 * Sums and maxima keep AXON_LANES independent partial results, because a single accumulator
 * is a chain the compiler may not reorder without -ffast-math.
 *
 * On x86-64 with gcc the row loops are compiled three times (AVX-512, AVX2 + FMA and the
 * SSE2 baseline); the loader picks the best one the CPU supports (GNU ifunc).
 */
#ifndef AXONML_FAST_MATH_H
#define AXONML_FAST_MATH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
#define AXON_ROW_LOOP __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define AXON_ROW_LOOP
#endif

#define AXON_LANES 16

/* exp(x) within 1 ulp: exp(x) = 2^n * exp(r), n = round(x / ln 2), r = x - n ln 2 in
 * [-ln 2 / 2, ln 2 / 2] (ln 2 split in two so that n * ln 2 is exact), exp(r) by Cephes'
 * polynomial, 2^n applied as 2^(n/2) * 2^(n - n/2) so that results near the ends of the
 * range overflow to +inf or round to subnormals as they should. NaN stays NaN (through r).
 *
 * Every value is computed unconditionally and the only selects are the clamps: a select
 * between a computed value and a constant would let gcc move the computation into a branch,
 * which it then refuses to vectorize (floating-point ops may trap). */
static inline float axon_expf(float x)
{
    /* beyond these, exp(x) rounds to +inf or 0 and the exponent arithmetic below stays in range */
    const float upper = 128.0f, lower = -104.0f;
    union { float f; uint32_t u; } shifted, half_scale, rest_scale;
    float clamped = x > upper ? upper : x;
    clamped = clamped < lower ? lower : clamped;
    /* adding 1.5 * 2^23 rounds to an integer, which then sits in the low mantissa bits */
    shifted.f = clamped * 1.44269504088896341f + 12582912.0f;
    float n = shifted.f - 12582912.0f;
    int32_t exponent = (int32_t)(shifted.u - 0x4B400000u);
    float r = clamped - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    int32_t half = exponent / 2;
    half_scale.u = (uint32_t)(half + 127) << 23;
    rest_scale.u = (uint32_t)(exponent - half + 127) << 23;
    return p * half_scale.f * rest_scale.f;
}

/* The last count (< AXON_LANES) elements of a row, padded to a whole block with pad, so that a
 * short row or a row's tail runs through the same vector code as the full blocks. */
static inline void axon_tail_block(const float *x, ptrdiff_t count, float pad, float *block)
{
    for (int k = 0; k < AXON_LANES; k++)
        block[k] = k < count ? x[k] : pad;
}

/* The largest element of x[0:n], NaN ignored; -inf for an empty or all-NaN row. */
AXON_ROW_LOOP static float axon_row_max_f32(const float *x, ptrdiff_t n)
{
    float lane[AXON_LANES], block[AXON_LANES], m = -INFINITY;
    ptrdiff_t j = 0;
    int k;
    for (k = 0; k < AXON_LANES; k++)
        lane[k] = -INFINITY;
    for (; j + AXON_LANES <= n; j += AXON_LANES)
        for (k = 0; k < AXON_LANES; k++)
            lane[k] = x[j + k] > lane[k] ? x[j + k] : lane[k];
    if (j < n) {
        axon_tail_block(x + j, n - j, -INFINITY, block);
        for (k = 0; k < AXON_LANES; k++)
            lane[k] = block[k] > lane[k] ? block[k] : lane[k];
    }
    for (k = 0; k < AXON_LANES; k++)
        m = lane[k] > m ? lane[k] : m;
    return m;
}

static inline float axon_sum_lanes(const float *lane)
{
    float total = 0.0f;
    for (int k = 0; k < AXON_LANES; k++)
        total += lane[k];
    return total;
}

/* sum(x[0:n]) */
AXON_ROW_LOOP static float axon_row_sum_f32(const float *x, ptrdiff_t n)
{
    float lane[AXON_LANES] = {0.0f}, block[AXON_LANES];
    ptrdiff_t j = 0;
    int k;
    for (; j + AXON_LANES <= n; j += AXON_LANES)
        for (k = 0; k < AXON_LANES; k++)
            lane[k] += x[j + k];
    if (j < n) {
        axon_tail_block(x + j, n - j, 0.0f, block);
        for (k = 0; k < AXON_LANES; k++)
            lane[k] += block[k];
    }
    return axon_sum_lanes(lane);
}

/* sum(a[0:n] * b[0:n]) */
AXON_ROW_LOOP static float axon_row_dot_f32(const float *a, const float *b, ptrdiff_t n)
{
    float lane[AXON_LANES] = {0.0f}, block_a[AXON_LANES], block_b[AXON_LANES];
    ptrdiff_t j = 0;
    int k;
    for (; j + AXON_LANES <= n; j += AXON_LANES)
        for (k = 0; k < AXON_LANES; k++)
            lane[k] += a[j + k] * b[j + k];
    if (j < n) {
        axon_tail_block(a + j, n - j, 0.0f, block_a);
        axon_tail_block(b + j, n - j, 0.0f, block_b);
        for (k = 0; k < AXON_LANES; k++)
            lane[k] += block_a[k] * block_b[k];
    }
    return axon_sum_lanes(lane);
}

/* sum(exp(x[0:n] - shift)) for a finite shift */
AXON_ROW_LOOP static float axon_row_sum_exp_f32(const float *x, float shift, ptrdiff_t n)
{
    float lane[AXON_LANES] = {0.0f}, block[AXON_LANES];
    ptrdiff_t j = 0;
    int k;
    for (; j + AXON_LANES <= n; j += AXON_LANES)
        for (k = 0; k < AXON_LANES; k++)
            lane[k] += axon_expf(x[j + k] - shift);
    if (j < n) {
        axon_tail_block(x + j, n - j, -INFINITY, block);
        for (k = 0; k < AXON_LANES; k++)
            lane[k] += axon_expf(block[k] - shift);
    }
    return axon_sum_lanes(lane);
}

/* out = exp(x - shift); returns sum(out). */
AXON_ROW_LOOP static float axon_row_exp_store_f32(const float *restrict x, float shift, float *restrict out,
                                                  ptrdiff_t n)
{
    float lane[AXON_LANES] = {0.0f}, block[AXON_LANES];
    ptrdiff_t j = 0;
    int k;
    for (; j + AXON_LANES <= n; j += AXON_LANES)
        for (k = 0; k < AXON_LANES; k++) {
            float e = axon_expf(x[j + k] - shift);
            out[j + k] = e;
            lane[k] += e;
        }
    if (j < n) {
        axon_tail_block(x + j, n - j, 0.0f, block);
        for (k = 0; k < AXON_LANES; k++)
            block[k] = axon_expf(block[k] - shift);
        for (k = 0; j + k < n; k++) {
            out[j + k] = block[k];
            lane[k] += block[k];
        }
    }
    return axon_sum_lanes(lane);
}

/* x *= scale, in place */
AXON_ROW_LOOP static void axon_row_scale_f32(float *x, float scale, ptrdiff_t n)
{
    for (ptrdiff_t j = 0; j < n; j++)
        x[j] *= scale;
}

/* out = x - shift */
AXON_ROW_LOOP static void axon_row_shift_f32(const float *restrict x, float shift, float *restrict out, ptrdiff_t n)
{
    for (ptrdiff_t j = 0; j < n; j++)
        out[j] = x[j] - shift;
}

/* out = scale * exp(x - shift) */
AXON_ROW_LOOP static void axon_row_exp_affine_f32(const float *restrict x, float shift, float scale,
                                                  float *restrict out, ptrdiff_t n)
{
    for (ptrdiff_t j = 0; j < n; j++)
        out[j] = scale * axon_expf(x[j] - shift);
}

/* out = g - scale * exp(y) */
AXON_ROW_LOOP static void axon_row_sub_scaled_exp_f32(const float *restrict g, const float *restrict y, float scale,
                                                      float *restrict out, ptrdiff_t n)
{
    for (ptrdiff_t j = 0; j < n; j++)
        out[j] = g[j] - scale * axon_expf(y[j]);
}

#endif
