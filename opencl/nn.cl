// Row kernels: softmax / log_softmax (forward, backward), cross-entropy (forward, backward), layer norm.
//
// One work-group per row. A row r of an array starts at offset_of(&outer, &layout, r) and
// steps by its own stride, so softmax over any axis needs no transpose. The host defines T
// and passes __local scratch of one T per work-item (power-of-two group size).

inline T group_sum(__local T* scratch, T value) {
    const int lid = get_local_id(0), lsize = get_local_size(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = lsize / 2; step > 0; step /= 2) {
        if (lid < step) scratch[lid] += scratch[lid + step];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const T total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

inline T nan_max(T a, T b) {
    return (isnan(a) || a > b) ? a : b;
}

inline T group_max(__local T* scratch, T value) {
    const int lid = get_local_id(0), lsize = get_local_size(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = lsize / 2; step > 0; step /= 2) {
        if (lid < step) scratch[lid] = nan_max(scratch[lid], scratch[lid + step]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const T best = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return best;
}

__kernel void softmax_rows(__global T* out, const layout_t lo, const long out_step,
                           __global const T* x, const layout_t lx, const long x_step,
                           const shape_t outer, const long n, const int log_output, __local T* scratch) {
    const long r = get_group_id(0);
    const int lid = get_local_id(0), lsize = get_local_size(0);
    const long xb = offset_of(&outer, &lx, r), ob = offset_of(&outer, &lo, r);
    T m = -INFINITY;
    for (long j = lid; j < n; j += lsize) m = nan_max(m, x[xb + j * x_step]);
    m = group_max(scratch, m);
    if (isinf(m) && m < 0) m = 0;  // a row of -inf: exp(x - 0) = 0, so the 0/0 gives NaN as in PyTorch
    T s = 0;
    for (long j = lid; j < n; j += lsize) s += exp(x[xb + j * x_step] - m);
    s = group_sum(scratch, s);
    const T log_s = log(s);
    for (long j = lid; j < n; j += lsize) {
        const T shifted = x[xb + j * x_step] - m;
        out[ob + j * out_step] = log_output ? shifted - log_s : exp(shifted) / s;
    }
}

// softmax: dx = y * (g - sum(g * y)); log_softmax: dx = g - exp(y) * sum(g)
__kernel void softmax_backward_rows(__global T* out, const layout_t lo, const long out_step,
                                    __global const T* g, const layout_t lg, const long g_step,
                                    __global const T* y, const layout_t ly, const long y_step,
                                    const shape_t outer, const long n, const int log_output, __local T* scratch) {
    const long r = get_group_id(0);
    const int lid = get_local_id(0), lsize = get_local_size(0);
    const long gb = offset_of(&outer, &lg, r), yb = offset_of(&outer, &ly, r), ob = offset_of(&outer, &lo, r);
    T s = 0;
    for (long j = lid; j < n; j += lsize)
        s += log_output ? g[gb + j * g_step] : g[gb + j * g_step] * y[yb + j * y_step];
    s = group_sum(scratch, s);
    for (long j = lid; j < n; j += lsize) {
        const T gj = g[gb + j * g_step], yj = y[yb + j * y_step];
        out[ob + j * out_step] = log_output ? gj - exp(yj) * s : yj * (gj - s);
    }
}

// Per row of logits x (rows, C): loss, logsumexp, and (counted weight, 1 if the target is out of range).
__kernel void cross_entropy_rows(__global T* loss, __global T* lse_out, __global T* counted,
                                 __global const T* x, const long x_offset, const long row_stride, const long col_stride,
                                 __global const long* target, const long target_offset, const long target_stride,
                                 __global const T* weight, const long weight_offset, const int weighted,
                                 const long n, const long ignore_index, const T label_smoothing, __local T* scratch) {
    const long r = get_group_id(0);
    const int lid = get_local_id(0), lsize = get_local_size(0);
    const long xb = x_offset + r * row_stride;
    T m = -INFINITY;
    for (long j = lid; j < n; j += lsize) m = nan_max(m, x[xb + j * col_stride]);
    m = group_max(scratch, m);
    if (isinf(m)) m = 0;
    T s = 0;
    for (long j = lid; j < n; j += lsize) s += exp(x[xb + j * col_stride] - m);
    const T lse = m + log(group_sum(scratch, s));
    const long t = target[target_offset + r * target_stride];
    const T spread = n ? label_smoothing / n : 0;
    T smooth = 0;
    if (spread != 0 && t != ignore_index) {
        for (long j = lid; j < n; j += lsize)
            smooth += (weighted ? weight[weight_offset + j] : (T)1) * (lse - x[xb + j * col_stride]);
    }
    smooth = group_sum(scratch, smooth);
    if (lid != 0) return;
    lse_out[r] = lse;
    counted[2 * r] = 0;
    counted[2 * r + 1] = 0;
    if (t == ignore_index) {
        loss[r] = 0;
    } else if (t < 0 || t >= n) {
        loss[r] = 0;
        counted[2 * r + 1] = 1;
    } else {
        const T wt = weighted ? weight[weight_offset + t] : (T)1;
        counted[2 * r] = wt;
        loss[r] = ((T)1 - label_smoothing) * wt * (lse - x[xb + t * col_stride]) + spread * smooth;
    }
}

// dx (rows, C contiguous) = grad[r] * (mass * softmax(x[r]) - a), a = (1 - ls) w[t] at t + ls / C * w.
__kernel void cross_entropy_backward_rows(__global T* dx, __global const T* grad, const long grad_offset,
                                          const long grad_stride,
                                          __global const T* x, const long x_offset, const long row_stride,
                                          const long col_stride, __global const T* lse,
                                          __global const long* target, const long target_offset,
                                          const long target_stride,
                                          __global const T* weight, const long weight_offset, const int weighted,
                                          const T weight_sum, const long n, const long ignore_index,
                                          const T label_smoothing) {
    const long r = get_group_id(0);
    const int lid = get_local_id(0), lsize = get_local_size(0);
    const long t = target[target_offset + r * target_stride];
    __global T* row = dx + r * n;
    if (t == ignore_index || t < 0 || t >= n) {
        for (long j = lid; j < n; j += lsize) row[j] = 0;
        return;
    }
    const T g = grad[grad_offset + r * grad_stride];
    const T row_lse = lse[r];
    const T spread = label_smoothing / n;
    const T hit = ((T)1 - label_smoothing) * (weighted ? weight[weight_offset + t] : (T)1);
    const T mass = hit + spread * weight_sum;
    const long xb = x_offset + r * row_stride;
    for (long j = lid; j < n; j += lsize) {
        const T p = exp(x[xb + j * col_stride] - row_lse);
        const T wj = weighted ? weight[weight_offset + j] : (T)1;
        row[j] = g * (mass * p - spread * wj) - (j == t ? g * hit : (T)0);
    }
}

// y = (x - mean) * rstd * w + b over contiguous rows of n; mean and rstd per row.
__kernel void layer_norm_rows(__global T* y, __global T* mean_out, __global T* rstd_out,
                              __global const T* x, const long x_offset, const long n,
                              __global const T* weight, const long weight_offset, const int has_weight,
                              __global const T* bias, const long bias_offset, const int has_bias,
                              const T eps, __local T* scratch) {
    const long r = get_group_id(0);
    const int lid = get_local_id(0), lsize = get_local_size(0);
    __global const T* row = x + x_offset + r * n;
    T s = 0;
    for (long j = lid; j < n; j += lsize) s += row[j];
    const T mean = group_sum(scratch, s) / n;
    T v = 0;
    for (long j = lid; j < n; j += lsize) {
        const T d = row[j] - mean;
        v += d * d;
    }
    const T rstd = rsqrt(group_sum(scratch, v) / n + eps);
    for (long j = lid; j < n; j += lsize) {
        T out = (row[j] - mean) * rstd;
        if (has_weight) out *= weight[weight_offset + j];
        if (has_bias) out += bias[bias_offset + j];
        y[r * n + j] = out;
    }
    if (lid == 0) {
        mean_out[r] = mean;
        rstd_out[r] = rstd;
    }
}

// dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = g * w, over contiguous rows.
__kernel void layer_norm_backward_rows(__global T* dx, __global const T* g, __global const T* x,
                                       __global const T* mean, __global const T* rstd, const long n,
                                       __global const T* weight, const long weight_offset, const int has_weight,
                                       __local T* scratch) {
    const long r = get_group_id(0);
    const int lid = get_local_id(0), lsize = get_local_size(0);
    const T m = mean[r], s = rstd[r];
    T sum_gw = 0, sum_gw_xhat = 0;
    for (long j = lid; j < n; j += lsize) {
        const T gw = g[r * n + j] * (has_weight ? weight[weight_offset + j] : (T)1);
        sum_gw += gw;
        sum_gw_xhat += gw * (x[r * n + j] - m) * s;
    }
    const T mean_gw = group_sum(scratch, sum_gw) / n;
    const T mean_gw_xhat = group_sum(scratch, sum_gw_xhat) / n;
    for (long j = lid; j < n; j += lsize) {
        const T gw = g[r * n + j] * (has_weight ? weight[weight_offset + j] : (T)1);
        const T xhat = (x[r * n + j] - m) * s;
        dx[r * n + j] = s * (gw - mean_gw - xhat * mean_gw_xhat);
    }
}
