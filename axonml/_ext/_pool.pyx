"""Max, average and adaptive pooling over 3-D volumes, forward and backward.

Inputs are contiguous stacks of volumes (P, D, H, W): every image channel is one, and 1-D and
2-D pooling run the same kernels with unit D (and H). The work is split over planes, and each
plane's gradient is written only by the thread that owns it. Window arithmetic follows
PyTorch's CPU kernels, so indices, divisors and NaN handling match it: max pooling returns the
flat index (d * H + h) * W + w of the maximum inside its plane, and a NaN wins over every number.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY, isnan

from axonml._ext._threads cimport threads_for

ctypedef long long index_t


cdef inline void max_window(Py_ssize_t o, int k, int s, int p, int d, Py_ssize_t size, Py_ssize_t* start,
                            Py_ssize_t* stop) noexcept nogil:
    """[start, stop) of output o's dilated window along one axis, its first element inside the input."""
    start[0] = o * s - p
    stop[0] = min(start[0] + (k - 1) * d + 1, size)
    while start[0] < 0:
        start[0] += d


cdef inline Py_ssize_t avg_window(Py_ssize_t o, int k, int s, int p, Py_ssize_t size, Py_ssize_t* start,
                                  Py_ssize_t* stop) noexcept nogil:
    """Output o's window along one axis clipped to the input; returns its length clipped to the padded input."""
    cdef Py_ssize_t padded
    start[0] = o * s - p
    stop[0] = min(start[0] + k, size + p)
    padded = stop[0] - start[0]
    start[0] = max(start[0], 0)
    stop[0] = min(stop[0], size)
    return padded


cdef inline Py_ssize_t window_start(Py_ssize_t o, Py_ssize_t out_size, Py_ssize_t size) noexcept nogil:
    return (o * size) // out_size


cdef inline Py_ssize_t window_end(Py_ssize_t o, Py_ssize_t out_size, Py_ssize_t size) noexcept nogil:
    return ((o + 1) * size + out_size - 1) // out_size


cdef inline void window_max(const floating* plane, Py_ssize_t height, Py_ssize_t width, Py_ssize_t d0,
                            Py_ssize_t d1, Py_ssize_t h0, Py_ssize_t h1, Py_ssize_t w0, Py_ssize_t w1, int dd, int dh,
                            int dw, double* best_out, index_t* index_out) noexcept nogil:
    """The maximum of a (dilated) window of a (D, H, W) plane and its flat index; the first NaN ends the search."""
    cdef Py_ssize_t id_, ih, iw
    cdef double best = -INFINITY, value
    cdef index_t best_index = (d0 * height + h0) * width + w0
    cdef bint found_nan = False
    id_ = d0
    while id_ < d1 and not found_nan:
        ih = h0
        while ih < h1 and not found_nan:
            iw = w0
            while iw < w1:
                value = plane[(id_ * height + ih) * width + iw]
                if value > best or isnan(value):
                    best = value
                    best_index = (id_ * height + ih) * width + iw
                    if isnan(value):
                        found_nan = True
                        break
                iw = iw + dw
            ih = ih + dh
        id_ = id_ + dd
    best_out[0] = best
    index_out[0] = best_index


def max_pool3d(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out, index_t[:, :, :, ::1] indices,
               int kd, int kh, int kw, int sd, int sh, int sw, int pd, int ph, int pw, int dd, int dh, int dw):
    cdef Py_ssize_t planes = x.shape[0], depth = x.shape[1], height = x.shape[2], width = x.shape[3]
    cdef Py_ssize_t out_d = out.shape[1], out_h = out.shape[2], out_w = out.shape[3]
    cdef Py_ssize_t p, od, oh, ow, d0, d1, h0, h1, w0, w1
    cdef index_t best_index
    cdef double best
    cdef int threads = threads_for(planes * out_d * out_h * out_w * kd * kh * kw)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for od in range(out_d):
            max_window(od, kd, sd, pd, dd, depth, &d0, &d1)
            for oh in range(out_h):
                max_window(oh, kh, sh, ph, dh, height, &h0, &h1)
                for ow in range(out_w):
                    max_window(ow, kw, sw, pw, dw, width, &w0, &w1)
                    window_max(&x[p, 0, 0, 0], height, width, d0, d1, h0, h1, w0, w1, dd, dh, dw, &best,
                               &best_index)
                    out[p, od, oh, ow] = <floating>best
                    indices[p, od, oh, ow] = best_index


def max_pool_backward(const floating[:, ::1] grad, const index_t[:, ::1] indices, floating[:, ::1] grad_input):
    """grad_input (P, D*H*W), zeroed by the caller, += grad (P, L) at the flat indices (P, L)."""
    cdef Py_ssize_t planes = grad.shape[0], length = grad.shape[1]
    cdef Py_ssize_t p, k
    cdef int threads = threads_for(planes * length)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for k in range(length):
            grad_input[p, indices[p, k]] += grad[p, k]


cdef inline double avg_divisor(Py_ssize_t padded_size, Py_ssize_t inside_size, bint count_include_pad,
                               int divisor_override) noexcept nogil:
    if divisor_override:
        return divisor_override
    return padded_size if count_include_pad else inside_size


def avg_pool3d(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out, int kd, int kh, int kw, int sd, int sh,
               int sw, int pd, int ph, int pw, bint count_include_pad, int divisor_override):
    cdef Py_ssize_t planes = x.shape[0], depth = x.shape[1], height = x.shape[2], width = x.shape[3]
    cdef Py_ssize_t out_d = out.shape[1], out_h = out.shape[2], out_w = out.shape[3]
    cdef Py_ssize_t p, od, oh, ow, id_, ih, iw, d0, d1, h0, h1, w0, w1, padded_d, padded_h, padded_w
    cdef double total
    cdef int threads = threads_for(planes * out_d * out_h * out_w * kd * kh * kw)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for od in range(out_d):
            # PyTorch's window: clipped to the padded input for the divisor, to the input for the sum
            padded_d = avg_window(od, kd, sd, pd, depth, &d0, &d1)
            for oh in range(out_h):
                padded_h = avg_window(oh, kh, sh, ph, height, &h0, &h1)
                for ow in range(out_w):
                    padded_w = avg_window(ow, kw, sw, pw, width, &w0, &w1)
                    if d0 >= d1 or h0 >= h1 or w0 >= w1:
                        out[p, od, oh, ow] = 0
                        continue
                    total = 0
                    for id_ in range(d0, d1):
                        for ih in range(h0, h1):
                            for iw in range(w0, w1):
                                total = total + x[p, id_, ih, iw]
                    out[p, od, oh, ow] = <floating>(total / avg_divisor(
                        padded_d * padded_h * padded_w, (d1 - d0) * (h1 - h0) * (w1 - w0), count_include_pad,
                        divisor_override))


def avg_pool3d_backward(const floating[:, :, :, ::1] grad, floating[:, :, :, ::1] grad_input, int kd, int kh,
                        int kw, int sd, int sh, int sw, int pd, int ph, int pw, bint count_include_pad,
                        int divisor_override):
    """grad_input (P, D, H, W), zeroed by the caller, += each output's gradient spread over its window."""
    cdef Py_ssize_t planes = grad_input.shape[0], depth = grad_input.shape[1]
    cdef Py_ssize_t height = grad_input.shape[2], width = grad_input.shape[3]
    cdef Py_ssize_t out_d = grad.shape[1], out_h = grad.shape[2], out_w = grad.shape[3]
    cdef Py_ssize_t p, od, oh, ow, id_, ih, iw, d0, d1, h0, h1, w0, w1, padded_d, padded_h, padded_w
    cdef double share
    cdef int threads = threads_for(planes * out_d * out_h * out_w * kd * kh * kw)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for od in range(out_d):
            padded_d = avg_window(od, kd, sd, pd, depth, &d0, &d1)
            for oh in range(out_h):
                padded_h = avg_window(oh, kh, sh, ph, height, &h0, &h1)
                for ow in range(out_w):
                    padded_w = avg_window(ow, kw, sw, pw, width, &w0, &w1)
                    if d0 >= d1 or h0 >= h1 or w0 >= w1:
                        continue
                    share = grad[p, od, oh, ow] / avg_divisor(
                        padded_d * padded_h * padded_w, (d1 - d0) * (h1 - h0) * (w1 - w0), count_include_pad,
                        divisor_override)
                    for id_ in range(d0, d1):
                        for ih in range(h0, h1):
                            for iw in range(w0, w1):
                                grad_input[p, id_, ih, iw] += <floating>share


def adaptive_avg_pool3d(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out):
    cdef Py_ssize_t planes = x.shape[0], depth = x.shape[1], height = x.shape[2], width = x.shape[3]
    cdef Py_ssize_t out_d = out.shape[1], out_h = out.shape[2], out_w = out.shape[3]
    cdef Py_ssize_t p, od, oh, ow, id_, ih, iw, d0, d1, h0, h1, w0, w1
    cdef double total
    cdef int threads = threads_for(planes * depth * height * width)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for od in range(out_d):
            d0 = window_start(od, out_d, depth)
            d1 = window_end(od, out_d, depth)
            for oh in range(out_h):
                h0 = window_start(oh, out_h, height)
                h1 = window_end(oh, out_h, height)
                for ow in range(out_w):
                    w0 = window_start(ow, out_w, width)
                    w1 = window_end(ow, out_w, width)
                    total = 0
                    for id_ in range(d0, d1):
                        for ih in range(h0, h1):
                            for iw in range(w0, w1):
                                total = total + x[p, id_, ih, iw]
                    out[p, od, oh, ow] = <floating>(total / ((d1 - d0) * (h1 - h0) * (w1 - w0)))


def adaptive_avg_pool3d_backward(const floating[:, :, :, ::1] grad, floating[:, :, :, ::1] grad_input):
    cdef Py_ssize_t planes = grad_input.shape[0], depth = grad_input.shape[1]
    cdef Py_ssize_t height = grad_input.shape[2], width = grad_input.shape[3]
    cdef Py_ssize_t out_d = grad.shape[1], out_h = grad.shape[2], out_w = grad.shape[3]
    cdef Py_ssize_t p, od, oh, ow, id_, ih, iw, d0, d1, h0, h1, w0, w1
    cdef double share
    cdef int threads = threads_for(planes * depth * height * width)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for od in range(out_d):
            d0 = window_start(od, out_d, depth)
            d1 = window_end(od, out_d, depth)
            for oh in range(out_h):
                h0 = window_start(oh, out_h, height)
                h1 = window_end(oh, out_h, height)
                for ow in range(out_w):
                    w0 = window_start(ow, out_w, width)
                    w1 = window_end(ow, out_w, width)
                    share = grad[p, od, oh, ow] / ((d1 - d0) * (h1 - h0) * (w1 - w0))
                    for id_ in range(d0, d1):
                        for ih in range(h0, h1):
                            for iw in range(w0, w1):
                                grad_input[p, id_, ih, iw] += <floating>share


def adaptive_max_pool3d(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out, index_t[:, :, :, ::1] indices):
    cdef Py_ssize_t planes = x.shape[0], depth = x.shape[1], height = x.shape[2], width = x.shape[3]
    cdef Py_ssize_t out_d = out.shape[1], out_h = out.shape[2], out_w = out.shape[3]
    cdef Py_ssize_t p, od, oh, ow, d0, d1, h0, h1, w0, w1
    cdef index_t best_index
    cdef double best
    cdef int threads = threads_for(planes * depth * height * width)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for od in range(out_d):
            d0 = window_start(od, out_d, depth)
            d1 = window_end(od, out_d, depth)
            for oh in range(out_h):
                h0 = window_start(oh, out_h, height)
                h1 = window_end(oh, out_h, height)
                for ow in range(out_w):
                    w0 = window_start(ow, out_w, width)
                    w1 = window_end(ow, out_w, width)
                    window_max(&x[p, 0, 0, 0], height, width, d0, d1, h0, h1, w0, w1, 1, 1, 1, &best,
                               &best_index)
                    out[p, od, oh, ow] = <floating>best
                    indices[p, od, oh, ow] = best_index
