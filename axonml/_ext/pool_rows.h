/* The row loop of max pooling (_pool.pyx): one window tap across a run of outputs.
 *
 * Max pooling's window test (a later tap wins when it is greater or NaN, as in PyTorch) is a
 * branch per element in a scalar loop, and on data such as a ReLU's output it goes either way
 * half the time: most of a pooling layer's time went to mispredicted branches. Written as
 * selects over a run of outputs, with restrict pointers and the tap's stride fixed at compile
 * time for the common strides 1 and 2, gcc vectorizes it; like fast_math.h's row loops it is
 * compiled for AVX-512, AVX2 and SSE2, and the loader picks the best the CPU supports.
 */
#ifndef AXONML_POOL_ROWS_H
#define AXONML_POOL_ROWS_H

/* fast_math.h's exp and softmax loops are unused here */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "fast_math.h"
#pragma GCC diagnostic pop

/* For i in [0, n): when v = src[i * stride] beats best[i] (v > best[i], or v is NaN), best[i] = v and
 * taps[i] = tap. */
#define AXON_MAX_TAP_LOOP(T, STRIDE)                                   \
    for (ptrdiff_t i = 0; i < n; i++) {                                \
        T v = src[i * (STRIDE)], b = best[i];                          \
        int take = (v > b) | (v != v);                                 \
        best[i] = take ? v : b;                                        \
        taps[i] = take ? tap : taps[i];                                \
    }

#define AXON_MAX_TAP(T, NAME)                                                                        \
    AXON_ROW_LOOP static void NAME(const T *restrict src, ptrdiff_t stride, T *restrict best,         \
                                   T *restrict taps, T tap, ptrdiff_t n)                              \
    {                                                                                                 \
        if (stride == 1) {                                                                            \
            AXON_MAX_TAP_LOOP(T, 1)                                                                   \
        } else if (stride == 2) {                                                                     \
            AXON_MAX_TAP_LOOP(T, 2)                                                                   \
        } else {                                                                                      \
            AXON_MAX_TAP_LOOP(T, stride)                                                              \
        }                                                                                             \
    }

AXON_MAX_TAP(float, axon_max_tap_f32)
AXON_MAX_TAP(double, axon_max_tap_f64)

#endif
