"""Threaded elementwise passes over large contiguous arrays: relu, relu's gradient, a + b; and relu's
gradient with the column sums of its result (a fused Linear + ReLU's backward: the bias gradient).

NumPy runs a ufunc on one thread; on the activations of a convolutional network (millions of
elements per layer) these passes are memory-bound and run faster spread over OpenMP's threads.
Each result is bit for bit NumPy's: np.maximum(a, 0) (a NaN stays that NaN, -0.0 becomes +0.0),
grad * (out > 0) (a multiply by 1 or 0, so an infinite or NaN gradient at a zero output gives
NaN, as NumPy's does), a + b. relu's gradient is one pass instead of NumPy's three (compare,
cast, multiply).

The def functions check the arrays (C-contiguous, one float dtype, one size) and return or fill
the output; the cdef loops run over blocks, spread over the threads from THREADED_ELEMENTS on
(below that a thread team costs more than it saves). On one thread the relu passes still beat
NumPy's (one pass, no temporary); a + b is NumPy's speed there.
"""
import numpy as np

cimport numpy as cnp
from cython cimport floating
from cython.parallel cimport prange
from openmp cimport omp_get_max_threads

cnp.import_array()

# Elements per block (128 KiB of float32), and the fewest elements spread over threads
cdef Py_ssize_t BLOCK = 1 << 15
cdef Py_ssize_t THREADED_ELEMENTS = 1 << 18


cdef inline bint threaded(Py_ssize_t n) noexcept nogil:
    return n >= THREADED_ELEMENTS and omp_get_max_threads() > 1


cdef int checked_type(tuple arrays, Py_ssize_t n) except -1:
    """The NumPy type number shared by arrays, after checking them (C-contiguous float32/float64 of n elements)."""
    first = arrays[0]
    if type(first) is not np.ndarray:
        raise TypeError(f"expected a NumPy array, got {type(first).__name__}")
    cdef int typenum = cnp.PyArray_TYPE(<cnp.ndarray>first)
    if typenum != cnp.NPY_FLOAT32 and typenum != cnp.NPY_FLOAT64:
        raise TypeError(f"the elementwise kernels take float32 or float64 arrays, got {first.dtype}")
    for array in arrays:
        if not (type(array) is np.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>array) == typenum
                and cnp.PyArray_SIZE(<cnp.ndarray>array) == n and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>array)):
            raise ValueError(f"expected C-contiguous {first.dtype} arrays of {n} elements")
    return typenum


cdef inline void* address(object array):
    return cnp.PyArray_DATA(<cnp.ndarray>array)


cdef void relu_blocks(Py_ssize_t n, const floating* a, floating* out) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, i, start, stop
    for b in prange(blocks, schedule="static", use_threads_if=threaded(n)):
        start = b * BLOCK
        stop = min(start + BLOCK, n)
        for i in range(start, stop):
            out[i] = 0 if a[i] <= 0 else a[i]  # NaN > 0 and NaN <= 0 are both false: the NaN stays


cdef void relu_backward_blocks(Py_ssize_t n, const floating* grad, const floating* out,
                               floating* result) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, i, start, stop
    for b in prange(blocks, schedule="static", use_threads_if=threaded(n)):
        start = b * BLOCK
        stop = min(start + BLOCK, n)
        for i in range(start, stop):
            result[i] = grad[i] * (1 if out[i] > 0 else 0)


cdef void relu_backward_sums_rows(Py_ssize_t rows, Py_ssize_t cols, const floating* grad, const floating* out,
                                  floating* result, floating* sums) noexcept nogil:
    cdef Py_ssize_t i, j, at
    cdef floating value
    for j in range(cols):
        sums[j] = 0
    for i in range(rows):
        at = i * cols
        for j in range(cols):
            value = grad[at + j] * (1 if out[at + j] > 0 else 0)
            result[at + j] = value
            sums[j] += value


cdef void add_blocks(Py_ssize_t n, const floating* a, const floating* b_, floating* out) noexcept nogil:
    cdef Py_ssize_t blocks = (n + BLOCK - 1) // BLOCK, b, i, start, stop
    for b in prange(blocks, schedule="static", use_threads_if=threaded(n)):
        start = b * BLOCK
        stop = min(start + BLOCK, n)
        for i in range(start, stop):
            out[i] = a[i] + b_[i]


def relu(a, out=None):
    """max(a, 0) into out (a new array like a when None; a itself for in place); returns out."""
    if out is None:
        out = np.empty_like(a)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>a) if type(a) is np.ndarray else 0
    cdef int typenum = checked_type((a, out), n)
    cdef void* source = address(a)
    cdef void* target = address(out)
    if typenum == cnp.NPY_FLOAT32:
        with nogil:
            relu_blocks(n, <const float*>source, <float*>target)
    else:
        with nogil:
            relu_blocks(n, <const double*>source, <double*>target)
    return out


def relu_backward(grad, out):
    """grad * (out > 0), relu's gradient from its output, in one pass; a new array like grad."""
    result = np.empty_like(grad)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>grad) if type(grad) is np.ndarray else 0
    cdef int typenum = checked_type((grad, out, result), n)
    cdef void* g = address(grad)
    cdef void* o = address(out)
    cdef void* r = address(result)
    if typenum == cnp.NPY_FLOAT32:
        with nogil:
            relu_backward_blocks(n, <const float*>g, <const float*>o, <float*>r)
    else:
        with nogil:
            relu_backward_blocks(n, <const double*>g, <const double*>o, <double*>r)
    return result


def relu_backward_column_sums(grad, out):
    """(grad * (out > 0), its sums over axis 0) for 2-D arrays, in one pass on one thread; the sums add the
    rows in order, as NumPy's sum over axis 0 does."""
    result = np.empty_like(grad)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>grad) if type(grad) is np.ndarray else 0
    cdef int typenum = checked_type((grad, out, result), n)
    if cnp.PyArray_NDIM(<cnp.ndarray>grad) != 2:
        raise ValueError(f"expected 2-D arrays, got shape {grad.shape}")
    cdef Py_ssize_t rows = grad.shape[0], cols = grad.shape[1]
    sums = np.empty(cols, grad.dtype)
    cdef void* g = address(grad)
    cdef void* o = address(out)
    cdef void* r = address(result)
    cdef void* s = address(sums)
    if typenum == cnp.NPY_FLOAT32:
        with nogil:
            relu_backward_sums_rows(rows, cols, <const float*>g, <const float*>o, <float*>r, <float*>s)
    else:
        with nogil:
            relu_backward_sums_rows(rows, cols, <const double*>g, <const double*>o, <double*>r, <double*>s)
    return result, sums


def add(a, b):
    """a + b for two arrays of one shape; a new array like a."""
    result = np.empty_like(a)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>a) if type(a) is np.ndarray else 0
    cdef int typenum = checked_type((a, b, result), n)
    cdef void* x = address(a)
    cdef void* y = address(b)
    cdef void* r = address(result)
    if typenum == cnp.NPY_FLOAT32:
        with nogil:
            add_blocks(n, <const float*>x, <const float*>y, <float*>r)
    else:
        with nogil:
            add_blocks(n, <const double*>x, <const double*>y, <double*>r)
    return result
