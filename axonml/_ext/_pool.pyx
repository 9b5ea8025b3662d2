"""Max, average and adaptive pooling over 3-D volumes, forward and backward.

Inputs are contiguous stacks of volumes (P, D, H, W): every image channel is one, and 1-D and
2-D pooling run the same kernels with unit D (and H). The work is split over planes, and each
plane's gradient is written only by the thread that owns it. Window arithmetic follows
PyTorch's CPU kernels, so indices, divisors and NaN handling match it: max pooling returns the
flat index (d * H + h) * W + w of the maximum inside its plane (the first of equal maxima), and a
NaN wins over every number (the last NaN of a window, as PyTorch's `val > max || isnan(val)`).
"""
import numpy as np

from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY, isnan
from openmp cimport omp_get_thread_num

from axonml._ext._threads cimport threads_for

cdef extern from "pool_rows.h" nogil:
    void axon_max_tap_f32(const float* src, Py_ssize_t stride, float* best, float* taps, float tap, Py_ssize_t n)
    void axon_max_tap_f64(const double* src, Py_ssize_t stride, double* best, double* taps, double tap,
                          Py_ssize_t n)

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
    """The flat index of the maximum of a (dilated) window of a (D, H, W) plane: the first of equal
    maxima, the last NaN if there is one; -1 for an empty window."""
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
                iw = iw + dw
            ih = ih + dh
        id_ = id_ + dd
    return best_index


cdef inline void window_max_at(const floating* plane, floating* out, index_t* indices, Py_ssize_t height,
                               Py_ssize_t width, Py_ssize_t d0, Py_ssize_t d1, Py_ssize_t h0, Py_ssize_t h1,
                               Py_ssize_t w0, Py_ssize_t w1, int dd, int dh, int dw) noexcept nogil:
    """out and indices of one output: its window's maximum and flat index (-inf at the window's start when empty)."""
    cdef index_t best_index = window_max(plane, height, width, d0, d1, h0, h1, w0, w1, dd, dh, dw)
    if best_index < 0:
        out[0] = -INFINITY
        indices[0] = (d0 * height + h0) * width + w0
    else:
        out[0] = plane[best_index]
        indices[0] = best_index


cdef void max_pool_plane_2d(const floating* plane, floating* out, index_t* indices, floating* taps,
                            Py_ssize_t height, Py_ssize_t width, Py_ssize_t out_h, Py_ssize_t out_w, int kh, int kw,
                            int sh, int sw, int ph, int pw) noexcept nogil:
    """Max pooling of one (H, W) plane with unit dilation, out and indices (Ho, Wo), taps (Wo) scratch.

    The columns whose windows lie inside the row run a tap at a time across the whole output
    row (pool_rows.h, vectorized): a window's running maximum in out, the tap it came from in
    taps. The scan order and the test are window_max's: a later tap wins when greater or NaN;
    the edge columns go through window_max itself.
    """
    cdef Py_ssize_t oh, ow, h0, h1, ih, lo, hi, tap, first, start
    cdef int j
    cdef floating* best_row
    cdef floating* tap_row
    cdef const floating* source
    # the columns whose window [ow * sw - pw, ow * sw - pw + kw) lies inside [0, width)
    lo = (pw + sw - 1) // sw
    hi = (width - kw + pw) // sw + 1 if width - kw + pw >= 0 else 0
    if hi > out_w:
        hi = out_w
    if hi < lo:
        hi = lo
    for oh in range(out_h):
        h0 = max_start(oh, sh, ph, 1)
        h1 = max_stop(oh, kh, sh, ph, 1, height)
        best_row = out + oh * out_w
        for ow in range(out_w):
            if ow < lo or ow >= hi or h0 >= h1:
                window_max_at(plane, best_row + ow, indices + oh * out_w + ow, height, width, 0, 1, h0, h1,
                              max_start(ow, sw, pw, 1), max_stop(ow, kw, sw, pw, 1, width), 1, 1, 1)
        if h0 >= h1 or lo >= hi:
            continue
        first = lo * sw - pw  # the window start of column lo
        source = plane + h0 * width + first
        for ow in range(hi - lo):
            best_row[lo + ow] = source[ow * sw]
            taps[ow] = 0
        tap = 0
        for ih in range(h0, h1):
            source = plane + ih * width + first
            for j in range(kw):
                if tap > 0:
                    if floating is float:
                        axon_max_tap_f32(source + j, sw, best_row + lo, taps, tap, hi - lo)
                    else:
                        axon_max_tap_f64(source + j, sw, best_row + lo, taps, tap, hi - lo)
                tap += 1
        for ow in range(hi - lo):
            tap = <Py_ssize_t>taps[ow]
            start = (lo + ow) * sw - pw
            indices[oh * out_w + lo + ow] = (h0 + tap // kw) * width + start + tap % kw


def max_pool3d(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out, index_t[:, :, :, ::1] indices,
               int kd, int kh, int kw, int sd, int sh, int sw, int pd, int ph, int pw, int dd, int dh, int dw):
    cdef Py_ssize_t planes = x.shape[0], depth = x.shape[1], height = x.shape[2], width = x.shape[3]
    cdef Py_ssize_t out_d = out.shape[1], out_h = out.shape[2], out_w = out.shape[3]
    cdef Py_ssize_t p, od, oh, ow, d0, d1, h0, h1, w0, w1
    cdef index_t best_index
    cdef int threads = threads_for(planes * out_d * out_h * out_w * kd * kh * kw)
    cdef floating[:, ::1] taps  # each thread's tap row for max_pool_plane_2d
    if depth == 1 and out_d == 1 and kd == 1 and pd == 0 and dh == 1 and dw == 1:
        taps = np.empty((threads, out_w), np.asarray(x).dtype)
        for p in prange(planes, nogil=True, schedule="static", num_threads=threads):
            max_pool_plane_2d(&x[p, 0, 0, 0], &out[p, 0, 0, 0], &indices[p, 0, 0, 0],
                              &taps[omp_get_thread_num(), 0], height, width, out_h,
                              out_w, kh, kw, sh, sw, ph, pw)
        return
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
