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
    cdef Py_ssize_t outer = x.shape[0], size = x.shape[1], inner = x.shape[2], out_size = out.shape[1]
    cdef Py_ssize_t taps = index.shape[1], o, j, k, i
    cdef const floating* row
    cdef const floating* source
    cdef floating* target
    cdef floating weight, total
    cdef int threads = threads_for(outer * out_size * taps * inner)
    if outer == 0 or out_size == 0 or inner == 0:
        return
    for o in prange(outer, nogil=True, schedule="static", num_threads=threads):
        row = &x[o, 0, 0]
        for j in range(out_size):
            target = &out[o, j, 0]
            if inner == 1:
                total = 0
                for k in range(taps):
                    total = total + weights[j, k] * row[index[j, k]]
                target[0] = total
            else:
                # whole rows at a time: the inner loop runs over contiguous memory and vectorises
                for i in range(inner):
                    target[i] = 0
                for k in range(taps):
                    weight = weights[j, k]
                    source = row + index[j, k] * inner
                    for i in range(inner):
                        target[i] = target[i] + weight * source[i]
