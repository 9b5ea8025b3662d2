"""The CPU backend's LAPACK primitives (ops/decomposition.py), batched over leading dims.

NumPy's ``linalg`` gufuncs loop over a batch in C; where they stop at the first failing
matrix (a singular or indefinite one), the batch is redone matrix by matrix with SciPy's
LAPACK wrappers, which report LAPACK's ``info`` for each matrix as PyTorch's ``*_ex``
functions do. Triangular solves (one BLAS trsm per matrix) and the QR of small matrices run in
C (axonml/_ext/_decomposition.pyx); least squares and LU loop over the batch here.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.linalg as _scipy_linalg
from scipy.linalg import lapack as _lapack

from .._ext import _decomposition

__all__ = ["inv", "solve", "det", "slogdet", "cholesky", "solve_triangular", "qr", "svd", "eigh", "lstsq", "lu_factor"]


def _info(shape) -> np.ndarray:
    return np.zeros(shape, np.int32)


def _getrf_info(a: np.ndarray) -> np.ndarray:
    """LAPACK getrf's info per matrix: 0, or the 1-based index of the first exactly-zero pivot."""
    info = _info(a.shape[:-2])
    getrf, = _lapack.get_lapack_funcs(("getrf",), (a,))
    for index in np.ndindex(*a.shape[:-2]):
        info[index] = max(getrf(a[index])[2], 0)
    return info


def inv(a):
    try:
        return np.linalg.inv(a), _info(a.shape[:-2])
    except np.linalg.LinAlgError:
        info = _getrf_info(a)
    inverse = np.full(a.shape, np.nan, a.dtype)
    for index in np.ndindex(*a.shape[:-2]):
        if info[index] == 0:
            inverse[index] = np.linalg.inv(a[index])
    return inverse, info


def solve(a, b):
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    try:
        return np.linalg.solve(a, b), _info(batch)
    except np.linalg.LinAlgError:
        pass
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    info = _getrf_info(a)
    x = np.full(b.shape, np.nan, np.result_type(a, b))
    for index in np.ndindex(*batch):
        if info[index] == 0:
            x[index] = np.linalg.solve(a[index], b[index])
    return x, info


def det(a):
    return np.linalg.det(a)


def slogdet(a):
    sign, logabsdet = np.linalg.slogdet(a)
    return sign, logabsdet


def cholesky(a, upper):
    try:
        return np.linalg.cholesky(a, upper=upper), _info(a.shape[:-2])
    except np.linalg.LinAlgError:
        pass
    info = _info(a.shape[:-2])
    factor = np.zeros(a.shape, a.dtype)
    potrf, = _lapack.get_lapack_funcs(("potrf",), (a,))
    for index in np.ndindex(*a.shape[:-2]):
        c, info[index] = potrf(a[index], lower=not upper, clean=True)
        factor[index] = c
    np.maximum(info, 0, out=info)
    return factor, info


def solve_triangular(a, b, upper, left, unitriangular):
    """X with A X = B (left) or X A = B, A triangular; batch dims broadcast (BLAS trsm per matrix)."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    dtype = np.result_type(a, b)
    if dtype not in (np.float32, np.float64):
        dtype = np.dtype(np.float64)
    a = np.ascontiguousarray(np.broadcast_to(a, batch + a.shape[-2:]), dtype)
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]), dtype, order="C")
    _decomposition.solve_triangular(a.reshape((-1,) + a.shape[-2:]), x.reshape((-1,) + x.shape[-2:]), upper, left,
                                    unitriangular)
    return x


# up to this many elements a matrix, QR runs unblocked in C: LAPACK's per-call cost (about 10 us)
# would be most of the time
_SMALL_QR = 32 * 32


def qr(a, mode):
    m, n = a.shape[-2:]
    if not 0 < m * n <= _SMALL_QR or a.dtype not in (np.float32, np.float64):
        if mode == "r":
            return None, np.linalg.qr(a, mode="r")
        q, r = np.linalg.qr(a, mode=mode)
        return q, r
    k, batch = min(m, n), a.shape[:-2]
    count = math.prod(batch)
    rows = m if mode == "complete" else k
    cols = 0 if mode == "r" else rows
    work = np.array(a, order="C").reshape((count, m, n))
    q = np.empty((count, m, cols), a.dtype)
    r = np.empty((count, rows, n), a.dtype)
    _decomposition.householder_qr(work, np.empty((count, max(k, 1)), a.dtype), q, r)
    return (None if mode == "r" else q.reshape(batch + (m, cols))), r.reshape(batch + (rows, n))


def svd(a, full_matrices, compute_uv):
    if not compute_uv:
        return None, np.linalg.svd(a, compute_uv=False), None
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


def eigh(a, upper, compute_v):
    uplo = "U" if upper else "L"
    if not compute_v:
        return np.linalg.eigvalsh(a, UPLO=uplo), None
    eigenvalues, eigenvectors = np.linalg.eigh(a, UPLO=uplo)
    return eigenvalues, eigenvectors


def lstsq(a, b, rcond, driver):
    """LAPACK's least-squares drivers per matrix: (solution, rank, singular_values).

    rank comes from every driver but 'gels', singular values from 'gelsd' and 'gelss'; what a
    driver does not compute is an empty array, as in torch.linalg.lstsq.
    """
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    (m, n), k = a.shape[-2:], b.shape[-1]
    dtype = np.result_type(a, b)
    solution = np.empty(batch + (n, k), dtype)
    rank = np.empty(batch, np.int64)
    singular_values = np.empty(batch + (min(m, n),), dtype)
    for index in np.ndindex(*batch):
        if driver == "gels":
            solution[index] = _gels(a[index], b[index])
            continue
        x, _, r, s = _scipy_linalg.lstsq(a[index], b[index], cond=rcond, lapack_driver=driver, check_finite=False)
        solution[index], rank[index] = x, r
        if s is not None:
            singular_values[index] = s
    if driver == "gels":
        rank = np.empty((0,), np.int64)
    if driver not in ("gelsd", "gelss"):
        singular_values = np.empty((0,), dtype)
    return solution, rank, singular_values


def _gels(a, b):
    """LAPACK gels: QR (m >= n) or LQ (m < n) least squares for a full-rank A."""
    gels, = _lapack.get_lapack_funcs(("gels",), (a, b))
    m, n = a.shape
    rows = max(m, n)
    padded = np.zeros((rows, b.shape[1]), np.result_type(a, b))
    padded[:m] = b
    _, x, info = gels(a, padded)
    if info > 0:
        raise np.linalg.LinAlgError("gels: the input matrix does not have full rank")
    return x[:n]


def ldl_factor(a, hermitian):
    """LAPACK sytrf (hetrf for a hermitian complex a) per matrix, from the lower triangle: (LD with the
    upper triangle zeroed, 1-based int32 pivots (..., n) with sytrf's negative 2x2 blocks, info)."""
    name = "hetrf" if hermitian and np.iscomplexobj(a) else "sytrf"
    trf, = _lapack.get_lapack_funcs((name,), (a,))
    ld = np.empty(a.shape, a.dtype)
    pivots = np.empty(a.shape[:-1], np.int32)
    info = _info(a.shape[:-2])
    for index in np.ndindex(*a.shape[:-2]):
        factor, pivots[index], info[index] = trf(a[index], lower=1)
        ld[index] = np.tril(factor)
    np.maximum(info, 0, out=info)
    return ld, pivots, info


def ldl_solve(ld, pivots, b, hermitian):
    """LAPACK sytrs (hetrs) per matrix: x with A x = b from ldl_factor's (LD, pivots)."""
    name = "hetrs" if hermitian and np.iscomplexobj(ld) else "sytrs"
    trs, = _lapack.get_lapack_funcs((name,), (ld, b))
    batch = np.broadcast_shapes(ld.shape[:-2], pivots.shape[:-1], b.shape[:-2])
    ld = np.broadcast_to(ld, batch + ld.shape[-2:])
    pivots = np.broadcast_to(pivots, batch + pivots.shape[-1:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    x = np.empty(b.shape, np.result_type(ld, b))
    for index in np.ndindex(*batch):
        x[index], _ = trs(ld[index], pivots[index], b[index], lower=1)
    return x


def lu_factor(a):
    """LAPACK getrf per matrix: (LU packed, 1-based int32 pivots (..., min(m, n)), info)."""
    m, n = a.shape[-2:]
    lu = np.empty(a.shape, a.dtype)
    pivots = np.empty(a.shape[:-2] + (min(m, n),), np.int32)
    info = _info(a.shape[:-2])
    getrf, = _lapack.get_lapack_funcs(("getrf",), (a,))
    for index in np.ndindex(*a.shape[:-2]):
        lu[index], piv, info[index] = getrf(a[index])
        pivots[index] = piv + 1
    np.maximum(info, 0, out=info)
    return lu, pivots, info
