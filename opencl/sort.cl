// Stable sorting along an axis (a merge sort) and binary search in sorted rows.
//
// The host defines T (the element type) and IS_FLOAT, IS_SIGNED, IS_UNSIGNED or IS_BOOL. NaN is
// the largest value, as in PyTorch: last ascending, first descending. Ties keep input order.
//
// sort_chunks reads the strided input and writes rows of n elements, contiguous, each chunk of
// `chunk` elements sorted by every element counting the ones of its chunk that go before it.
// merge_pass then merges pairs of sorted runs of `width` elements, doubling width each pass:
// an element's place in the merged run is its place in its own run plus how many elements of
// the other run go before it (a binary search there, the other run being sorted).

// Whether x sorts strictly before y in ascending order.
inline bool ascending_before(const T x, const T y) {
#ifdef IS_FLOAT
    return !isnan(x) && (isnan(y) || x < y);
#else
    return x < y;
#endif
}

inline bool sorts_before(const T x, const T y, const int descending) {
    return descending ? ascending_before(y, x) : ascending_before(x, y);
}

__kernel void sort_chunks(__global T* values, __global long* indices, __global const T* src, const layout_t ls,
                          const shape_t outer, const long n, const long stride, const long chunk,
                          const int descending) {
    const long gid = get_global_id(0);
    if (gid >= outer.size * n) return;
    const long row = gid / n, i = gid % n;
    const long base = offset_of(&outer, &ls, row);
    const long start = i / chunk * chunk, stop = min(start + chunk, n);
    const T x = src[base + i * stride];
    long rank = 0;
    for (long j = start; j < stop; ++j) {
        const T y = src[base + j * stride];
        rank += sorts_before(y, x, descending) || (j < i && !sorts_before(x, y, descending));
    }
    values[row * n + start + rank] = x;
    indices[row * n + start + rank] = i;
}

__kernel void merge_pass(__global T* dst_values, __global long* dst_indices, __global const T* src_values,
                         __global const long* src_indices, const long rows, const long n, const long width,
                         const int descending) {
    const long gid = get_global_id(0);
    if (gid >= rows * n) return;
    const long row = gid / n, i = gid % n;
    const long run = i / width, pair_start = (run & ~1L) * width;
    const long mid = min(pair_start + width, n), end = min(pair_start + 2 * width, n);
    __global const T* line = src_values + row * n;
    const T x = line[i];
    const bool is_left = (run & 1L) == 0;
    // the other run's elements that go before x: strictly before it from the right run,
    // before or tied from the left run (which came first in the input)
    long lo = is_left ? mid : pair_start, hi = is_left ? end : mid;
    const long other_start = lo;
    while (lo < hi) {
        const long m = lo + (hi - lo) / 2;
        const bool goes_before = is_left ? sorts_before(line[m], x, descending)
                                         : !sorts_before(x, line[m], descending);
        if (goes_before) lo = m + 1; else hi = m;
    }
    const long own_start = is_left ? pair_start : mid;
    const long dst = row * n + pair_start + (i - own_start) + (lo - other_start);
    dst_values[dst] = x;
    dst_indices[dst] = src_indices[gid];
}

// out[i] = the insertion point of values[i] in row i / per_row of the contiguous sorted rows of
// length m: the first position whose element is not before it (left), or is after it (right).
__kernel void searchsorted(__global long* out, const shape_t s, __global const T* values, const layout_t lv,
                           __global const T* sorted, const long sorted_offset, const long m, const long per_row,
                           const int right) {
    const long i = get_global_id(0);
    if (i >= s.size) return;
    const T v = values[offset_of(&s, &lv, i)];
    __global const T* line = sorted + sorted_offset + (per_row > 0 ? i / per_row * m : 0);
    long lo = 0, hi = m;
    while (lo < hi) {
        const long k = lo + (hi - lo) / 2;
        const bool before = right ? !ascending_before(v, line[k]) : ascending_before(line[k], v);
        if (before) lo = k + 1; else hi = k;
    }
    out[i] = lo;
}
