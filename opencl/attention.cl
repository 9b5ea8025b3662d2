// Fused scaled-dot-product attention: forward with an online softmax, backward recomputing the
// probabilities from the forward's logsumexp (the CPU kernels in axonml/_ext/_attention.pyx
// do the same math with blocked gemms).
//
// q (B, L, E), out (B, L, Ev), grad (B, L, Ev) contiguous; k (Bk, S, E) and v (Bv, S, Ev)
// contiguous, batch b reading slab k_index[b] / v_index[b]; an optional additive mask read at
// mask[mask_index[b] + i * mask_row_stride + j * mask_col_stride]. One work-group per query row
// (forward, dq) or per key row (dk, dv): its work-items take one key (or query) each of a block
// of local-size scores, then share the block through __local memory to accumulate the output
// dims, which each work-item owns in steps of the local size (at most MAX_DIMS_PER_ITEM each).
//
// Dropout drops (b, i, j) when the top 24 bits of SplitMix64's finaliser over
// (seed, offset + (b L + i) S + j) fall below drop_threshold = ceil(p 2^24): the CPU's test exactly.

#define MAX_DIMS_PER_ITEM 8

inline int is_dropped(ulong seed, ulong counter, ulong threshold) {
    ulong z = seed + counter * 0x9E3779B97F4A7C15UL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    z = z ^ (z >> 31);
    return (z >> 40) < threshold;
}

inline T block_reduce(__local T* scratch, T value, int take_max) {
    const int lid = get_local_id(0), lsize = get_local_size(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = lsize / 2; step > 0; step /= 2) {
        if (lid < step)
            scratch[lid] = take_max ? fmax(scratch[lid], scratch[lid + step]) : scratch[lid] + scratch[lid + step];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const T total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

// The score of query i and key j of batch b (q_row and k_row point at their rows), or -inf when masked.
inline T score_of(__global const T* q_row, __global const T* k_row, const long e, const T scale,
                  __global const T* mask, const int has_mask, const long mask_base, const long mask_row_stride,
                  const long mask_col_stride, const int is_causal, const long i, const long j) {
    if (is_causal && j > i) return -INFINITY;
    T s = 0;
    for (long d = 0; d < e; ++d) s += q_row[d] * k_row[d];
    s *= scale;
    if (has_mask) s += mask[mask_base + i * mask_row_stride + j * mask_col_stride];
    return s;
}

inline T dot_rows(__global const T* a, __global const T* b, const long n) {
    T s = 0;
    for (long d = 0; d < n; ++d) s += a[d] * b[d];
    return s;
}

// One work-group per (b, i): out[b, i] and lse[b, i].
__kernel void attention_forward(__global T* out, __global T* lse, __global const T* q, __global const T* k,
                                __global const T* v, __global const long* k_index, __global const long* v_index,
                                __global const T* mask, const int has_mask, __global const long* mask_index,
                                const long mask_row_stride, const long mask_col_stride, const long length,
                                const long source, const long e, const long ev, const int is_causal, const T scale,
                                const ulong seed, const ulong offset, const ulong threshold, const T keep_scale,
                                __local T* weights, __local T* scratch) {
    const long row = get_group_id(0), b = row / length, i = row % length;
    const int lid = get_local_id(0), lsize = get_local_size(0);
    __global const T* q_row = q + row * e;
    __global const T* k_slab = k + k_index[b] * source * e;
    __global const T* v_slab = v + v_index[b] * source * ev;
    const long mask_base = has_mask ? mask_index[b] : 0;
    const long keys = is_causal ? min(i + 1, source) : source;
    T acc[MAX_DIMS_PER_ITEM];
    for (int t = 0; t < MAX_DIMS_PER_ITEM; ++t) acc[t] = 0;
    T m = -INFINITY, l = 0;
    for (long j0 = 0; j0 < keys; j0 += lsize) {
        const long j = j0 + lid;
        const T s = j < keys ? score_of(q_row, k_slab + j * e, e, scale, mask, has_mask, mask_base,
                                        mask_row_stride, mask_col_stride, is_causal, i, j) : -INFINITY;
        const T m_new = fmax(m, block_reduce(scratch, s, 1));
        const T shift = isinf(m_new) ? 0 : m_new;  // nothing seen yet: exp(-inf - 0) = 0, not nan
        const T p = j < keys ? exp(s - shift) : 0;
        const T correction = exp(m - shift);
        l = l * correction + block_reduce(scratch, p, 0);
        m = m_new;
        const int drop = threshold && j < keys && is_dropped(seed, offset + (ulong)(row * source + j), threshold);
        weights[lid] = drop ? 0 : (threshold ? p * keep_scale : p);
        barrier(CLK_LOCAL_MEM_FENCE);
        const long count = min((long)lsize, keys - j0);
        for (int t = 0; t < MAX_DIMS_PER_ITEM; ++t) {
            const long d = lid + (long)t * lsize;
            if (d >= ev) break;
            T sum = 0;
            for (long c = 0; c < count; ++c) sum += weights[c] * v_slab[(j0 + c) * ev + d];
            acc[t] = acc[t] * correction + sum;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int dead = isinf(m) && m < 0;  // every key masked out: zero output, as PyTorch's safe softmax
    for (int t = 0; t < MAX_DIMS_PER_ITEM; ++t) {
        const long d = lid + (long)t * lsize;
        if (d >= ev) break;
        out[row * ev + d] = dead ? 0 : acc[t] / l;
    }
    if (lid == 0) lse[row] = dead ? -INFINITY : m + log(l);
}

// The kept-and-rescaled dropout factor Z of (row, j): 1 without dropout.
inline T keep_factor(const ulong seed, const ulong counter, const ulong threshold, const T keep_scale) {
    if (!threshold) return 1;
    return is_dropped(seed, counter, threshold) ? 0 : keep_scale;
}

// One work-group per (b, i): dq[b, i] = scale * sum_j dS_ij k_j, dS = P (dP - D), D = dO . O (delta);
// also grad_scores[b, i, :] = dS when asked (the gradient of a float mask).
__kernel void attention_backward_dq(__global T* dq, __global T* grad_scores, const int want_scores,
                                    __global const T* grad, __global const T* lse, __global const T* delta,
                                    __global const T* q, __global const T* k, __global const T* v,
                                    __global const long* k_index, __global const long* v_index,
                                    __global const T* mask, const int has_mask, __global const long* mask_index,
                                    const long mask_row_stride, const long mask_col_stride, const long length,
                                    const long source, const long e, const long ev, const int is_causal,
                                    const T scale, const ulong seed, const ulong offset, const ulong threshold,
                                    const T keep_scale, __local T* weights) {
    const long row = get_group_id(0), b = row / length, i = row % length;
    const int lid = get_local_id(0), lsize = get_local_size(0);
    __global const T* q_row = q + row * e;
    __global const T* g_row = grad + row * ev;
    __global const T* k_slab = k + k_index[b] * source * e;
    __global const T* v_slab = v + v_index[b] * source * ev;
    const long mask_base = has_mask ? mask_index[b] : 0;
    const T row_lse = lse[row], row_delta = delta[row];
    const int dead = isinf(row_lse) && row_lse < 0;
    const long keys = dead ? 0 : (is_causal ? min(i + 1, source) : source);
    T acc[MAX_DIMS_PER_ITEM];
    for (int t = 0; t < MAX_DIMS_PER_ITEM; ++t) acc[t] = 0;
    if (want_scores)
        for (long j = lid; j < source; j += lsize) grad_scores[row * source + j] = 0;
    for (long j0 = 0; j0 < keys; j0 += lsize) {
        const long j = j0 + lid;
        T ds = 0;
        if (j < keys) {
            const T s = score_of(q_row, k_slab + j * e, e, scale, mask, has_mask, mask_base, mask_row_stride,
                                 mask_col_stride, is_causal, i, j);
            const T p = exp(s - row_lse);
            const T dp = dot_rows(g_row, v_slab + j * ev, ev)
                         * keep_factor(seed, offset + (ulong)(row * source + j), threshold, keep_scale);
            ds = p * (dp - row_delta);
            if (want_scores) grad_scores[row * source + j] = ds;
        }
        weights[lid] = ds;
        barrier(CLK_LOCAL_MEM_FENCE);
        const long count = min((long)lsize, keys - j0);
        for (int t = 0; t < MAX_DIMS_PER_ITEM; ++t) {
            const long d = lid + (long)t * lsize;
            if (d >= e) break;
            T sum = 0;
            for (long c = 0; c < count; ++c) sum += weights[c] * k_slab[(j0 + c) * e + d];
            acc[t] += sum;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int t = 0; t < MAX_DIMS_PER_ITEM; ++t) {
        const long d = lid + (long)t * lsize;
        if (d >= e) break;
        dq[row * e + d] = acc[t] * scale;
    }
}

// One work-group per (b, j): dv[b, j] = sum_i P~_ij dO_i and dk[b, j] = scale * sum_i dS_ij q_i, per query
// batch b (the host sums the batches that share a key/value slab). delta[b, i] = dO_i . O_i.
__kernel void attention_backward_dkv(__global T* dk, __global T* dv, __global const T* grad,
                                     __global const T* lse, __global const T* delta, __global const T* q,
                                     __global const T* k, __global const T* v, __global const long* k_index,
                                     __global const long* v_index, __global const T* mask, const int has_mask,
                                     __global const long* mask_index, const long mask_row_stride,
                                     const long mask_col_stride, const long length, const long source, const long e,
                                     const long ev, const int is_causal, const T scale, const ulong seed,
                                     const ulong offset, const ulong threshold, const T keep_scale,
                                     __local T* weights, __local T* scores) {
    const long key_row = get_group_id(0), b = key_row / source, j = key_row % source;
    const int lid = get_local_id(0), lsize = get_local_size(0);
    __global const T* k_row = k + (k_index[b] * source + j) * e;
    __global const T* v_row = v + (v_index[b] * source + j) * ev;
    const long mask_base = has_mask ? mask_index[b] : 0;
    const long first = is_causal ? j : 0;  // queries before j do not see key j
    T acc_k[MAX_DIMS_PER_ITEM], acc_v[MAX_DIMS_PER_ITEM];
    for (int t = 0; t < MAX_DIMS_PER_ITEM; ++t) acc_k[t] = acc_v[t] = 0;
    for (long i0 = first; i0 < length; i0 += lsize) {
        const long i = i0 + lid, row = b * length + i;
        T p_kept = 0, ds = 0;
        if (i < length) {
            const T row_lse = lse[row];
            if (!(isinf(row_lse) && row_lse < 0)) {
                const T s = score_of(q + row * e, k_row, e, scale, mask, has_mask, mask_base, mask_row_stride,
                                     mask_col_stride, is_causal, i, j);
                const T p = exp(s - row_lse);
                const T z = keep_factor(seed, offset + (ulong)(row * source + j), threshold, keep_scale);
                p_kept = p * z;
                ds = p * (dot_rows(grad + row * ev, v_row, ev) * z - delta[row]);
            }
        }
        weights[lid] = p_kept;
        scores[lid] = ds;
        barrier(CLK_LOCAL_MEM_FENCE);
        const long count = min((long)lsize, length - i0);
        for (int t = 0; t < MAX_DIMS_PER_ITEM; ++t) {
            const long d = lid + (long)t * lsize;
            if (d < ev) {
                T sum = 0;
                for (long c = 0; c < count; ++c) sum += weights[c] * grad[(b * length + i0 + c) * ev + d];
                acc_v[t] += sum;
            }
            if (d < e) {
                T sum = 0;
                for (long c = 0; c < count; ++c) sum += scores[c] * q[(b * length + i0 + c) * e + d];
                acc_k[t] += sum;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int t = 0; t < MAX_DIMS_PER_ITEM; ++t) {
        const long d = lid + (long)t * lsize;
        if (d < ev) dv[key_row * ev + d] = acc_v[t];
        if (d < e) dk[key_row * e + d] = acc_k[t] * scale;
    }
}

// delta[row] = dO[row] . O[row], one work-group per row.
__kernel void attention_delta(__global T* delta, __global const T* grad, __global const T* out, const long ev,
                              __local T* scratch) {
    const long row = get_group_id(0);
    const int lid = get_local_id(0), lsize = get_local_size(0);
    T partial = 0;
    for (long d = lid; d < ev; d += lsize) partial += grad[row * ev + d] * out[row * ev + d];
    const T total = block_reduce(scratch, partial, 0);
    if (lid == 0) delta[row] = total;
}
