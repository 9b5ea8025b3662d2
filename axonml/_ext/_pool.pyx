"""Max, average and adaptive pooling over 2-D planes, forward and backward.

Inputs are contiguous stacks of planes (P, H, W) (every image channel is a plane; 1-D pooling
uses H = 1). The work is split over planes, and each plane's gradient is written only by
the thread that owns it. Window arithmetic follows PyTorch's CPU kernels, so indices,
divisors and NaN handling match it: max pooling returns the flat index h * W + w of the
maximum inside its plane, and a NaN wins over every number.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY, isnan

from axonml._ext._blas cimport threads_for

ctypedef long long index_t


def max_pool2d(const floating[:, :, ::1] x, floating[:, :, ::1] out, index_t[:, :, ::1] indices,
               int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw):
    cdef Py_ssize_t planes = x.shape[0], height = x.shape[1], width = x.shape[2]
    cdef Py_ssize_t out_h = out.shape[1], out_w = out.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, h0, w0, h1, w1
    cdef index_t best_index
    cdef double best, value
    cdef int threads = threads_for(planes * out_h * out_w * kh * kw)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for oh in range(out_h):
            h0 = oh * sh - ph
            h1 = h0 + (kh - 1) * dh + 1
            if h1 > height:
                h1 = height
            while h0 < 0:
                h0 = h0 + dh
            for ow in range(out_w):
                w0 = ow * sw - pw
                w1 = w0 + (kw - 1) * dw + 1
                if w1 > width:
                    w1 = width
                while w0 < 0:
                    w0 = w0 + dw
                best = -INFINITY
                best_index = h0 * width + w0
                ih = h0
                while ih < h1 and not isnan(best):
                    iw = w0
                    while iw < w1:
                        value = x[p, ih, iw]
                        if value > best or isnan(value):
                            best = value
                            best_index = ih * width + iw
                            if isnan(value):
                                break
                        iw = iw + dw
                    ih = ih + dh
                out[p, oh, ow] = <floating>best
                indices[p, oh, ow] = best_index


def max_pool_backward(const floating[:, ::1] grad, const index_t[:, ::1] indices, floating[:, ::1] grad_input):
    """grad_input (P, H*W), zeroed by the caller, += grad (P, L) at the flat indices (P, L)."""
    cdef Py_ssize_t planes = grad.shape[0], length = grad.shape[1]
    cdef Py_ssize_t p, k
    cdef int threads = threads_for(planes * length)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for k in range(length):
            grad_input[p, indices[p, k]] += grad[p, k]


def avg_pool2d(const floating[:, :, ::1] x, floating[:, :, ::1] out, int kh, int kw, int sh, int sw, int ph,
               int pw, bint count_include_pad, int divisor_override):
    cdef Py_ssize_t planes = x.shape[0], height = x.shape[1], width = x.shape[2]
    cdef Py_ssize_t out_h = out.shape[1], out_w = out.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, h0, h1, w0, w1, padded_size
    cdef double total, divisor
    cdef int threads = threads_for(planes * out_h * out_w * kh * kw)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for oh in range(out_h):
            for ow in range(out_w):
                # PyTorch's window: clipped to the padded input for the divisor, to the input for the sum
                h0 = oh * sh - ph
                w0 = ow * sw - pw
                h1 = min(h0 + kh, height + ph)
                w1 = min(w0 + kw, width + pw)
                padded_size = (h1 - h0) * (w1 - w0)
                h0 = max(h0, 0)
                w0 = max(w0, 0)
                h1 = min(h1, height)
                w1 = min(w1, width)
                if h0 >= h1 or w0 >= w1:
                    out[p, oh, ow] = 0
                    continue
                if divisor_override:
                    divisor = divisor_override
                elif count_include_pad:
                    divisor = padded_size
                else:
                    divisor = (h1 - h0) * (w1 - w0)
                total = 0
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        total = total + x[p, ih, iw]
                out[p, oh, ow] = <floating>(total / divisor)


def avg_pool2d_backward(const floating[:, :, ::1] grad, floating[:, :, ::1] grad_input, int kh, int kw, int sh,
                        int sw, int ph, int pw, bint count_include_pad, int divisor_override):
    """grad_input (P, H, W), zeroed by the caller, += each output's gradient spread over its window."""
    cdef Py_ssize_t planes = grad_input.shape[0], height = grad_input.shape[1], width = grad_input.shape[2]
    cdef Py_ssize_t out_h = grad.shape[1], out_w = grad.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, h0, h1, w0, w1, padded_size
    cdef double share, divisor
    cdef int threads = threads_for(planes * out_h * out_w * kh * kw)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for oh in range(out_h):
            for ow in range(out_w):
                h0 = oh * sh - ph
                w0 = ow * sw - pw
                h1 = min(h0 + kh, height + ph)
                w1 = min(w0 + kw, width + pw)
                padded_size = (h1 - h0) * (w1 - w0)
                h0 = max(h0, 0)
                w0 = max(w0, 0)
                h1 = min(h1, height)
                w1 = min(w1, width)
                if h0 >= h1 or w0 >= w1:
                    continue
                if divisor_override:
                    divisor = divisor_override
                elif count_include_pad:
                    divisor = padded_size
                else:
                    divisor = (h1 - h0) * (w1 - w0)
                share = grad[p, oh, ow] / divisor
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        grad_input[p, ih, iw] += <floating>share


cdef inline Py_ssize_t window_start(Py_ssize_t o, Py_ssize_t out_size, Py_ssize_t size) noexcept nogil:
    return (o * size) // out_size


cdef inline Py_ssize_t window_end(Py_ssize_t o, Py_ssize_t out_size, Py_ssize_t size) noexcept nogil:
    return ((o + 1) * size + out_size - 1) // out_size


def adaptive_avg_pool2d(const floating[:, :, ::1] x, floating[:, :, ::1] out):
    cdef Py_ssize_t planes = x.shape[0], height = x.shape[1], width = x.shape[2]
    cdef Py_ssize_t out_h = out.shape[1], out_w = out.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, h0, h1, w0, w1
    cdef double total
    cdef int threads = threads_for(planes * height * width)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for oh in range(out_h):
            h0 = window_start(oh, out_h, height)
            h1 = window_end(oh, out_h, height)
            for ow in range(out_w):
                w0 = window_start(ow, out_w, width)
                w1 = window_end(ow, out_w, width)
                total = 0
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        total = total + x[p, ih, iw]
                out[p, oh, ow] = <floating>(total / ((h1 - h0) * (w1 - w0)))


def adaptive_avg_pool2d_backward(const floating[:, :, ::1] grad, floating[:, :, ::1] grad_input):
    cdef Py_ssize_t planes = grad_input.shape[0], height = grad_input.shape[1], width = grad_input.shape[2]
    cdef Py_ssize_t out_h = grad.shape[1], out_w = grad.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, h0, h1, w0, w1
    cdef double share
    cdef int threads = threads_for(planes * height * width)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for oh in range(out_h):
            h0 = window_start(oh, out_h, height)
            h1 = window_end(oh, out_h, height)
            for ow in range(out_w):
                w0 = window_start(ow, out_w, width)
                w1 = window_end(ow, out_w, width)
                share = grad[p, oh, ow] / ((h1 - h0) * (w1 - w0))
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        grad_input[p, ih, iw] += <floating>share


def adaptive_max_pool2d(const floating[:, :, ::1] x, floating[:, :, ::1] out, index_t[:, :, ::1] indices):
    cdef Py_ssize_t planes = x.shape[0], height = x.shape[1], width = x.shape[2]
    cdef Py_ssize_t out_h = out.shape[1], out_w = out.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, h0, h1, w0, w1
    cdef index_t best_index
    cdef double best, value
    cdef int threads = threads_for(planes * height * width)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for oh in range(out_h):
            h0 = window_start(oh, out_h, height)
            h1 = window_end(oh, out_h, height)
            for ow in range(out_w):
                w0 = window_start(ow, out_w, width)
                w1 = window_end(ow, out_w, width)
                best = -INFINITY
                best_index = h0 * width + w0
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        value = x[p, ih, iw]
                        if value > best or isnan(value):
                            best = value
                            best_index = ih * width + iw
                            if isnan(value):
                                break
                    if isnan(best):
                        break
                out[p, oh, ow] = <floating>best
                indices[p, oh, ow] = best_index
