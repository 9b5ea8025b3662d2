"""The kernels' one thread-count policy: below PARALLEL_WORK elementary steps, stay on the calling thread.

Waking OpenMP's threads costs more than it saves for small work. A kernel states its work in
elementary steps (multiply-adds, copies, one exp): its element count times the passes or
operations it makes per element.
"""
from openmp cimport omp_get_max_threads

cdef enum:
    PARALLEL_WORK = 65536


cdef inline bint worth_threads(Py_ssize_t work) noexcept nogil:
    """Whether `work` elementary steps are worth running on all OpenMP threads."""
    return work >= PARALLEL_WORK


cdef inline int threads_for(Py_ssize_t work) noexcept nogil:
    """The OpenMP threads worth using for `work` elementary steps: all of them, or one."""
    return omp_get_max_threads() if worth_threads(work) else 1
