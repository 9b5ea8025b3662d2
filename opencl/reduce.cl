// Reductions over any set of axes, argmax/argmin, and scans (cumsum/cumprod, logcumsumexp, and
// cummax/cummin: OP_MAX / OP_MIN with SCAN_INDEX).
//
// The host permutes the reduced axes last and passes two descriptors over the same buffer:
// `outer` (the kept axes, one work-group per output element) and `inner` (the reduced axes,
// walked by the work-group's items and combined in local memory). The host defines IN_T,
// ACC_T, OUT_T, one of OP_SUM / OP_PROD / OP_MAX / OP_MIN / OP_ANY / OP_ALL / OP_ARGMAX /
// OP_ARGMIN, and IN_IS_FLOAT for NaN handling.

#if defined(OP_SUM)
#define INIT ((ACC_T)0)
#define COMBINE(a, b) ((a) + (b))
#elif defined(OP_PROD)
#define INIT ((ACC_T)1)
#define COMBINE(a, b) ((a) * (b))
#elif defined(OP_ANY)
#define INIT ((ACC_T)0)
#define COMBINE(a, b) ((ACC_T)((a) || (b)))
#elif defined(OP_ALL)
#define INIT ((ACC_T)1)
#define COMBINE(a, b) ((ACC_T)((a) && (b)))
#elif defined(OP_LOGCUMSUMEXP)
#define INIT ((ACC_T)(-INFINITY))
// log(exp(a) + exp(b)) without overflow; equal operands (infinities too) give a + log 2, a NaN propagates
inline ACC_T log_add_exp(ACC_T a, ACC_T b) {
    if (a == b) return a + (ACC_T)0.69314718055994530942;
    const ACC_T big = a > b ? a : b;
    return big + log1p(exp(-fabs(a - b)));
}
#define COMBINE(a, b) log_add_exp(a, b)
#elif defined(OP_MAX) || defined(OP_ARGMAX)
#define BETTER(a, b) ((a) > (b))
#elif defined(OP_MIN) || defined(OP_ARGMIN)
#define BETTER(a, b) ((a) < (b))
#endif

// an input element as an accumulator value; any/all test truth, since (uchar)0.5f would be 0
#if defined(OP_ANY) || defined(OP_ALL)
#define TO_ACC(x) ((ACC_T)((x) != 0))
#else
#define TO_ACC(x) ((ACC_T)(x))
#endif

#ifdef IN_IS_FLOAT
#define IS_NAN(x) isnan(x)
#else
#define IS_NAN(x) 0
#endif

#if defined(OP_MAX) || defined(OP_MIN)
// NaN wins, as in NumPy's maximum.reduce
#define COMBINE(a, b) ((IS_NAN(a) || BETTER(a, b)) ? (a) : (b))
#endif

#if defined(OP_ARGMAX) || defined(OP_ARGMIN)
// is (va, ia) preferred to (vb, ib)? NaN first, then the better value, then the lower index
inline int preferred(IN_T va, long ia, IN_T vb, long ib) {
    if (IS_NAN(va) || IS_NAN(vb)) {
        if (IS_NAN(va) && IS_NAN(vb)) return ia < ib;
        return IS_NAN(va);
    }
    if (BETTER(va, vb)) return 1;
    if (BETTER(vb, va)) return 0;
    return ia < ib;
}

__kernel void arg_reduce(__global long* out, __global const IN_T* in,
                         const shape_t outer, const layout_t lo, const shape_t inner, const layout_t li,
                         __local IN_T* values, __local long* indices) {
    const long o = get_group_id(0);
    const int lid = get_local_id(0), lsize = get_local_size(0);
    const long base = offset_of(&outer, &lo, o);
    IN_T best = 0;
    long best_index = -1;
    for (long r = lid; r < inner.size; r += lsize) {
        const IN_T v = in[base + offset_of(&inner, &li, r)];
        if (best_index < 0 || preferred(v, r, best, best_index)) {
            best = v;
            best_index = r;
        }
    }
    values[lid] = best;
    indices[lid] = best_index;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = lsize / 2; step > 0; step /= 2) {
        if (lid < step && indices[lid + step] >= 0 &&
            (indices[lid] < 0 || preferred(values[lid + step], indices[lid + step], values[lid], indices[lid]))) {
            values[lid] = values[lid + step];
            indices[lid] = indices[lid + step];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) out[o] = indices[0] < 0 ? 0 : indices[0];
}

#else

// With chunks > 1, group g reduces the slice [c * chunk, (c + 1) * chunk) of output o = g / chunks
// (c = g % chunks) into out[g]: the first pass of a two-pass reduction of few, long rows.
__kernel void reduce(__global OUT_T* out, __global const IN_T* in,
                     const shape_t outer, const layout_t lo, const shape_t inner, const layout_t li,
                     const long chunk, const long chunks, __local ACC_T* scratch) {
    const long g = get_group_id(0), o = g / chunks, first = (g % chunks) * chunk;
    const long stop = min(first + chunk, inner.size);
    const int lid = get_local_id(0), lsize = get_local_size(0);
    const long base = offset_of(&outer, &lo, o);
#if defined(OP_MAX) || defined(OP_MIN)
    ACC_T acc = first < stop ? TO_ACC(in[base + offset_of(&inner, &li, first)]) : (ACC_T)0;
#else
    ACC_T acc = INIT;
#endif
    for (long r = first + lid; r < stop; r += lsize) {
        const ACC_T v = TO_ACC(in[base + offset_of(&inner, &li, r)]);
        acc = COMBINE(acc, v);
    }
    scratch[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = lsize / 2; step > 0; step /= 2) {
        if (lid < step) scratch[lid] = COMBINE(scratch[lid], scratch[lid + step]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) out[g] = (OUT_T)scratch[0];
}

#endif

#if defined(OP_SUM) || defined(OP_PROD) || defined(OP_LOGCUMSUMEXP)
// One work-item per line along the scanned axis; in and out share the outer shape.
__kernel void scan(__global OUT_T* out, const layout_t lo, __global const IN_T* in, const layout_t li,
                   const shape_t outer, const long length, const long in_stride, const long out_stride) {
    const long line = get_global_id(0);
    if (line >= outer.size) return;
    long src = offset_of(&outer, &li, line), dst = offset_of(&outer, &lo, line);
    ACC_T acc = INIT;
    for (long k = 0; k < length; ++k, src += in_stride, dst += out_stride) {
        acc = COMBINE(acc, TO_ACC(in[src]));
        out[dst] = (OUT_T)acc;
    }
}
#endif

#if defined(SCAN_INDEX) && (defined(OP_MAX) || defined(OP_MIN))
// cummax/cummin: the running extreme along the scanned axis and the position it came from. A later
// element equal to the running extreme takes over (the last index of a tie); a NaN, once seen, stays.
__kernel void scan_extreme(__global IN_T* out, __global long* out_index, const layout_t lo,
                           __global const IN_T* in, const layout_t li, const shape_t outer, const long length,
                           const long in_stride, const long out_stride) {
    const long line = get_global_id(0);
    if (line >= outer.size) return;
    long src = offset_of(&outer, &li, line), dst = offset_of(&outer, &lo, line);
    IN_T best = in[src];
    long best_k = 0;
    for (long k = 0; k < length; ++k, src += in_stride, dst += out_stride) {
        const IN_T x = in[src];
        if (IS_NAN(x) || (!IS_NAN(best) && !BETTER(best, x))) {
            best = x;
            best_k = k;
        }
        out[dst] = best;
        out_index[dst] = best_k;
    }
}
#endif
