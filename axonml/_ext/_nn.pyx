"""Softmax, log-softmax, fused cross-entropy and the embedding gradient.

Every kernel here works on rows: a C-contiguous (rows, C) block whose last axis is the one
reduced. The CPU backend moves the softmax axis last before calling in (a view, copied only
when the rows are not contiguous), so one row kernel serves every axis.

A row's softmax is computed stably: m = max(x), s = sum(exp(x - m)), lse = m + log(s).
Cross-entropy never materialises the log-probabilities: forward keeps lse per row, backward
rebuilds softmax = exp(x - lse) on the fly and subtracts the target distribution.

float32 rows go through fast_math.h: a vectorizable exp (within 1 ulp of libm's) and row
loops with several partial sums. float64 keeps libm's exp and plain loops.
"""
import numpy as np

cimport numpy as cnp
from cython cimport floating
from cython.parallel cimport prange
from axonml._ext._threads cimport worth_threads
from libc.math cimport INFINITY, exp, expf, log, logf

cdef extern from "fast_math.h" nogil:
    float axon_row_max_f32(const float* x, Py_ssize_t n)
    float axon_row_sum_f32(const float* x, Py_ssize_t n)
    float axon_row_dot_f32(const float* a, const float* b, Py_ssize_t n)
    float axon_row_sum_exp_f32(const float* x, float shift, Py_ssize_t n)
    float axon_row_exp_store_f32(const float* x, float shift, float* out, Py_ssize_t n)
    void axon_row_scale_f32(float* x, float scale, Py_ssize_t n)
    void axon_row_shift_f32(const float* x, float shift, float* out, Py_ssize_t n)
    void axon_row_exp_affine_f32(const float* x, float shift, float scale, float* out, Py_ssize_t n)
    void axon_row_sub_scaled_exp_f32(const float* g, const float* y, float scale, float* out, Py_ssize_t n)

cnp.import_array()

# a row kernel passes over each element twice or more: its work is 2 * elements (_threads.pxd)


cdef inline floating fexp(floating x) noexcept nogil:
    if floating is float:
        return expf(x)
    else:
        return exp(x)


cdef inline floating flog(floating x) noexcept nogil:
    if floating is float:
        return logf(x)
    else:
        return log(x)


cdef inline floating row_max(const floating* x, Py_ssize_t n) noexcept nogil:
    """The row's largest element, NaN ignored (a NaN reaches the result through the exp sum)."""
    cdef floating m = -INFINITY
    cdef Py_ssize_t j
    if floating is float:
        m = axon_row_max_f32(x, n)
    else:
        for j in range(n):
            if x[j] > m:
                m = x[j]
    return m


cdef inline floating row_sum_exp(const floating* x, floating shift, Py_ssize_t n) noexcept nogil:
    cdef floating s = 0
    cdef Py_ssize_t j
    if floating is float:
        s = axon_row_sum_exp_f32(x, shift, n)
    else:
        for j in range(n):
            s += fexp(x[j] - shift)
    return s


cdef inline floating row_logsumexp(const floating* x, Py_ssize_t n) noexcept nogil:
    cdef floating m = row_max(x, n)
    if m == INFINITY or m == -INFINITY:
        return m - m  # nan, as in PyTorch: x - max is nan at an infinite max (all -inf, all NaN or any +inf)
    return m + flog(row_sum_exp(x, m, n))


cdef inline floating row_exp_store(const floating* x, floating shift, floating* out, Py_ssize_t n) noexcept nogil:
    """out = exp(x - shift); returns sum(out)."""
    cdef floating s = 0, e
    cdef Py_ssize_t j
    if floating is float:
        s = axon_row_exp_store_f32(x, shift, out, n)
    else:
        for j in range(n):
            e = fexp(x[j] - shift)
            out[j] = e
            s += e
    return s


cdef void softmax_rows(const floating* x, floating* out, Py_ssize_t rows, Py_ssize_t n,
                       bint log_space) noexcept nogil:
    cdef Py_ssize_t r, j
    cdef floating lse, scale
    for r in prange(rows, schedule="static", use_threads_if=worth_threads(2 * rows * n)):
        if log_space:
            lse = row_logsumexp(x + r * n, n)
            if floating is float:
                axon_row_shift_f32(x + r * n, lse, out + r * n, n)
            else:
                for j in range(n):
                    out[r * n + j] = x[r * n + j] - lse
        else:
            scale = 1 / row_exp_store(x + r * n, row_max(x + r * n, n), out + r * n, n)
            if floating is float:
                axon_row_scale_f32(out + r * n, scale, n)
            else:
                for j in range(n):
                    out[r * n + j] = out[r * n + j] * scale


def softmax(const floating[:, ::1] x, bint log_space):
    """softmax (or log_softmax) of every row of x, a C-contiguous (rows, C) array."""
    out = np.empty((x.shape[0], x.shape[1]), np.float32 if floating is float else np.float64)
    cdef floating[:, ::1] out_view = out
    if x.shape[0] and x.shape[1]:
        with nogil:
            softmax_rows(&x[0, 0], &out_view[0, 0], x.shape[0], x.shape[1], log_space)
    return out


def softmax_backward(const floating[:, ::1] grad, const floating[:, ::1] y, bint log_space):
    """The input gradient of softmax rows given the output y.

    softmax:     dx = y * (g - sum(g * y))
    log_softmax: dx = g - exp(y) * sum(g)
    """
    cdef Py_ssize_t rows = y.shape[0], n = y.shape[1], r, j
    out = np.empty((rows, n), np.float32 if floating is float else np.float64)
    if not rows or not n:
        return out
    cdef floating[:, ::1] dx_view = out
    cdef const floating* g = &grad[0, 0]
    cdef const floating* yp = &y[0, 0]
    cdef floating* dx = &dx_view[0, 0]
    cdef floating s
    with nogil:
        for r in prange(rows, schedule="static", use_threads_if=worth_threads(2 * rows * n)):
            if log_space:
                if floating is float:
                    axon_row_sub_scaled_exp_f32(g + r * n, yp + r * n, axon_row_sum_f32(g + r * n, n),
                                                dx + r * n, n)
                else:
                    s = 0
                    for j in range(n):
                        s = s + g[r * n + j]
                    for j in range(n):
                        dx[r * n + j] = g[r * n + j] - fexp(yp[r * n + j]) * s
            else:
                if floating is float:
                    s = axon_row_dot_f32(g + r * n, yp + r * n, n)
                else:
                    s = 0
                    for j in range(n):
                        s = s + g[r * n + j] * yp[r * n + j]
                for j in range(n):
                    dx[r * n + j] = yp[r * n + j] * (g[r * n + j] - s)
    return out


def cross_entropy(const floating[:, ::1] x, const cnp.int64_t[::1] target, weight,
                  cnp.int64_t ignore_index, double label_smoothing):
    """Per-row cross-entropy of logits x (rows, C) against class indices, in one pass per row.

    loss = (1 - ls) * w[t] * (lse - x[t]) + ls / C * sum_c w[c] * (lse - x[c]), zero where
    t == ignore_index. Returns (loss (rows,), lse (rows,), total weight of the counted rows).
    Raises IndexError for a target outside [0, C) that is not ignore_index.
    """
    cdef Py_ssize_t rows = x.shape[0], n = x.shape[1], r, j
    dtype = np.float32 if floating is float else np.float64
    loss_array = np.empty(rows, dtype)
    lse_array = np.empty(rows, dtype)
    cdef floating[::1] loss = loss_array, lse = lse_array
    cdef bint weighted = weight is not None
    cdef const floating[::1] w = weight if weighted else np.ones(n, dtype)
    cdef floating keep = 1 - label_smoothing, spread = label_smoothing / n if n else 0
    cdef floating row_lse, wt, smooth
    cdef double total = 0
    cdef Py_ssize_t bad = 0
    cdef cnp.int64_t t
    with nogil:
        for r in prange(rows, schedule="static", use_threads_if=worth_threads(2 * rows * n)):
            row_lse = row_logsumexp(&x[r, 0], n)
            lse[r] = row_lse
            t = target[r]
            if t == ignore_index:
                loss[r] = 0
                continue
            if t < 0 or t >= n:
                bad += 1
                loss[r] = 0
                continue
            wt = w[t]
            total += wt
            loss[r] = keep * wt * (row_lse - x[r, t])
            if spread != 0:
                smooth = 0
                for j in range(n):
                    smooth = smooth + w[j] * (row_lse - x[r, j])
                loss[r] = loss[r] + spread * smooth
    if bad:
        targets = np.asarray(target)
        outside = targets[(targets != ignore_index) & ((targets < 0) | (targets >= n))]
        raise IndexError(f"Target {outside[0]} is out of bounds.")
    return loss_array, lse_array, total


def cross_entropy_backward(const floating[:] grad, const floating[:, ::1] x, const floating[::1] lse,
                           const cnp.int64_t[::1] target, weight, cnp.int64_t ignore_index,
                           double label_smoothing):
    """The logits gradient of cross_entropy: grad[r] * (sum(a) * softmax(x[r]) - a) per row.

    a is the row's target weighting: (1 - ls) * w[t] at t plus ls / C * w[c] everywhere.
    grad holds one value per row (a zero-stride view for a reduced loss).
    """
    cdef Py_ssize_t rows = x.shape[0], n = x.shape[1], r, j
    dtype = np.float32 if floating is float else np.float64
    out = np.empty((rows, n), dtype)
    cdef floating[:, ::1] dx = out
    cdef bint weighted = weight is not None
    cdef const floating[::1] w = weight if weighted else np.ones(n, dtype)
    cdef floating keep = 1 - label_smoothing, spread = label_smoothing / n if n else 0
    cdef floating weight_sum = 0
    for j in range(n):
        weight_sum += w[j]
    cdef floating g, row_lse, mass, hit
    cdef cnp.int64_t t
    with nogil:
        for r in prange(rows, schedule="static", use_threads_if=worth_threads(2 * rows * n)):
            t = target[r]
            if t == ignore_index:
                for j in range(n):
                    dx[r, j] = 0
                continue
            g = grad[r]
            row_lse = lse[r]
            hit = keep * w[t]
            mass = hit + spread * weight_sum
            if floating is float:
                axon_row_exp_affine_f32(&x[r, 0], row_lse, g * mass, &dx[r, 0], n)
            else:
                for j in range(n):
                    dx[r, j] = g * mass * fexp(x[r, j] - row_lse)
            if spread != 0:
                for j in range(n):
                    dx[r, j] = dx[r, j] - g * spread * w[j]
            dx[r, t] = dx[r, t] - g * hit
    return out


def embedding_backward(const floating[:, ::1] grad, const cnp.int64_t[::1] indices, Py_ssize_t num_weights,
                       cnp.int64_t padding_idx):
    """Scatter-add the rows of grad (M, E) into a (num_weights, E) gradient; padding_idx's row stays zero."""
    cdef Py_ssize_t m = grad.shape[0], e = grad.shape[1], i, j
    out = np.zeros((num_weights, e), np.float32 if floating is float else np.float64)
    cdef floating[:, ::1] dw = out
    cdef cnp.int64_t row
    with nogil:
        for i in range(m):
            row = indices[i]
            if row == padding_idx:
                continue
            for j in range(e):
                dw[row, j] += grad[i, j]
    return out
