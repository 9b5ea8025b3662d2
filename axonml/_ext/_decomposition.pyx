"""Batched triangular solves (one BLAS trsm per matrix) and Householder QR of small matrices,
the batch split over OpenMP threads when the work is worth them (the policy in _threads.pxd).

The arrays are C-contiguous (batch, rows, cols); BLAS reads them column-major, as their
transposes, so a row-major A X = B is the column-major X^T A^T = B^T: a right-side trsm with
the triangle flipped (and a left-side one for X A = B).
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport copysign, sqrt
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


cdef void householder_qr_one(floating* a, floating* tau, floating* q, floating* r, int m, int n, int rows,
                             int cols) noexcept nogil:
    """LAPACK geqr2 + org2r on one row-major m x n matrix a (overwritten), dlarfg's sign convention."""
    cdef int k = min(m, n), i, j, c
    cdef floating sigma, alpha, beta, scale, w
    for j in range(k):
        sigma = 0
        for i in range(j + 1, m):
            sigma = sigma + a[i * n + j] * a[i * n + j]
        alpha = a[j * n + j]
        if sigma == 0:
            tau[j] = 0
            continue
        beta = -copysign(sqrt(alpha * alpha + sigma), alpha)
        tau[j] = (beta - alpha) / beta
        scale = 1 / (alpha - beta)
        a[j * n + j] = beta
        for i in range(j + 1, m):
            a[i * n + j] = a[i * n + j] * scale
        for c in range(j + 1, n):  # a[j:, c] -= tau v (v^T a[j:, c]), v = (1, a[j+1:, j])
            w = a[j * n + c]
            for i in range(j + 1, m):
                w = w + a[i * n + j] * a[i * n + c]
            w = w * tau[j]
            a[j * n + c] = a[j * n + c] - w
            for i in range(j + 1, m):
                a[i * n + c] = a[i * n + c] - w * a[i * n + j]
    for i in range(rows):
        for c in range(n):
            r[i * n + c] = a[i * n + c] if i <= c else 0
    if cols == 0:
        return
    for i in range(m):
        for c in range(cols):
            q[i * cols + c] = 1 if i == c else 0
    for j in range(k - 1, -1, -1):  # Q = H_j Q, from the last reflector to the first
        if tau[j] == 0:
            continue
        for c in range(cols):
            w = q[j * cols + c]
            for i in range(j + 1, m):
                w = w + a[i * n + j] * q[i * cols + c]
            w = w * tau[j]
            q[j * cols + c] = q[j * cols + c] - w
            for i in range(j + 1, m):
                q[i * cols + c] = q[i * cols + c] - w * a[i * n + j]


def householder_qr(floating[:, :, ::1] a, floating[:, ::1] tau, floating[:, :, ::1] q, floating[:, :, ::1] r):
    """Householder QR of each matrix of a (batch, m, n), overwritten: r (batch, rows, n) gets R's
    first rows, q (batch, m, cols) Q's first cols (cols 0: R only); tau (batch, min(m, n)) is work.
    Unblocked, for the small matrices where LAPACK's per-call cost dominates."""
    cdef Py_ssize_t batch = a.shape[0], i
    cdef int m = a.shape[1], n = a.shape[2], rows = r.shape[1], cols = q.shape[2]
    cdef int threads = threads_for(batch * m * n * (n + cols)) if batch > 1 else 1
    if batch == 0 or m == 0 or n == 0:
        return
    for i in prange(batch, nogil=True, schedule="static", num_threads=threads):
        householder_qr_one(&a[i, 0, 0], &tau[i, 0], &q[i, 0, 0] if cols else NULL, &r[i, 0, 0] if rows else NULL,
                           m, n, rows, cols)
