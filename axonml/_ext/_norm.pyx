"""Layer and batch normalisation, forward and backward, one pass over memory per statistic.

layer_norm sees a C-contiguous (rows, K) block and normalises each row; batch_norm sees a
C-contiguous (N, C, L) block (L = the spatial size) and normalises each channel over N and L.
Statistics accumulate in double whatever the data type, so float32 keeps its precision over
large reductions. xhat = (x - mean) * rstd throughout, rstd = 1 / sqrt(var + eps).
"""
import numpy as np

cimport numpy as cnp
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport sqrt

cnp.import_array()

cdef Py_ssize_t PARALLEL_MIN = 1 << 15


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
    with nogil:
        for r in prange(rows, schedule="static", use_threads_if=rows * k >= PARALLEL_MIN):
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
    if needs_input:
        dx_array = np.empty((rows, k), dtype)
        dx = dx_array
        with nogil:
            for r in prange(rows, schedule="static", use_threads_if=rows * k >= PARALLEL_MIN):
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
    if needs_affine:
        dweight_array = np.zeros(k, np.float64)
        dbias_array = np.zeros(k, np.float64)
        dweight = dweight_array
        dbias = dbias_array
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
    cdef double count = n * length, total, mean, centered
    with nogil:
        for c in prange(channels, schedule="static", use_threads_if=n * channels * length >= PARALLEL_MIN):
            total = 0
            for i in range(n):
                for j in range(length):
                    total = total + x[i, c, j]
            mean = total / count
            total = 0
            for i in range(n):
                for j in range(length):
                    centered = x[i, c, j] - mean
                    total = total + centered * centered
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
                            use_threads_if=n * channels * length >= PARALLEL_MIN):
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
    cdef double count = n * length, sum_g, sum_g_xhat, mean_g, mean_g_xhat, scale, xhat, m, s
    with nogil:
        for c in prange(channels, schedule="static", use_threads_if=n * channels * length >= PARALLEL_MIN):
            m = mean[c]
            s = rstd[c]
            sum_g = 0
            sum_g_xhat = 0
            for i in range(n):
                for j in range(length):
                    sum_g = sum_g + grad[i, c, j]
                    sum_g_xhat = sum_g_xhat + grad[i, c, j] * (x[i, c, j] - m)
            sum_g_xhat = sum_g_xhat * s
            dbias[c] = <floating>sum_g
            dweight[c] = <floating>sum_g_xhat
            scale = w[c] * s
            if training:
                mean_g = sum_g / count
                mean_g_xhat = sum_g_xhat / count
                for i in range(n):
                    for j in range(length):
                        xhat = (x[i, c, j] - m) * s
                        dx[i, c, j] = <floating>(scale * (grad[i, c, j] - mean_g - xhat * mean_g_xhat))
            else:
                for i in range(n):
                    for j in range(length):
                        dx[i, c, j] = <floating>(scale * grad[i, c, j])
    return dx_array, dweight_array, dbias_array
