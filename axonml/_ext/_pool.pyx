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


# The window helpers return values rather than writing through pointers: Cython makes a variable
# private to each prange thread only where the loop assigns it, and one written through a pointer
# would be shared by every thread.

cdef inline Py_ssize_t max_start(Py_ssize_t o, int s, int p, int d) noexcept nogil:
    """The first element inside the input of output o's dilated window along one axis."""
    cdef Py_ssize_t start = o * s - p
    while start < 0:
        start += d
    return start


cdef inline Py_ssize_t max_stop(Py_ssize_t o, int k, int s, int p, int d, Py_ssize_t size) noexcept nogil:
    """The end (exclusive) of output o's dilated window along one axis, clipped to the input."""
    return min(o * s - p + (k - 1) * d + 1, size)


cdef struct Window:
    Py_ssize_t start, stop     # clipped to the input: what an average sums
    Py_ssize_t padded          # the length clipped to the padded input: PyTorch's count_include_pad divisor


cdef inline Window avg_window(Py_ssize_t o, int k, int s, int p, Py_ssize_t size) noexcept nogil:
    """Output o's average-pooling window along one axis."""
    cdef Window w
    w.start = o * s - p
    w.stop = min(w.start + k, size + p)
    w.padded = w.stop - w.start
    w.start = max(w.start, 0)
    w.stop = min(w.stop, size)
    return w


cdef inline Py_ssize_t window_start(Py_ssize_t o, Py_ssize_t out_size, Py_ssize_t size) noexcept nogil:
    return (o * size) // out_size


cdef inline Py_ssize_t window_end(Py_ssize_t o, Py_ssize_t out_size, Py_ssize_t size) noexcept nogil:
    return ((o + 1) * size + out_size - 1) // out_size


cdef inline index_t window_max(const floating* plane, Py_ssize_t height, Py_ssize_t width, Py_ssize_t d0,
                               Py_ssize_t d1, Py_ssize_t h0, Py_ssize_t h1, Py_ssize_t w0, Py_ssize_t w1, int dd,
                               int dh, int dw) noexcept nogil:
    """The flat index of the maximum of a (dilated) window of a (D, H, W) plane; the first NaN ends the search.

    -1 for an empty window."""
    cdef Py_ssize_t id_, ih, iw
    cdef double best = -INFINITY, value
    cdef index_t best_index = -1
    id_ = d0
    while id_ < d1:
        ih = h0
        while ih < h1:
            iw = w0
            while iw < w1:
                value = plane[(id_ * height + ih) * width + iw]
                if value > best or isnan(value) or best_index < 0:
                    best = value
                    best_index = (id_ * height + ih) * width + iw
                    if isnan(value):
                        return best_index
                iw = iw + dw
            ih = ih + dh
        id_ = id_ + dd
    return best_index


def max_pool3d(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out, index_t[:, :, :, ::1] indices,
               int kd, int kh, int kw, int sd, int sh, int sw, int pd, int ph, int pw, int dd, int dh, int dw):
    cdef Py_ssize_t planes = x.shape[0], depth = x.shape[1], height = x.shape[2], width = x.shape[3]
    cdef Py_ssize_t out_d = out.shape[1], out_h = out.shape[2], out_w = out.shape[3]
    cdef Py_ssize_t p, od, oh, ow, d0, d1, h0, h1, w0, w1
    cdef index_t best_index
    cdef int threads = threads_for(planes * out_d * out_h * out_w * kd * kh * kw)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for od in range(out_d):
            d0 = max_start(od, sd, pd, dd)
            d1 = max_stop(od, kd, sd, pd, dd, depth)
            for oh in range(out_h):
                h0 = max_start(oh, sh, ph, dh)
                h1 = max_stop(oh, kh, sh, ph, dh, height)
                for ow in range(out_w):
                    w0 = max_start(ow, sw, pw, dw)
                    w1 = max_stop(ow, kw, sw, pw, dw, width)
                    best_index = window_max(&x[p, 0, 0, 0], height, width, d0, d1, h0, h1, w0, w1, dd, dh, dw)
                    if best_index < 0:
                        out[p, od, oh, ow] = -INFINITY
                        indices[p, od, oh, ow] = (d0 * height + h0) * width + w0
                    else:
                        out[p, od, oh, ow] = (&x[p, 0, 0, 0])[best_index]
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
    cdef Py_ssize_t p, od, oh, ow, id_, ih, iw
    cdef Window wd, wh, ww
    cdef double total
    cdef int threads = threads_for(planes * out_d * out_h * out_w * kd * kh * kw)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for od in range(out_d):
            wd = avg_window(od, kd, sd, pd, depth)
            for oh in range(out_h):
                wh = avg_window(oh, kh, sh, ph, height)
                for ow in range(out_w):
                    ww = avg_window(ow, kw, sw, pw, width)
                    if wd.start >= wd.stop or wh.start >= wh.stop or ww.start >= ww.stop:
                        out[p, od, oh, ow] = 0
                        continue
                    total = 0
                    for id_ in range(wd.start, wd.stop):
                        for ih in range(wh.start, wh.stop):
                            for iw in range(ww.start, ww.stop):
                                total = total + x[p, id_, ih, iw]
                    out[p, od, oh, ow] = <floating>(total / avg_divisor(
                        wd.padded * wh.padded * ww.padded,
                        (wd.stop - wd.start) * (wh.stop - wh.start) * (ww.stop - ww.start), count_include_pad,
                        divisor_override))


def avg_pool3d_backward(const floating[:, :, :, ::1] grad, floating[:, :, :, ::1] grad_input, int kd, int kh,
                        int kw, int sd, int sh, int sw, int pd, int ph, int pw, bint count_include_pad,
                        int divisor_override):
    """grad_input (P, D, H, W), zeroed by the caller, += each output's gradient spread over its window."""
    cdef Py_ssize_t planes = grad_input.shape[0], depth = grad_input.shape[1]
    cdef Py_ssize_t height = grad_input.shape[2], width = grad_input.shape[3]
    cdef Py_ssize_t out_d = grad.shape[1], out_h = grad.shape[2], out_w = grad.shape[3]
    cdef Py_ssize_t p, od, oh, ow, id_, ih, iw
    cdef Window wd, wh, ww
    cdef double share
    cdef int threads = threads_for(planes * out_d * out_h * out_w * kd * kh * kw)
    for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
        for od in range(out_d):
            wd = avg_window(od, kd, sd, pd, depth)
            for oh in range(out_h):
                wh = avg_window(oh, kh, sh, ph, height)
                for ow in range(out_w):
                    ww = avg_window(ow, kw, sw, pw, width)
                    if wd.start >= wd.stop or wh.start >= wh.stop or ww.start >= ww.stop:
                        continue
                    share = grad[p, od, oh, ow] / avg_divisor(
                        wd.padded * wh.padded * ww.padded,
                        (wd.stop - wd.start) * (wh.stop - wh.start) * (ww.stop - ww.start), count_include_pad,
                        divisor_override)
                    for id_ in range(wd.start, wd.stop):
                        for ih in range(wh.start, wh.stop):
                            for iw in range(ww.start, ww.stop):
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
                    best_index = window_max(&x[p, 0, 0, 0], height, width, d0, d1, h0, h1, w0, w1, 1, 1, 1)
                    out[p, od, oh, ow] = (&x[p, 0, 0, 0])[best_index]
                    indices[p, od, oh, ow] = best_index
