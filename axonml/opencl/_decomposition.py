"""Decompositions on an OpenCL device (opencl/decomposition.cl): LU, Cholesky, Householder QR,
Jacobi eigh and SVD, triangular solves.

inv, solve, det and slogdet are built here from LU, as LAPACK builds them (getrf, then
laswp and two triangular solves, or the product of U's diagonal); least squares from QR,
as gels (the one driver PyTorch offers on CUDA too).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["lu_factor", "cholesky", "solve_triangular", "qr", "eigh", "svd", "lstsq", "solve", "inv", "det",
           "slogdet"]

_INT32 = np.dtype(np.int32)
_LIMITS: dict = {}  # kernel -> the most work-items it can run in one group on its device


def _defines(backend, dtype) -> tuple:
    return (("T", backend._ctype(dtype)),) + backend._type_defines(dtype)


def _per_matrix(backend, name: str, dtype, count: int, work: int, *args) -> None:
    """Run kernel `name` with one work-group per matrix: enough work-items for the widest step
    (work), within the device's and the kernel's work-group limits."""
    kernel = backend.kernel("decomposition", name, _defines(backend, dtype))
    limit = _LIMITS.get(kernel)
    if limit is None:
        limit = _LIMITS[kernel] = min(backend.max_group, 256, kernel.get_work_group_info(
            backend.cl.kernel_work_group_info.WORK_GROUP_SIZE, backend.cl_device))
    threads = 1
    while threads < work and threads * 2 <= limit:
        threads *= 2
    backend.run(kernel, (count * threads,), (threads,), *args)


def _fresh(backend, a, shape=None):
    """A contiguous working copy of a (broadcast to shape), which the kernels overwrite."""
    a = backend._device_array(a)
    if shape is not None and tuple(a.shape) != tuple(shape):
        a = backend.broadcast_to(a, shape)
    return backend.copy(a)


def _transposed(backend, a):
    return backend.transpose(a, tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2))


def lu_factor(backend, a):
    lu = _fresh(backend, a)
    m, n = lu.shape[-2:]
    batch = lu.shape[:-2]
    count = math.prod(batch)
    pivots = backend.new(batch + (min(m, n),), _INT32)
    info = backend.new(batch, _INT32)
    if count and min(m, n):
        _per_matrix(backend, "lu_factor", lu.dtype, count, max(m, n), lu.buffer, pivots.buffer, info.buffer,
                    np.int64(m), np.int64(n))
    elif count:
        backend.copy_into(info, backend.zeros(batch, _INT32))
    return lu, pivots, info


def cholesky(backend, a, upper):
    # the upper factor of a's upper triangle is the transposed lower factor of a^T's lower one
    work = _fresh(backend, _transposed(backend, backend._device_array(a)) if upper else a)
    n = work.shape[-1]
    batch = work.shape[:-2]
    count = math.prod(batch)
    info = backend.new(batch, _INT32)
    if count and n:
        _per_matrix(backend, "cholesky", work.dtype, count, n, work.buffer, info.buffer, np.int64(n))
    elif count:
        backend.copy_into(info, backend.zeros(batch, _INT32))
    lower = backend.tril(work, 0)
    return (backend.copy(_transposed(backend, lower)) if upper else lower), info


def _substitute(backend, a, x, upper, unitriangular):
    """x <- a^-1 x in place, a (batch, n, n) and x (batch, n, k) contiguous with the same batch."""
    n, k = x.shape[-2:]
    count = math.prod(x.shape[:-2])
    if not count or not n or not k:
        return x
    kernel = backend.kernel("decomposition", "solve_triangular", _defines(backend, x.dtype))
    backend.launch(kernel, count * k, a.buffer, x.buffer, np.int64(n), np.int64(k), np.int64(count),
                   np.int32(bool(upper)), np.int32(bool(unitriangular)))
    return x


def _operands(backend, a, b):
    """Contiguous copies of a and b over their broadcast batch dims, in their common dtype."""
    a, b = backend._device_array(a), backend._device_array(b)
    dtype = np.result_type(a.dtype, b.dtype)
    batch = tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    return (_fresh(backend, backend.astype(a, dtype), batch + a.shape[-2:]),
            _fresh(backend, backend.astype(b, dtype), batch + b.shape[-2:]))


def solve_triangular(backend, a, b, upper, left, unitriangular):
    a, b = backend._device_array(a), backend._device_array(b)
    if not left:  # X A = B  <=>  A^T X^T = B^T, and A^T has the other triangle
        x = solve_triangular(backend, _transposed(backend, a), _transposed(backend, b), not upper, True, unitriangular)
        return backend.copy(_transposed(backend, x))
    a, x = _operands(backend, a, b)
    return _substitute(backend, a, x, upper, unitriangular)


def qr(backend, a, mode):
    """Householder QR (opencl/decomposition.cl): R from the packed factors, Q by applying the reflectors to I."""
    packed = _fresh(backend, a)
    m, n = packed.shape[-2:]
    batch = packed.shape[:-2]
    count, k = math.prod(batch), min(m, n)
    tau = backend.new(batch + (k,), packed.dtype)
    if count and k:
        _per_matrix(backend, "householder_qr", packed.dtype, count, max(m, n), packed.buffer, tau.buffer,
                    np.int64(m), np.int64(n))
    rows = m if mode == "complete" else k
    r = backend.triu(backend.getitem(packed, (Ellipsis, slice(0, rows), slice(None))), 0)
    if mode == "r":
        return None, r
    q = backend.copy(backend.broadcast_to(backend.eye(m, rows, packed.dtype), batch + (m, rows)))
    if count and k and rows:
        _per_matrix(backend, "householder_q", packed.dtype, count, rows, packed.buffer, tau.buffer, q.buffer,
                    np.int64(m), np.int64(n), np.int64(rows))
    return q, r


def eigh(backend, a, upper, compute_v):
    """Cyclic Jacobi on the symmetric matrix one triangle of a gives; eigenvalues sorted ascending."""
    a = backend._device_array(a)
    half = backend.triu(a, 1) if upper else backend.tril(a, -1)
    work = backend.copy(backend.add(backend.add(half, _transposed(backend, half)),
                                    backend.triu(backend.tril(a, 0), 0)))
    n = work.shape[-1]
    batch = work.shape[:-2]
    count = math.prod(batch)
    vectors = backend.copy(backend.broadcast_to(backend.eye(n, n, work.dtype), work.shape))
    if count and n:
        _per_matrix(backend, "jacobi_eigh", work.dtype, count, n, work.buffer, vectors.buffer, np.int64(n))
    values, order = backend.sort(backend.copy(_diagonal(backend, work)), work.ndim - 2, False, True)
    if not compute_v:
        return values, None
    columns = backend.copy(backend.broadcast_to(backend.reshape(order, batch + (1, n)), work.shape))
    return values, backend.take_along_axis(vectors, columns, work.ndim - 1)


def svd(backend, a, full_matrices, compute_uv):
    """One-sided Jacobi on a (on a^T when it is wide), singular values sorted descending.

    The normalised columns are completed to an orthonormal basis (all m of them with
    full_matrices, else where a singular value is zero) by a complete Householder QR: its
    first columns are the singular vectors themselves, up to the signs of R's diagonal.
    """
    a = backend._device_array(a)
    m, n = a.shape[-2:]
    if m < n:  # a^T = U S V^T, so a = V S U^T
        u, s, vh = svd(backend, _transposed(backend, a), full_matrices, compute_uv)
        return (None, s, None) if not compute_uv else (backend.copy(_transposed(backend, vh)), s,
                                                      backend.copy(_transposed(backend, u)))
    work = _fresh(backend, a)
    batch = work.shape[:-2]
    count, axis = math.prod(batch), work.ndim - 1
    vectors = backend.copy(backend.broadcast_to(backend.eye(n, n, work.dtype), batch + (n, n)))
    if count and n:
        _per_matrix(backend, "jacobi_svd", work.dtype, count, m, work.buffer, vectors.buffer, np.int64(m),
                    np.int64(n))
    norms = backend.sqrt(backend.sum(backend.mul(work, work), axis - 1, False))
    values, order = backend.sort(norms, axis - 1, True, True)
    if not compute_uv:
        return None, values, None
    columns = backend.reshape(order, batch + (1, n))
    left = backend.take_along_axis(work, backend.copy(backend.broadcast_to(columns, batch + (m, n))), axis)
    right = backend.take_along_axis(vectors, backend.copy(backend.broadcast_to(columns, batch + (n, n))), axis)
    positive = backend.gt(values, 0)
    scale = backend.where(positive, backend.reciprocal(backend.where(positive, values, 1)), 0)
    left = backend.mul(left, backend.reshape(scale, batch + (1, n)))
    if full_matrices or not bool(backend.to_numpy(backend.all(positive, None, False))):
        q, r = qr(backend, left, "complete")
        signs = backend.where(backend.lt(_diagonal(backend, r), 0), -1, 1)
        q_lead = backend.mul(backend.getitem(q, (Ellipsis, slice(None), slice(0, n))),
                             backend.reshape(backend.astype(signs, work.dtype), batch + (1, n)))
        left = q_lead if not full_matrices else backend.concatenate(
            [q_lead, backend.getitem(q, (Ellipsis, slice(None), slice(n, m)))], axis)
    return left, values, backend.copy(_transposed(backend, right))


def lstsq(backend, a, b, rcond, driver):
    """LAPACK gels (QR for m >= n, LQ through a^T's QR otherwise), the one driver on the device as
    on CUDA: full-rank a; rank and singular values are empty."""
    if driver != "gels":
        raise NotImplementedError(f"lstsq with driver '{driver}' is not implemented on device {backend.device} "
                                  f"(only 'gels')")
    a, b = backend._device_array(a), backend._device_array(b)
    m, n = a.shape[-2:]
    batch = tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    a, b = _fresh(backend, a, batch + (m, n)), _fresh(backend, b, batch + b.shape[-2:])
    if m >= n:  # X = R^-1 Q^T B
        q, r = qr(backend, a, "reduced")
        solution = solve_triangular(backend, r, backend.gemm(q, b, True, False), True, True, False)
    else:  # a^T = Q R: X = Q R^-T B
        q, r = qr(backend, _transposed(backend, a), "reduced")
        solution = backend.gemm(q, solve_triangular(backend, _transposed(backend, r), b, False, True, False))
    empty = backend.new((0,), np.dtype(np.int64))
    return solution, empty, backend.new((0,), solution.dtype)


def _apply_pivots(backend, x, pivots):
    n, k = x.shape[-2:]
    count = math.prod(x.shape[:-2])
    steps = pivots.shape[-1]
    if count and k and steps:
        kernel = backend.kernel("decomposition", "apply_pivots", _defines(backend, x.dtype))
        backend.launch(kernel, count * k, x.buffer, pivots.buffer, np.int64(n), np.int64(k), np.int64(steps),
                       np.int64(count))
    return x


def solve(backend, a, b):
    a, x = _operands(backend, a, b)
    lu, pivots, info = lu_factor(backend, a)
    _apply_pivots(backend, x, pivots)
    _substitute(backend, lu, x, False, True)
    return _substitute(backend, lu, x, True, False), info


def inv(backend, a):
    a = backend._device_array(a)
    n = a.shape[-1]
    return solve(backend, a, backend.broadcast_to(backend.eye(n, n, a.dtype), a.shape))


def _diagonal(backend, a):
    """The main diagonal (batch, min(m, n)) of contiguous matrices: a view."""
    return backend.as_strided(a, a.shape[:-2] + (min(a.shape[-2:]),),
                              a.estrides[:-2] + (a.estrides[-2] + a.estrides[-1],), 0)


def _permutation_sign(backend, pivots, dtype):
    """(-1) ** (the number of rows the pivots interchange), as dtype."""
    steps = pivots.shape[-1]
    moved = backend.ne(pivots, backend.arange(1, steps + 1, 1, _INT32))
    swaps = backend.sum(backend.astype(moved, _INT32), pivots.ndim - 1, False)
    return backend.add(backend.mul(backend.astype(backend.remainder(swaps, 2), dtype), -2), 1)


def det(backend, a):
    lu, pivots, _ = lu_factor(backend, a)
    product = backend.prod(_diagonal(backend, lu), lu.ndim - 2, False)
    return backend.mul(product, _permutation_sign(backend, pivots, lu.dtype))


def slogdet(backend, a):
    lu, pivots, _ = lu_factor(backend, a)
    diagonal = _diagonal(backend, lu)
    axis = lu.ndim - 2
    signs = backend.prod(backend.sign(diagonal), axis, False)
    logabsdet = backend.sum(backend.log(backend.abs(diagonal)), axis, False)
    return backend.mul(signs, _permutation_sign(backend, pivots, lu.dtype)), logabsdet
