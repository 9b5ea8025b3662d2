"""Layer and batch normalisation, forward and backward, one pass over memory per statistic.

layer_norm sees a C-contiguous (rows, K) block and normalises each row; batch_norm sees a
C-contiguous (N, C, L) block (L = the spatial size) and normalises each channel over N and L.
Statistics accumulate in double whatever the data type, so float32 keeps its precision over
large reductions; float32 layer_norm is the exception, going through norm_rows.h's vectorised
loops (several float32 partial sums; a row's mean summed about its first element, its variance
about the mean; weight and bias gradients summed in float32 over runs of rows, in double across).
batch_norm's channel loops keep several double partial sums (norm_channels.h), so they vectorize.
xhat = (x - mean) * rstd throughout, rstd = 1 / sqrt(var + eps).
"""
import numpy as np

cimport numpy as cnp
from cython cimport floating
from cython.parallel cimport prange
from axonml._ext._threads cimport worth_threads
from libc.math cimport isfinite, sqrt, sqrtf

cdef extern from "norm_rows.h" nogil:
    float axon_row_shifted_sum_f32(const float* x, float shift, Py_ssize_t n)
    float axon_row_centered_sumsq_f32(const float* x, float mean, Py_ssize_t n)
    void axon_row_normalize_f32(const float* x, float mean, float rstd, const float* w, const float* b,
                                float* out, Py_ssize_t n)
    float axon_row_dot_f32(const float* a, const float* b, Py_ssize_t n)
    float axon_row_centered_dot_f32(const float* g, const float* w, const float* x, float mean, Py_ssize_t n)
    void axon_row_norm_grad_f32(const float* g, const float* w, const float* x, float mean, float rstd,
                                float shift, float slope, float* out, Py_ssize_t n)
    const Py_ssize_t AXON_AFFINE_GRAD_COLUMNS
    void axon_affine_grad_block_f32(const float* g, const float* x, Py_ssize_t stride, const float* mean,
                                    const float* rstd, Py_ssize_t rows, double* dweight, double* dbias,
                                    Py_ssize_t width)

cdef extern from "norm_channels.h" nogil:
    double axon_channel_sum_f32(const float* x, Py_ssize_t n)
    double axon_channel_sum_f64(const double* x, Py_ssize_t n)
    double axon_channel_sumsq_f32(const float* x, double mean, Py_ssize_t n)
    double axon_channel_sumsq_f64(const double* x, double mean, Py_ssize_t n)
    void axon_channel_grad_sums_f32(const float* g, const float* x, double mean, Py_ssize_t n, double* sum_g,
                                    double* sum_gx)
    void axon_channel_grad_sums_f64(const double* g, const double* x, double mean, Py_ssize_t n, double* sum_g,
                                    double* sum_gx)
    void axon_channel_grad_f32(const float* g, const float* x, double mean, double rstd, double scale, double mean_g,
                               double mean_gx, float* dx, Py_ssize_t n)
    void axon_channel_grad_f64(const double* g, const double* x, double mean, double rstd, double scale,
                               double mean_g, double mean_gx, double* dx, Py_ssize_t n)

cnp.import_array()

# a row kernel passes over each element twice or more: its work is 2 * elements (_threads.pxd)


cdef inline float row_shift(const float* x, Py_ssize_t k) noexcept nogil:
    """The value a float32 row is summed about: its first element, or 0 for an empty or non-finite start."""
    if k == 0 or not isfinite(x[0]):
        return 0
    return x[0]


def layer_norm(const floating[:, ::1] x, weight, bias, double eps):
    """Normalise each row of x (rows, K); weight and bias (K,) or None. Returns (y, mean, rstd)."""
    cdef Py_ssize_t rows = x.shape[0], k = x.shape[1], r, j
    dtype = np.float32 if floating is float else np.float64
    y_array = np.empty((rows, k), dtype)
    mean_array = np.empty(rows, dtype)
    rstd_array = np.empty(rows, dtype)
    cdef floating[:, ::1] y = y_array
    cdef floating[::1] mean_out = mean_array, rstd_out = rstd_array
    cdef bint has_weight = weight is not None, has_bias = bias is not None
    cdef const floating[::1] w = weight if has_weight else np.ones(k, dtype)
    cdef const floating[::1] b = bias if has_bias else np.zeros(k, dtype)
    cdef double total, centered, mean, rstd
    cdef float shift_f, mean_f, rstd_f
    if floating is float:
        with nogil:
            for r in prange(rows, schedule="static", use_threads_if=worth_threads(2 * rows * k)):
                shift_f = row_shift(&x[r, 0], k)
                mean_f = shift_f + axon_row_shifted_sum_f32(&x[r, 0], shift_f, k) / k
                rstd_f = 1 / sqrtf(axon_row_centered_sumsq_f32(&x[r, 0], mean_f, k) / k + <float>eps)
                mean_out[r] = mean_f
                rstd_out[r] = rstd_f
                axon_row_normalize_f32(&x[r, 0], mean_f, rstd_f, &w[0], &b[0], &y[r, 0], k)
    else:
        with nogil:
            for r in prange(rows, schedule="static", use_threads_if=worth_threads(2 * rows * k)):
                total = 0
                for j in range(k):
                    total = total + x[r, j]
                mean = total / k
                total = 0
                for j in range(k):
                    centered = x[r, j] - mean
                    total = total + centered * centered
                rstd = 1 / sqrt(total / k + eps)
                mean_out[r] = <floating>mean
                rstd_out[r] = <floating>rstd
                for j in range(k):
                    y[r, j] = <floating>((x[r, j] - mean) * rstd) * w[j] + b[j]
    return y_array, mean_array, rstd_array


def layer_norm_backward(const floating[:, ::1] grad, const floating[:, ::1] x, const floating[::1] mean,
                        const floating[::1] rstd, weight, bint needs_input, bint needs_affine):
    """Gradients of layer_norm: (dx or None, dweight or None, dbias or None).

    dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = grad * weight, per row.
    """
    cdef Py_ssize_t rows = x.shape[0], k = x.shape[1], r, j
    dtype = np.float32 if floating is float else np.float64
    cdef bint has_weight = weight is not None
    cdef const floating[::1] w = weight if has_weight else np.ones(k, dtype)
    dx_array = dweight_array = dbias_array = None
    cdef floating[:, ::1] dx
    cdef double sum_gw, sum_gw_xhat, gw, xhat
    cdef float sum_gw_f, sum_gw_centered_f, rstd_f
    if needs_input:
        dx_array = np.empty((rows, k), dtype)
        dx = dx_array
    if floating is float:
        if needs_input:
            with nogil:
                for r in prange(rows, schedule="static", use_threads_if=worth_threads(2 * rows * k)):
                    sum_gw_f = axon_row_dot_f32(&grad[r, 0], &w[0], k)
                    sum_gw_centered_f = axon_row_centered_dot_f32(&grad[r, 0], &w[0], &x[r, 0], mean[r], k)
                    rstd_f = rstd[r]
                    axon_row_norm_grad_f32(&grad[r, 0], &w[0], &x[r, 0], mean[r], rstd_f, sum_gw_f / k,
                                           rstd_f * rstd_f * sum_gw_centered_f / k, &dx[r, 0], k)
    elif needs_input:
        with nogil:
            for r in prange(rows, schedule="static", use_threads_if=worth_threads(2 * rows * k)):
                sum_gw = 0
                sum_gw_xhat = 0
                for j in range(k):
                    gw = grad[r, j] * w[j]
                    sum_gw = sum_gw + gw
                    sum_gw_xhat = sum_gw_xhat + gw * (x[r, j] - mean[r]) * rstd[r]
                sum_gw = sum_gw / k
                sum_gw_xhat = sum_gw_xhat / k
                for j in range(k):
                    xhat = (x[r, j] - mean[r]) * rstd[r]
                    dx[r, j] = <floating>(rstd[r] * (grad[r, j] * w[j] - sum_gw - xhat * sum_gw_xhat))
    cdef double[::1] dweight, dbias
    cdef Py_ssize_t start, width
    if needs_affine:
        dweight_array = np.zeros(k, np.float64)
        dbias_array = np.zeros(k, np.float64)
        dweight = dweight_array
        dbias = dbias_array
        if floating is float:
            with nogil:
                for start in prange(0, k, AXON_AFFINE_GRAD_COLUMNS, schedule="static",
                                    use_threads_if=worth_threads(2 * rows * k)):
                    width = min(AXON_AFFINE_GRAD_COLUMNS, k - start)
                    axon_affine_grad_block_f32(&grad[0, start], &x[0, start], k, &mean[0], &rstd[0], rows,
                                               &dweight[start], &dbias[start], width)
        else:
            with nogil:
                for r in range(rows):
                    for j in range(k):
                        dweight[j] += grad[r, j] * (x[r, j] - mean[r]) * rstd[r]
                        dbias[j] += grad[r, j]
        dweight_array = dweight_array.astype(dtype)
        dbias_array = dbias_array.astype(dtype)
    return dx_array, dweight_array, dbias_array


def batch_norm_stats(const floating[:, :, ::1] x):
    """Per-channel mean and biased variance of x (N, C, L) over N and L."""
    cdef Py_ssize_t n = x.shape[0], channels = x.shape[1], length = x.shape[2], c, i, j
    dtype = np.float32 if floating is float else np.float64
    mean_array = np.empty(channels, dtype)
    var_array = np.empty(channels, dtype)
    cdef floating[::1] mean_out = mean_array, var_out = var_array
    cdef double count = n * length, total, mean
    with nogil:
        for c in prange(channels, schedule="static", use_threads_if=worth_threads(2 * n * channels * length)):
            total = 0
            for i in range(n):
                if floating is float:
                    total = total + axon_channel_sum_f32(&x[i, c, 0], length)
                else:
                    total = total + axon_channel_sum_f64(&x[i, c, 0], length)
            mean = total / count
            total = 0
            for i in range(n):
                if floating is float:
                    total = total + axon_channel_sumsq_f32(&x[i, c, 0], mean, length)
                else:
                    total = total + axon_channel_sumsq_f64(&x[i, c, 0], mean, length)
            mean_out[c] = <floating>mean
            var_out[c] = <floating>(total / count)
    return mean_array, var_array


def batch_norm_apply(const floating[:, :, ::1] x, const floating[::1] mean, const floating[::1] rstd,
                     weight, bias):
    """y = (x - mean[c]) * rstd[c] * weight[c] + bias[c] for x (N, C, L); weight/bias may be None."""
    cdef Py_ssize_t n = x.shape[0], channels = x.shape[1], length = x.shape[2], block, i, c, j
    dtype = np.float32 if floating is float else np.float64
    y_array = np.empty((n, channels, length), dtype)
    cdef floating[:, :, ::1] y = y_array
    cdef const floating[::1] w = weight if weight is not None else np.ones(channels, dtype)
    cdef const floating[::1] b = bias if bias is not None else np.zeros(channels, dtype)
    cdef floating scale, shift
    with nogil:
        for block in prange(n * channels, schedule="static",
                            use_threads_if=worth_threads(2 * n * channels * length)):
            i = block // channels
            c = block % channels
            scale = rstd[c] * w[c]
            shift = b[c] - mean[c] * scale
            for j in range(length):
                y[i, c, j] = x[i, c, j] * scale + shift
    return y_array


def batch_norm_backward(const floating[:, :, ::1] grad, const floating[:, :, ::1] x, const floating[::1] mean,
                        const floating[::1] rstd, weight, bint training):
    """Gradients of batch_norm: (dx, dweight, dbias) for x (N, C, L).

    training (batch statistics): dx = w * rstd * (g - mean(g) - xhat * mean(g * xhat)) per channel;
    eval (fixed statistics):     dx = w * rstd * g.
    """
    cdef Py_ssize_t n = x.shape[0], channels = x.shape[1], length = x.shape[2], c, i, j
    dtype = np.float32 if floating is float else np.float64
    dx_array = np.empty((n, channels, length), dtype)
    dweight_array = np.empty(channels, dtype)
    dbias_array = np.empty(channels, dtype)
    cdef floating[:, :, ::1] dx = dx_array
    cdef floating[::1] dweight = dweight_array, dbias = dbias_array
    cdef const floating[::1] w = weight if weight is not None else np.ones(channels, dtype)
    cdef double count = n * length, sum_g, sum_g_xhat, mean_g, mean_g_xhat, scale, m, s
    # per-channel sums the channel loops add into: shared arrays, so that no prange-private
    # variable is written through a pointer
    cdef double[::1] sums_g = np.zeros(channels), sums_gx = np.zeros(channels)
    with nogil:
        for c in prange(channels, schedule="static", use_threads_if=worth_threads(2 * n * channels * length)):
            m = mean[c]
            s = rstd[c]
            for i in range(n):
                if floating is float:
                    axon_channel_grad_sums_f32(&grad[i, c, 0], &x[i, c, 0], m, length, &sums_g[c], &sums_gx[c])
                else:
                    axon_channel_grad_sums_f64(&grad[i, c, 0], &x[i, c, 0], m, length, &sums_g[c], &sums_gx[c])
            sum_g = sums_g[c]
            sum_g_xhat = sums_gx[c] * s
            dbias[c] = <floating>sum_g
            dweight[c] = <floating>sum_g_xhat
            scale = w[c] * s
            if training:
                mean_g = sum_g / count
                mean_g_xhat = sum_g_xhat / count
                for i in range(n):
                    if floating is float:
                        axon_channel_grad_f32(&grad[i, c, 0], &x[i, c, 0], m, s, scale, mean_g, mean_g_xhat,
                                              &dx[i, c, 0], length)
                    else:
                        axon_channel_grad_f64(&grad[i, c, 0], &x[i, c, 0], m, s, scale, mean_g, mean_g_xhat,
                                              &dx[i, c, 0], length)
            else:
                for i in range(n):
                    for j in range(length):
                        dx[i, c, j] = <floating>(scale * grad[i, c, j])
    return dx_array, dweight_array, dbias_array
