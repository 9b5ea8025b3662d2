"""Scans NumPy makes several passes for: the running max/min with the index it came from (cummax/cummin).

The input is a contiguous (outer, n, inner) block, the scanned axis in the middle, so the inner
loop runs over contiguous elements. A later element equal to the running extreme takes over (the
last index of a tie) and a NaN, once seen, stays: PyTorch's rule. Work is split over `outer`.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport isnan

from axonml._ext._threads cimport threads_for

ctypedef long long index_t


def cum_extreme(const floating[:, :, ::1] a, floating[:, :, ::1] values, index_t[:, :, ::1] indices,
                bint largest):
    """values[o, k, j] = the extreme of a[o, :k + 1, j]; indices[o, k, j] = the k' it was taken from."""
    cdef Py_ssize_t outer = a.shape[0], n = a.shape[1], inner = a.shape[2]
    cdef Py_ssize_t o, k, j
    cdef floating x, best
    cdef bint takes
    cdef int threads = threads_for(outer * n * inner)
    cdef index_t taken
    if n == 0:
        return
    if inner == 1:  # the scanned axis is the last: keep the running extreme in registers
        for o in prange(outer, nogil=True, schedule="static", num_threads=threads):
            best = a[o, 0, 0]
            taken = 0
            for k in range(n):
                x = a[o, k, 0]
                if (x >= best if largest else x <= best) or isnan(x):
                    best = x
                    taken = k
                values[o, k, 0] = best
                indices[o, k, 0] = taken
        return
    for o in prange(outer, nogil=True, schedule="static", num_threads=threads):
        for j in range(inner):
            values[o, 0, j] = a[o, 0, j]
            indices[o, 0, j] = 0
        for k in range(1, n):
            for j in range(inner):
                x = a[o, k, j]
                best = values[o, k - 1, j]
                if largest:
                    takes = x >= best
                else:
                    takes = x <= best
                if takes or isnan(x):  # a NaN best compares False: only another NaN takes over
                    values[o, k, j] = x
                    indices[o, k, j] = k
                else:
                    values[o, k, j] = best
                    indices[o, k, j] = indices[o, k - 1, j]
