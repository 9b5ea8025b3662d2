// Separable resampling along one axis of a dense array viewed as (outer, size, inner): output j
// is the weighted sum of the taps index[j * taps + k], weights[j * taps + k] (F.interpolate).
// The backward pass runs the same kernel with the transposed tables, so nothing is scattered.
//
// The host defines T.

__kernel void resample_axis(__global T* out, __global const T* x, __global const long* index,
                            __global const T* weights, const long size, const long out_size, const long inner,
                            const long taps, const long total) {
    const long gid = get_global_id(0);
    if (gid >= total) return;
    const long i = gid % inner, j = (gid / inner) % out_size, o = gid / (inner * out_size);
    __global const T* column = x + o * size * inner + i;
    __global const long* row_index = index + j * taps;
    __global const T* row_weights = weights + j * taps;
    T sum = 0;
    for (long k = 0; k < taps; ++k) sum += row_weights[k] * column[row_index[k] * inner];
    out[gid] = sum;
}
