/* The channel loops of batch_norm (_norm.pyx): statistics, and the backward pass's sums and input gradient.
 *
 * batch_norm accumulates in double whatever the data type (as PyTorch's CPU kernels do). A single
 * double accumulator is a chain of dependent adds that gcc may not reorder, one add per element
 * every 4 cycles or so; these loops keep AXON_LANES independent double partial sums, which gcc
 * vectorizes, and like fast_math.h's row loops they are compiled for AVX-512, AVX2 and SSE2, the
 * loader picking the best the CPU supports. Element-wise results are computed in double and
 * rounded once, as before.
 */
#ifndef AXONML_NORM_CHANNELS_H
#define AXONML_NORM_CHANNELS_H

/* fast_math.h's exp and softmax loops are unused here */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "fast_math.h"
#pragma GCC diagnostic pop

static inline double axon_sum_lanes_f64(const double *lane)
{
    double total = 0.0;
    for (int k = 0; k < AXON_LANES; k++)
        total += lane[k];
    return total;
}

#define AXON_NORM_CHANNEL_LOOPS(T, SUFFIX)                                                                 \
/* sum(x[0:n]) in double */                                                                                  \
AXON_ROW_LOOP static double axon_channel_sum_##SUFFIX(const T *restrict x, ptrdiff_t n)                    \
{                                                                                                           \
    double lane[AXON_LANES] = {0.0}, total;                                                                 \
    ptrdiff_t j = 0;                                                                                        \
    int k;                                                                                                  \
    for (; j + AXON_LANES <= n; j += AXON_LANES)                                                            \
        for (k = 0; k < AXON_LANES; k++)                                                                    \
            lane[k] += (double)x[j + k];                                                                    \
    total = axon_sum_lanes_f64(lane);                                                                       \
    for (; j < n; j++)                                                                                      \
        total += (double)x[j];                                                                              \
    return total;                                                                                           \
}                                                                                                           \
                                                                                                            \
/* sum((x[0:n] - mean)^2) in double */                                                                      \
AXON_ROW_LOOP static double axon_channel_sumsq_##SUFFIX(const T *restrict x, double mean, ptrdiff_t n)     \
{                                                                                                           \
    double lane[AXON_LANES] = {0.0}, total, centered;                                                       \
    ptrdiff_t j = 0;                                                                                        \
    int k;                                                                                                  \
    for (; j + AXON_LANES <= n; j += AXON_LANES)                                                            \
        for (k = 0; k < AXON_LANES; k++) {                                                                  \
            centered = (double)x[j + k] - mean;                                                             \
            lane[k] += centered * centered;                                                                 \
        }                                                                                                   \
    total = axon_sum_lanes_f64(lane);                                                                       \
    for (; j < n; j++) {                                                                                    \
        centered = (double)x[j] - mean;                                                                     \
        total += centered * centered;                                                                       \
    }                                                                                                       \
    return total;                                                                                           \
}                                                                                                           \
                                                                                                            \
/* sum(g[0:n]) and sum(g[0:n] * (x[0:n] - mean)) in double, added to *sum_g and *sum_gx */                  \
AXON_ROW_LOOP static void axon_channel_grad_sums_##SUFFIX(const T *restrict g, const T *restrict x,         \
                                                          double mean, ptrdiff_t n, double *sum_g,          \
                                                          double *sum_gx)                                   \
{                                                                                                           \
    double lane_g[AXON_LANES] = {0.0}, lane_gx[AXON_LANES] = {0.0}, total_g, total_gx;                      \
    ptrdiff_t j = 0;                                                                                        \
    int k;                                                                                                  \
    for (; j + AXON_LANES <= n; j += AXON_LANES)                                                            \
        for (k = 0; k < AXON_LANES; k++) {                                                                  \
            lane_g[k] += (double)g[j + k];                                                                  \
            lane_gx[k] += (double)g[j + k] * ((double)x[j + k] - mean);                                     \
        }                                                                                                   \
    total_g = axon_sum_lanes_f64(lane_g);                                                                   \
    total_gx = axon_sum_lanes_f64(lane_gx);                                                                 \
    for (; j < n; j++) {                                                                                    \
        total_g += (double)g[j];                                                                            \
        total_gx += (double)g[j] * ((double)x[j] - mean);                                                   \
    }                                                                                                       \
    *sum_g += total_g;                                                                                      \
    *sum_gx += total_gx;                                                                                    \
}                                                                                                           \
                                                                                                            \
/* dx = scale * (g - mean_g - (x - mean) * rstd * mean_gx), each in double, rounded once */                  \
AXON_ROW_LOOP static void axon_channel_grad_##SUFFIX(const T *restrict g, const T *restrict x, double mean,  \
                                                     double rstd, double scale, double mean_g,              \
                                                     double mean_gx, T *restrict dx, ptrdiff_t n)           \
{                                                                                                           \
    for (ptrdiff_t j = 0; j < n; j++)                                                                       \
        dx[j] = (T)(scale * ((double)g[j] - mean_g - ((double)x[j] - mean) * rstd * mean_gx));              \
}

AXON_NORM_CHANNEL_LOOPS(float, f32)
AXON_NORM_CHANNEL_LOOPS(double, f64)

#endif
