/* The float32 row loops of layer_norm (_norm.pyx), forward and backward.
 *
 * Built on fast_math.h's scheme: every reduction keeps AXON_LANES independent partial sums (a
 * single accumulator is a chain gcc may not reorder), a row's tail is padded to a whole block
 * with values that add nothing, and each loop is compiled for AVX-512, AVX2 + FMA and SSE2 with
 * the loader picking the best the CPU supports. The mean is summed about the row's first element
 * and the variance about the mean (two passes), so float32 partial sums lose little to a row's
 * offset and nothing to cancellation.
 */
#ifndef AXONML_NORM_ROWS_H
#define AXONML_NORM_ROWS_H

/* fast_math.h's softmax loops are unused here */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "fast_math.h"
#pragma GCC diagnostic pop

/* sum(x[0:n] - shift): with shift = x[0] the partial sums stay near the spread of the row rather than
 * its offset, so a row far from zero keeps its mean's precision */
AXON_ROW_LOOP static float axon_row_shifted_sum_f32(const float *x, float shift, ptrdiff_t n)
{
    float lane[AXON_LANES] = {0.0f}, block[AXON_LANES];
    ptrdiff_t j = 0;
    int k;
    for (; j + AXON_LANES <= n; j += AXON_LANES)
        for (k = 0; k < AXON_LANES; k++)
            lane[k] += x[j + k] - shift;
    if (j < n) {
        axon_tail_block(x + j, n - j, shift, block);
        for (k = 0; k < AXON_LANES; k++)
            lane[k] += block[k] - shift;
    }
    return axon_sum_lanes(lane);
}

/* sum((x[0:n] - mean)^2) */
AXON_ROW_LOOP static float axon_row_centered_sumsq_f32(const float *x, float mean, ptrdiff_t n)
{
    float lane[AXON_LANES] = {0.0f}, block[AXON_LANES];
    ptrdiff_t j = 0;
    int k;
    for (; j + AXON_LANES <= n; j += AXON_LANES)
        for (k = 0; k < AXON_LANES; k++) {
            float centered = x[j + k] - mean;
            lane[k] += centered * centered;
        }
    if (j < n) {
        axon_tail_block(x + j, n - j, mean, block);
        for (k = 0; k < AXON_LANES; k++) {
            float centered = block[k] - mean;
            lane[k] += centered * centered;
        }
    }
    return axon_sum_lanes(lane);
}

/* out = (x - mean) * rstd * w + b */
AXON_ROW_LOOP static void axon_row_normalize_f32(const float *restrict x, float mean, float rstd,
                                                 const float *restrict w, const float *restrict b,
                                                 float *restrict out, ptrdiff_t n)
{
    for (ptrdiff_t j = 0; j < n; j++)
        out[j] = (x[j] - mean) * rstd * w[j] + b[j];
}

/* sum(g[0:n] * w[0:n] * (x[0:n] - mean)); kept apart from sum(g * w) (axon_row_dot_f32): gcc vectorizes
 * a loop holding two sets of lanes across its blocks instead, with strided loads, about 5x slower */
AXON_ROW_LOOP static float axon_row_centered_dot_f32(const float *g, const float *w, const float *x, float mean,
                                                     ptrdiff_t n)
{
    float lane[AXON_LANES] = {0.0f}, block_g[AXON_LANES], block_w[AXON_LANES], block_x[AXON_LANES];
    ptrdiff_t j = 0;
    int k;
    for (; j + AXON_LANES <= n; j += AXON_LANES)
        for (k = 0; k < AXON_LANES; k++)
            lane[k] += g[j + k] * w[j + k] * (x[j + k] - mean);
    if (j < n) {
        axon_tail_block(g + j, n - j, 0.0f, block_g);
        axon_tail_block(w + j, n - j, 0.0f, block_w);
        axon_tail_block(x + j, n - j, mean, block_x);
        for (k = 0; k < AXON_LANES; k++)
            lane[k] += block_g[k] * block_w[k] * (block_x[k] - mean);
    }
    return axon_sum_lanes(lane);
}

/* out = rstd * (g * w - shift - (x - mean) * slope) */
AXON_ROW_LOOP static void axon_row_norm_grad_f32(const float *restrict g, const float *restrict w,
                                                 const float *restrict x, float mean, float rstd, float shift,
                                                 float slope, float *restrict out, ptrdiff_t n)
{
    for (ptrdiff_t j = 0; j < n; j++)
        out[j] = rstd * (g[j] * w[j] - shift - (x[j] - mean) * slope);
}

#define AXON_AFFINE_GRAD_COLUMNS 256
#define AXON_AFFINE_GRAD_ROWS 64

/* dweight += sum over rows of g * (x - mean) * rstd, dbias += sum over rows of g, for a block of
 * width <= AXON_AFFINE_GRAD_COLUMNS columns of g and x (row stride `stride` elements). Each run of
 * AXON_AFFINE_GRAD_ROWS rows sums in float32, vectorized across the columns; the runs add up in double. */
AXON_ROW_LOOP static void axon_affine_grad_block_f32(const float *restrict g, const float *restrict x,
                                                     ptrdiff_t stride, const float *restrict mean,
                                                     const float *restrict rstd, ptrdiff_t rows,
                                                     double *restrict dweight, double *restrict dbias,
                                                     ptrdiff_t width)
{
    float run_w[AXON_AFFINE_GRAD_COLUMNS], run_b[AXON_AFFINE_GRAD_COLUMNS];
    for (ptrdiff_t first = 0; first < rows; first += AXON_AFFINE_GRAD_ROWS) {
        ptrdiff_t last = first + AXON_AFFINE_GRAD_ROWS < rows ? first + AXON_AFFINE_GRAD_ROWS : rows;
        for (ptrdiff_t j = 0; j < width; j++)
            run_w[j] = run_b[j] = 0.0f;
        for (ptrdiff_t r = first; r < last; r++) {
            const float *g_row = g + r * stride, *x_row = x + r * stride;
            float m = mean[r], s = rstd[r];
            for (ptrdiff_t j = 0; j < width; j++) {
                run_w[j] += g_row[j] * ((x_row[j] - m) * s);
                run_b[j] += g_row[j];
            }
        }
        for (ptrdiff_t j = 0; j < width; j++) {
            dweight[j] += run_w[j];
            dbias[j] += run_b[j];
        }
    }
}

#endif
