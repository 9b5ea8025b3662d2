"""Matrix products through BLAS gemm (scipy.linalg.cython_blas), batched and strided.

NumPy arrays are row-major and BLAS is column-major: a row-major matrix with row stride
ld is, to BLAS, its own transpose with leading dimension ld. So C = A @ B (row-major) is
computed as C^T = B^T A^T (column-major), and any operand with a unit stride in one of its
two matrix dims is handed to BLAS as it lies, with 'N' or 'T', never copied.
"""
import numpy as np

cimport numpy as cnp
from cython cimport floating
from cython.parallel cimport prange
from openmp cimport omp_get_max_threads, omp_set_num_threads

from axonml._ext._blas cimport epilogue, gemm_one, gemm_split
from axonml._ext._threads cimport threads_for

cnp.import_array()

# Every BLAS call runs on one thread (see limit_blas_threads); products are spread over
# axonml's OpenMP threads here: a batch one matrix per thread, a single large product in
# blocks of its output. Below this many multiply-adds a product is not worth splitting.
cdef Py_ssize_t SMALL_PRODUCT = 64 * 64 * 64
cdef Py_ssize_t INT_MAX = 2147483647


cdef void gemm_batch(char trans_1, char trans_2, int m, int n, int k, floating alpha,
                     const floating* op_1, const cnp.int64_t[::1] offsets_1, int ld_1,
                     const floating* op_2, const cnp.int64_t[::1] offsets_2, int ld_2,
                     floating beta, floating* out, Py_ssize_t out_step, int ld_out, int tile,
                     const floating* row_bias, bint relu) noexcept nogil:
    cdef Py_ssize_t i, batch = offsets_1.shape[0]
    cdef int threads = threads_for(batch * m * n * k)
    cdef bint small = <Py_ssize_t>m * n * k < SMALL_PRODUCT
    if threads > 1 and batch > 1 and (small or batch >= 2 * threads):
        for i in prange(batch, schedule="static", num_threads=threads):
            gemm_one(trans_1, trans_2, m, n, k, alpha, op_1 + offsets_1[i], ld_1, op_2 + offsets_2[i], ld_2,
                     beta, out + i * out_step, ld_out, tile, row_bias, relu)
    elif threads > 1 and not small:
        for i in range(batch):
            gemm_split(trans_1, trans_2, m, n, k, alpha, op_1 + offsets_1[i], ld_1, op_2 + offsets_2[i], ld_2,
                       beta, out + i * out_step, ld_out, threads, tile, row_bias, relu)
    else:
        for i in range(batch):
            gemm_one(trans_1, trans_2, m, n, k, alpha, op_1 + offsets_1[i], ld_1, op_2 + offsets_2[i], ld_2,
                     beta, out + i * out_step, ld_out, tile, row_bias, relu)


cdef tuple blas_layout(cnp.ndarray x, Py_ssize_t rows, Py_ssize_t cols):
    """x's last two dims (a row-major rows x cols matrix X) as a BLAS operand holding X^T.

    Returns (x, flag, ld); x is copied only when neither matrix dim has a unit stride.
    """
    cdef int ndim = cnp.PyArray_NDIM(x)
    cdef Py_ssize_t itemsize = cnp.PyArray_ITEMSIZE(x)
    cdef Py_ssize_t s_row = cnp.PyArray_STRIDE(x, ndim - 2), s_col = cnp.PyArray_STRIDE(x, ndim - 1)
    if s_row % itemsize == 0 and s_col % itemsize == 0:
        s_row //= itemsize
        s_col //= itemsize
        # X^T (cols x rows) column-major: element (p, q) at p * s_col + q * s_row
        if (s_col == 1 or cols == 1) and (rows == 1 or max(1, cols) <= s_row <= INT_MAX):
            return x, c'N', (s_row if rows > 1 else max(1, cols))
        # X itself column-major, handed over transposed
        if (s_row == 1 or rows == 1) and (cols == 1 or max(1, rows) <= s_col <= INT_MAX):
            return x, c'T', (s_col if cols > 1 else max(1, rows))
    return np.ascontiguousarray(x), c'N', max(1, cols)


cdef cnp.ndarray batch_offsets(cnp.ndarray x, tuple batch_shape):
    """Element offsets of each matrix of x (batch dims broadcast to batch_shape), in C order."""
    cdef int ndim = cnp.PyArray_NDIM(x)
    cdef Py_ssize_t lead = len(batch_shape) - (ndim - 2)
    cdef cnp.ndarray offsets = np.zeros(batch_shape, np.int64)
    cdef Py_ssize_t d, size, stride
    for d in range(ndim - 2):
        size = x.shape[d]
        if size == 1:
            continue
        stride = x.strides[d] // cnp.PyArray_ITEMSIZE(x)
        view_shape = [1] * len(batch_shape)
        view_shape[lead + d] = size
        offsets += (np.arange(size, dtype=np.int64) * stride).reshape(view_shape)
    return offsets.reshape(-1)


cdef object fold_rows(cnp.ndarray x):
    """x (..., n, k) as one (N*n, k) matrix when its leading dims merge without a copy, else None."""
    try:
        return x.reshape((-1, x.shape[cnp.PyArray_NDIM(x) - 1]), copy=False)  # setting .shape would copy to fail
    except ValueError:
        return None


cdef cnp.ndarray _ZERO_OFFSET_ARRAY = np.zeros(1, np.int64)
cdef const cnp.int64_t[::1] ZERO_OFFSET = _ZERO_OFFSET_ARRAY


def gemm(cnp.ndarray a not None, cnp.ndarray b not None, double alpha=1.0, double beta=0.0, c=None, int tile=0,
         cnp.ndarray bias=None, bint relu=False):
    """alpha * a @ b + beta * c (+ bias, then relu) for a (..., n, k), b (..., k, m) with broadcast batch dims.

    a and b share a float32/float64 dtype and may have any strides; c (optional) broadcasts
    to the result, which is a new C-contiguous array. bias, a C-contiguous (m,) array of their
    dtype, and relu are applied in the product's last stores (a Linear's epilogue). tile: the
    width of the AVX-512 float32 gemm's tiles (8, 12 or 16; 0, its default), which the
    autotuned Linear picks per shape.
    """
    cdef int a_ndim = cnp.PyArray_NDIM(a), b_ndim = cnp.PyArray_NDIM(b)
    cdef Py_ssize_t n = a.shape[a_ndim - 2], k = a.shape[a_ndim - 1], m = b.shape[b_ndim - 1]
    cdef int typenum = cnp.PyArray_TYPE(a)
    if b.shape[b_ndim - 2] != k:
        raise ValueError(f"gemm: shapes {(<object>a).shape} and {(<object>b).shape} are not aligned")
    if cnp.PyArray_TYPE(b) != typenum or (typenum != cnp.NPY_FLOAT32 and typenum != cnp.NPY_FLOAT64):
        raise TypeError(f"gemm: BLAS needs two float32 or two float64 operands, got {a.dtype} and {b.dtype}")
    if m > INT_MAX or n > INT_MAX or k > INT_MAX:
        raise ValueError("gemm: a matrix dimension exceeds BLAS's 32-bit integer range")
    cdef void* data_bias = NULL
    cdef int columns
    if bias is not None:
        if cnp.PyArray_TYPE(bias) != typenum or bias.ndim != 1 or bias.shape[0] != m or \
                not cnp.PyArray_IS_C_CONTIGUOUS(bias):
            raise ValueError(f"gemm: bias must be a C-contiguous ({m},) {a.dtype} array, got {bias.dtype} "
                             f"{(<object>bias).shape}")
        data_bias = cnp.PyArray_DATA(bias)
    cdef tuple batch_shape = ()
    if a_ndim > 2 or b_ndim > 2:
        batch_shape = np.broadcast_shapes((<object>a).shape[:a_ndim - 2], (<object>b).shape[:b_ndim - 2])
    cdef cnp.ndarray out = np.empty(batch_shape + (n, m), a.dtype)
    if c is not None and beta != 0.0:
        np.copyto(out, c, casting="unsafe")
    else:
        beta = 0.0
    if cnp.PyArray_SIZE(out) == 0:
        return out
    if k == 0:
        if beta == 0.0:
            out.fill(0)
        elif beta != 1.0:
            out *= beta
        # the gemm's epilogue over every matrix of out: one column-major (m x rows) block
        columns = cnp.PyArray_SIZE(out) // m
        if typenum == cnp.NPY_FLOAT32:
            with nogil:
                epilogue[float](m, columns, <float*>cnp.PyArray_DATA(out), m, <const float*>data_bias, relu)
        else:
            with nogil:
                epilogue[double](m, columns, <double*>cnp.PyArray_DATA(out), m, <const double*>data_bias, relu)
        return out
    if b_ndim > 2 and cnp.PyArray_SIZE(b) == k * m:
        b = b.reshape(k, m)
    if a_ndim > 2 and cnp.PyArray_NDIM(b) == 2:
        folded = fold_rows(a)  # every row of every matrix of a against the same b: one gemm
        if folded is not None:
            a, n = folded, folded.shape[0]
    # C^T (m x n) = B^T (m x k) A^T (k x n)
    cdef char trans_b, trans_a
    cdef int ldb, lda
    b, trans_b, ldb = blas_layout(b, k, m)
    a, trans_a, lda = blas_layout(a, n, k)
    cdef const cnp.int64_t[::1] offsets_b = ZERO_OFFSET
    cdef const cnp.int64_t[::1] offsets_a = ZERO_OFFSET
    if cnp.PyArray_NDIM(a) > 2 or cnp.PyArray_NDIM(b) > 2:
        offsets_b = batch_offsets(b, batch_shape)
        offsets_a = batch_offsets(a, batch_shape)
    cdef void* data_b = cnp.PyArray_DATA(b)
    cdef void* data_a = cnp.PyArray_DATA(a)
    cdef void* data_out = cnp.PyArray_DATA(out)
    if typenum == cnp.NPY_FLOAT32:
        with nogil:
            gemm_batch[float](trans_b, trans_a, m, n, k, alpha, <const float*>data_b, offsets_b, ldb,
                              <const float*>data_a, offsets_a, lda, beta, <float*>data_out, m * n, m, tile,
                              <const float*>data_bias, relu)
    else:
        with nogil:
            gemm_batch[double](trans_b, trans_a, m, n, k, alpha, <const double*>data_b, offsets_b, ldb,
                               <const double*>data_a, offsets_a, lda, beta, <double*>data_out, m * n, m, tile,
                               <const double*>data_bias, relu)
    return out


def limit_blas_threads():
    """Make the OpenBLAS behind scipy.linalg.cython_blas, and NumPy's behind numpy.linalg (the
    CPU's LAPACK decompositions), run every call on one thread.

    axonml parallelises products itself (above) in the same OpenMP thread pool as its other
    kernels; a second pool of BLAS threads spinning between calls would fight it for the cores.
    Returns False when no OpenBLAS thread control is found (BLAS then keeps its own threads).
    """
    import ctypes
    import glob
    import os

    import numpy
    import scipy

    def limit(paths) -> bool:
        for path in paths:
            try:
                library = ctypes.CDLL(path)
            except OSError:
                continue
            for name in ("scipy_openblas_set_num_threads", "scipy_openblas_set_num_threads64_",
                         "openblas_set_num_threads"):
                setter = getattr(library, name, None)
                if setter is not None:
                    setter(1)
                    return True
        return False

    def bundled(package) -> list:
        root = os.path.dirname(os.path.dirname(package.__file__))
        return glob.glob(os.path.join(root, f"{package.__name__}.libs", "libscipy_openblas*.so*"))

    limited_scipy = limit(bundled(scipy) + [None])
    limited_numpy = limit(bundled(numpy))
    return limited_scipy or limited_numpy


def get_num_threads():
    """How many OpenMP threads axonml's CPU kernels (gemm included) use."""
    return omp_get_max_threads()


def set_num_threads(int threads):
    """Use this many OpenMP threads in axonml's CPU kernels (gemm included)."""
    if threads < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {threads}")
    omp_set_num_threads(threads)


limit_blas_threads()
