// Gathers and scatters through index arrays, triangular masks, and nonzero.
//
// The host defines T (the element type) and ATOMIC (1 float, 2 double, 3 int, 4 long, 0 none:
// which atomic add scatter_add uses). Index arrays are int64. A gather reads
// src[offset_of(s, ls, i) + wrap(index[...]) * stride]: with ls's stride along the indexed
// axis set to 0, that is torch.gather; with precomputed element offsets (stride 1, size 0)
// it is NumPy's advanced indexing.

inline long wrap_index(long k, long size) {
    return k < 0 ? k + size : k;
}

__kernel void gather(__global T* out, const shape_t s, __global const T* src, const layout_t ls,
                     __global const long* index, const layout_t li, const long stride, const long size) {
    const long i = get_global_id(0);
    if (i >= s.size) return;
    const long k = wrap_index(index[offset_of(&s, &li, i)], size);
    out[i] = src[offset_of(&s, &ls, i) + k * stride];
}

__kernel void scatter(__global T* dst, const layout_t ld, const shape_t s,
                      __global const T* value, const layout_t lv, const T value_scalar,
                      __global const long* index, const layout_t li, const long stride, const long size) {
    const long i = get_global_id(0);
    if (i >= s.size) return;
    const long k = wrap_index(index[offset_of(&s, &li, i)], size);
    dst[offset_of(&s, &ld, i) + k * stride] = lv.offset < 0 ? value_scalar : value[offset_of(&s, &lv, i)];
}

#if ATOMIC == 1
inline void atomic_add_value(volatile __global float* p, float v) {
    union { uint u; float f; } old, updated;
    do {
        old.f = *p;
        updated.f = old.f + v;
    } while (atomic_cmpxchg((volatile __global uint*)p, old.u, updated.u) != old.u);
}
#elif ATOMIC == 2
inline void atomic_add_value(volatile __global double* p, double v) {
    union { ulong u; double f; } old, updated;
    do {
        old.f = *p;
        updated.f = old.f + v;
    } while (atom_cmpxchg((volatile __global ulong*)p, old.u, updated.u) != old.u);
}
#elif ATOMIC == 3
inline void atomic_add_value(volatile __global int* p, int v) { atomic_add(p, v); }
#elif ATOMIC == 4
inline void atomic_add_value(volatile __global long* p, long v) { atom_add(p, v); }
#endif

#if ATOMIC && defined(REDUCE)
// dst[...] = reduce(dst[...], value) for REDUCE 1 (prod), 2 (amax), 3 (amin), by compare-and-swap on the
// element's bits; a NaN wins amax/amin, as in torch.
#if ATOMIC == 1
#define BITS_T uint
#define CMPXCHG atomic_cmpxchg
#define IS_NAN(x) isnan(x)
#elif ATOMIC == 2
#define BITS_T ulong
#define CMPXCHG atom_cmpxchg
#define IS_NAN(x) isnan(x)
#elif ATOMIC == 3
#define BITS_T int
#define CMPXCHG atomic_cmpxchg
#define IS_NAN(x) 0
#else
#define BITS_T long
#define CMPXCHG atom_cmpxchg
#define IS_NAN(x) 0
#endif
#if REDUCE == 1
#define REDUCE_VALUES(a, b) ((a) * (b))
#elif REDUCE == 2
#define REDUCE_VALUES(a, b) ((IS_NAN(a) || (a) > (b)) ? (a) : (b))
#else
#define REDUCE_VALUES(a, b) ((IS_NAN(a) || (a) < (b)) ? (a) : (b))
#endif

inline void atomic_reduce_value(volatile __global T* p, T v) {
    union { BITS_T u; T f; } old, updated;
    do {
        old.f = *p;
        updated.f = REDUCE_VALUES(old.f, v);
    } while (CMPXCHG((volatile __global BITS_T*)p, old.u, updated.u) != old.u);
}

__kernel void scatter_reduce(__global T* dst, const layout_t ld, const shape_t s,
                             __global const T* value, const layout_t lv, const T value_scalar,
                             __global const long* index, const layout_t li, const long stride, const long size) {
    const long i = get_global_id(0);
    if (i >= s.size) return;
    const long k = wrap_index(index[offset_of(&s, &li, i)], size);
    atomic_reduce_value(dst + offset_of(&s, &ld, i) + k * stride,
                        lv.offset < 0 ? value_scalar : value[offset_of(&s, &lv, i)]);
}
#endif

#if ATOMIC
// dst[...] += value, repeated indices summed (atomically).
__kernel void scatter_add(__global T* dst, const layout_t ld, const shape_t s,
                          __global const T* value, const layout_t lv, const T value_scalar,
                          __global const long* index, const layout_t li, const long stride, const long size) {
    const long i = get_global_id(0);
    if (i >= s.size) return;
    const long k = wrap_index(index[offset_of(&s, &li, i)], size);
    atomic_add_value(dst + offset_of(&s, &ld, i) + k * stride,
                     lv.offset < 0 ? value_scalar : value[offset_of(&s, &lv, i)]);
}
#endif

// offsets (contiguous over s) += wrap(index) * stride: one advanced index's share of the element offsets.
__kernel void accumulate_offsets(__global long* offsets, const shape_t s, __global const long* index,
                                 const layout_t li, const long size, const long stride) {
    const long i = get_global_id(0);
    if (i >= s.size) return;
    offsets[i] += wrap_index(index[offset_of(&s, &li, i)], size) * stride;
}

// out = a with the elements above (lower) or below (upper) diagonal k zeroed; out contiguous.
__kernel void triangle(__global T* out, const shape_t s, __global const T* a, const layout_t la,
                       const long rows, const long cols, const long k, const int lower) {
    const long i = get_global_id(0);
    if (i >= s.size) return;
    const long col = i % cols, row = (i / cols) % rows;
    const int keep = lower ? (col - row <= k) : (col - row >= k);
    out[i] = keep ? a[offset_of(&s, &la, i)] : (T)0;
}

// nonzero, in three steps: count per block, exclusive scan of the counts, write the coordinates.
__kernel void count_nonzero_blocks(__global long* counts, const shape_t s, __global const T* a, const layout_t la,
                                   const long block) {
    const long b = get_global_id(0);
    const long start = b * block;
    if (start >= s.size) return;
    const long stop = min(start + block, s.size);
    long count = 0;
    for (long i = start; i < stop; ++i) count += a[offset_of(&s, &la, i)] != 0;
    counts[b] = count;
}

__kernel void exclusive_scan(__global long* values, const long n) {
    if (get_global_id(0) != 0) return;
    long total = 0;
    for (long i = 0; i < n; ++i) {
        const long v = values[i];
        values[i] = total;
        total += v;
    }
}

// coords is (ndim, count): the coordinates along each dim of every nonzero element, in C order.
__kernel void write_nonzero(__global long* coords, const long count, __global const long* starts,
                            const shape_t s, __global const T* a, const layout_t la, const long block) {
    const long b = get_global_id(0);
    const long start = b * block;
    if (start >= s.size) return;
    const long stop = min(start + block, s.size);
    long position = starts[b];
    for (long i = start; i < stop; ++i) {
        if (a[offset_of(&s, &la, i)] == 0) continue;
        long rest = i;
        for (int d = (int)s.ndim - 1; d >= 0; --d) {
            coords[d * count + position] = rest % s.shape[d];
            rest /= s.shape[d];
        }
        ++position;
    }
}
