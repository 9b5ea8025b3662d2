"""Batched triangular solves: one BLAS trsm per matrix, the batch split over OpenMP threads
(when the work is worth them, by the policy in _threads.pxd).

The arrays are C-contiguous (batch, rows, cols); BLAS reads them column-major, as their
transposes, so a row-major A X = B is the column-major X^T A^T = B^T: a right-side trsm with
the triangle flipped (and a left-side one for X A = B).
"""
from cython cimport floating
from cython.parallel cimport prange
from scipy.linalg.cython_blas cimport dtrsm, strsm

from ._threads cimport threads_for


cdef inline void trsm_one(char side, char uplo, char diag, int m, int n, const floating* a, int lda, floating* b,
                          int ldb) noexcept nogil:
    cdef char trans = b'N'
    cdef floating one = 1
    if floating is float:
        strsm(&side, &uplo, &trans, &diag, &m, &n, &one, <float*>a, &lda, b, &ldb)
    else:
        dtrsm(&side, &uplo, &trans, &diag, &m, &n, &one, <double*>a, &lda, b, &ldb)


def solve_triangular(const floating[:, :, ::1] a, floating[:, :, ::1] x, bint upper, bint left, bint unitriangular):
    """x <- A^-1 x (left) or x A^-1, in place; a (batch, n, n), x (batch, rows, cols) with the same batch."""
    cdef Py_ssize_t batch = x.shape[0], i
    cdef int rows = x.shape[1], cols = x.shape[2], n = a.shape[1]
    cdef int threads = threads_for(batch * n * n * (cols if left else rows)) if batch > 1 else 1
    # row-major A is column-major A^T: its upper triangle is the column-major lower one
    cdef char uplo = b'L' if upper else b'U'
    cdef char diag = b'U' if unitriangular else b'N'
    # row-major x (rows x cols) is column-major x^T (cols x rows): A X = B becomes X^T A^T = B^T
    cdef char side = b'R' if left else b'L'
    if batch == 0 or rows == 0 or cols == 0:
        return
    for i in prange(batch, nogil=True, schedule="static", num_threads=threads):
        trsm_one(side, uplo, diag, cols, rows, &a[i, 0, 0], n, &x[i, 0, 0], cols)
