"""Shared helpers for the kernels: gemm on one thread or split over threads.

Column-major, as BLAS: out (m x n) = alpha * op(op_1) (m x k) @ op(op_2) (k x n) + beta * out,
where op is the identity for flag 'N' and the transpose for 'T'.
"""
from cython cimport floating
from cython.parallel cimport prange
from scipy.linalg.cython_blas cimport dgemm, sgemm

cdef inline void gemm_one(char trans_1, char trans_2, int m, int n, int k, floating alpha,
                          const floating* op_1, int ld_1, const floating* op_2, int ld_2,
                          floating beta, floating* out, int ld_out) noexcept nogil:
    """Column-major out (m x n) = alpha * op(op_1) (m x k) @ op(op_2) (k x n) + beta * out."""
    if floating is float:
        sgemm(&trans_1, &trans_2, &m, &n, &k, &alpha, <float*>op_1, &ld_1, <float*>op_2, &ld_2,
              &beta, out, &ld_out)
    else:
        dgemm(&trans_1, &trans_2, &m, &n, &k, &alpha, <double*>op_1, &ld_1, <double*>op_2, &ld_2,
              &beta, out, &ld_out)


cdef inline void gemm_split(char trans_1, char trans_2, int m, int n, int k, floating alpha,
                            const floating* op_1, int ld_1, const floating* op_2, int ld_2,
                            floating beta, floating* out, int ld_out, int threads) noexcept nogil:
    """One product, its output cut into `threads` blocks of rows (m) or of columns (n), one per thread."""
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
                     beta, out + start, ld_out)
        else:  # columns of op(op_2) and of out
            gemm_one(trans_1, trans_2, m, stop - start, k, alpha, op_1, ld_1,
                     op_2 + (start * <Py_ssize_t>ld_2 if trans_2 == c'N' else start), ld_2,
                     beta, out + start * <Py_ssize_t>ld_out, ld_out)
