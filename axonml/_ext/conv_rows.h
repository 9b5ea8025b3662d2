/* The strided row copy of im2col (_conv.pyx): dst[i] = src[i * stride] for i in [0, n).
 *
 * With the stride a run-time value gcc keeps this loop scalar; a stride fixed at compile time
 * (2, the strided convolutions') it vectorizes. Like fast_math.h's row loops it is compiled for
 * AVX-512, AVX2 and SSE2, and the loader picks the best the CPU supports.
 */
#ifndef AXONML_CONV_ROWS_H
#define AXONML_CONV_ROWS_H

/* fast_math.h's exp and softmax loops are unused here */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "fast_math.h"
#pragma GCC diagnostic pop

#define AXON_COPY_STRIDED(T, NAME)                                                                   \
    AXON_ROW_LOOP static void NAME(const T *restrict src, ptrdiff_t stride, T *restrict dst, ptrdiff_t n) \
    {                                                                                                \
        ptrdiff_t i;                                                                                 \
        if (stride == 2) {                                                                           \
            for (i = 0; i < n; i++)                                                                  \
                dst[i] = src[2 * i];                                                                 \
        } else {                                                                                     \
            for (i = 0; i < n; i++)                                                                  \
                dst[i] = src[i * stride];                                                            \
        }                                                                                            \
    }

AXON_COPY_STRIDED(float, axon_copy_strided_f32)
AXON_COPY_STRIDED(double, axon_copy_strided_f64)

#endif
