"""Shared helpers for the kernels: gemm on one thread or split over threads.

Column-major, as BLAS: out (m x n) = alpha * op(op_1) (m x k) @ op(op_2) (k x n) + beta * out,
where op is the identity for flag 'N' and the transpose for 'T'.
"""
from cython cimport floating
from cython.parallel cimport prange
from scipy.linalg.cython_blas cimport dgemm, dgemv, sgemm, sgemv

cdef extern from "gemm_avx512.h" nogil:
    int axon_sgemm_tiled(int tile, char trans_a, char trans_b, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, float alpha,
                         const float* a, Py_ssize_t lda, const float* b, Py_ssize_t ldb, float beta, float* out,
                         Py_ssize_t ld_out, const float* row_bias, int relu)


cdef inline void gemv_one(char trans, int rows, int cols, floating alpha, const floating* a, int ld,
                          const floating* x, int incx, floating beta, floating* y, int incy,
                          int y_len) noexcept nogil:
    """y = alpha * op(a) x + beta * y, a stored column-major (rows x cols); y is zeroed first when beta
    is 0, so that whatever the output buffer held (NaN included) never reaches the result."""
    cdef int i
    if beta == 0:
        for i in range(y_len):
            y[<Py_ssize_t>i * incy] = 0
    if floating is float:
        sgemv(&trans, &rows, &cols, &alpha, <float*>a, &ld, <float*>x, &incx, &beta, y, &incy)
    else:
        dgemv(&trans, &rows, &cols, &alpha, <double*>a, &ld, <double*>x, &incx, &beta, y, &incy)


cdef inline void epilogue(int m, int n, floating* out, int ld_out, const floating* row_bias,
                          bint relu) noexcept nogil:
    """out[i, j] += row_bias[i] (when not NULL), then relu where asked: gemm_one's epilogue after BLAS."""
    cdef Py_ssize_t i, j
    cdef floating value
    if row_bias == NULL and not relu:
        return
    for j in range(n):
        for i in range(m):
            value = out[i + j * <Py_ssize_t>ld_out] + (row_bias[i] if row_bias != NULL else 0)
            out[i + j * <Py_ssize_t>ld_out] = 0 if relu and value <= 0 else value


cdef inline void gemm_one(char trans_1, char trans_2, int m, int n, int k, floating alpha,
                          const floating* op_1, int ld_1, const floating* op_2, int ld_2,
                          floating beta, floating* out, int ld_out, int tile=0, const floating* row_bias=NULL,
                          bint relu=False) noexcept nogil:
    """Column-major out (m x n) = alpha * op(op_1) (m x k) @ op(op_2) (k x n) + beta * out.

    A product with one output column or row is a matrix-vector product: gemm would pack the whole
    matrix first (10-20x slower for one token through a large layer), gemv streams it once. A float32
    product of 16 or more output rows runs gemm_avx512.h's kernel where the core has AVX-512 (BLAS may
    run AVX2 kernels there, at half its rate), in tiles `tile` columns wide (8, 12 or 16; 0: its
    default), BLAS otherwise. Then row_bias[i] (when not NULL) is added to row i of out and, with relu,
    the ReLU applied: in the AVX-512 gemm's last stores, else in one pass after.
    """
    if n == 1 and m > 1:
        # out[:, 0] = op(op_1) @ op(op_2)[:, 0]; that column lies at stride 1 ('N') or ld_2 ('T')
        if trans_1 == c'N':
            gemv_one(c'N', m, k, alpha, op_1, ld_1, op_2, 1 if trans_2 == c'N' else ld_2, beta, out, 1, m)
        else:
            gemv_one(c'T', k, m, alpha, op_1, ld_1, op_2, 1 if trans_2 == c'N' else ld_2, beta, out, 1, m)
        epilogue(m, n, out, ld_out, row_bias, relu)
        return
    if m == 1 and n > 1:
        # out[0, :]^T = op(op_2)^T @ op(op_1)[0, :]^T; that row lies at stride ld_1 ('N') or 1 ('T')
        if trans_2 == c'N':
            gemv_one(c'T', k, n, alpha, op_2, ld_2, op_1, ld_1 if trans_1 == c'N' else 1, beta, out, ld_out, n)
        else:
            gemv_one(c'N', n, k, alpha, op_2, ld_2, op_1, ld_1 if trans_1 == c'N' else 1, beta, out, ld_out, n)
        epilogue(m, n, out, ld_out, row_bias, relu)
        return
    if floating is float:
        # below half of its 32-row tile, the kernel computes mostly padding
        if m >= 16 and axon_sgemm_tiled(tile, trans_1, trans_2, m, n, k, alpha, op_1, ld_1, op_2, ld_2, beta, out,
                                        ld_out, row_bias, relu):
            return
        sgemm(&trans_1, &trans_2, &m, &n, &k, &alpha, <float*>op_1, &ld_1, <float*>op_2, &ld_2,
              &beta, out, &ld_out)
    else:
        dgemm(&trans_1, &trans_2, &m, &n, &k, &alpha, <double*>op_1, &ld_1, <double*>op_2, &ld_2,
              &beta, out, &ld_out)
    epilogue(m, n, out, ld_out, row_bias, relu)


cdef inline void gemm_split(char trans_1, char trans_2, int m, int n, int k, floating alpha,
                            const floating* op_1, int ld_1, const floating* op_2, int ld_2,
                            floating beta, floating* out, int ld_out, int threads, int tile=0,
                            const floating* row_bias=NULL, bint relu=False) noexcept nogil:
    """One product (and gemm_one's epilogue), its output cut into `threads` blocks of rows (m) or of columns (n),
    one per thread."""
    cdef int t, start, stop, size = m if m >= n else n
    cdef int block = ((size + threads - 1) // threads + 15) // 16 * 16
    for t in prange(threads, schedule="static", num_threads=threads):
        start = t * block
        stop = min(start + block, size)
        if start >= stop:
            continue
        if m >= n:  # rows of op(op_1) and of out
            gemm_one(trans_1, trans_2, stop - start, n, k, alpha,
                     op_1 + (start if trans_1 == c'N' else start * <Py_ssize_t>ld_1), ld_1, op_2, ld_2,
                     beta, out + start, ld_out, tile, row_bias + start if row_bias != NULL else NULL, relu)
        else:  # columns of op(op_2) and of out
            gemm_one(trans_1, trans_2, m, stop - start, k, alpha, op_1, ld_1,
                     op_2 + (start * <Py_ssize_t>ld_2 if trans_2 == c'N' else start), ld_2,
                     beta, out + start * <Py_ssize_t>ld_out, ld_out, tile, row_bias, relu)
