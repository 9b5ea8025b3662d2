"""Separable resampling along one axis: every output a weighted sum of a few inputs (F.interpolate).

x is viewed as (outer, size, inner): the resampled axis in the middle, everything before it
folded into outer and everything after into inner. Each output position j reads the taps
index[j, k] with weights[j, k]; nearest, linear and cubic interpolation differ only in those
tables, and the backward pass is this same kernel run with the transposed tables.
"""
from cython cimport floating
from cython.parallel cimport prange

from axonml._ext._threads cimport threads_for

ctypedef long long index_t


def resample_axis(const floating[:, :, ::1] x, const index_t[:, ::1] index, const floating[:, ::1] weights,
                  floating[:, :, ::1] out):
    """out[o, j, i] = sum_k weights[j, k] * x[o, index[j, k], i]."""
    cdef Py_ssize_t outer = x.shape[0], inner = x.shape[2], out_size = out.shape[1], taps = index.shape[1]
    cdef Py_ssize_t o, j, k, i, source
    cdef floating weight, total
    cdef int threads = threads_for(outer * out_size * taps * inner)
    for o in prange(outer, nogil=True, schedule="static", num_threads=threads):
        for j in range(out_size):
            if inner == 1:
                total = 0
                for k in range(taps):
                    total = total + weights[j, k] * x[o, index[j, k], 0]
                out[o, j, 0] = total
            else:
                # whole rows at a time: the inner loop runs over contiguous memory and vectorises
                for i in range(inner):
                    out[o, j, i] = 0
                for k in range(taps):
                    weight = weights[j, k]
                    source = index[j, k]
                    for i in range(inner):
                        out[o, j, i] += weight * x[o, source, i]
