"""Matrix decompositions (LAPACK) and the functions built on them.

One ArrayFunction per decomposition: Inv, Solve, Det, SlogDet, Cholesky, SolveTriangular, QR,
SVD (and SVDVals), Eigh (and EigvalsH), Pinv, Lstsq and LuFactor. Each forward is one backend primitive
(``xp.inv``, ``xp.svd`` ...: LAPACK through NumPy/SciPy on the CPU, opencl/decomposition.cl on
OpenCL); each backward is PyTorch's formula for the real case, written with gemm and the same
primitives. A device lacking a primitive raises NotImplementedError naming the op and the device.

The public functions here are the torch.* names (det, slogdet, logdet, inverse, cholesky,
cholesky_solve, cholesky_inverse, qr, svd, pinverse, matrix_power, matrix_exp,
triangular_solve, lu_unpack); ``axonml.linalg`` holds the torch.linalg names, built on the same Functions.
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from .reduce import _legacy_name, return_types

__all__ = ["det", "slogdet", "logdet", "inverse", "cholesky", "cholesky_solve", "cholesky_inverse", "qr", "svd",
           "pinverse", "matrix_power", "matrix_exp", "triangular_solve", "lu_unpack"]

for _name, _fields in (("linalg_inv_ex", ["inverse", "info"]), ("linalg_cholesky_ex", ["L", "info"]),
                       ("linalg_solve_ex", ["result", "info"]), ("linalg_slogdet", ["sign", "logabsdet"]),
                       ("slogdet", ["sign", "logabsdet"]), ("linalg_qr", ["Q", "R"]), ("qr", ["Q", "R"]),
                       ("linalg_svd", ["U", "S", "Vh"]), ("svd", ["U", "S", "V"]),
                       ("linalg_eigh", ["eigenvalues", "eigenvectors"]),
                       ("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"]),
                       ("triangular_solve", ["solution", "cloned_coefficient"]),
                       ("linalg_lu_factor", ["LU", "pivots"]), ("linalg_lu_factor_ex", ["LU", "pivots", "info"]),
                       ("linalg_lu", ["P", "L", "U"]), ("lu_unpack", ["P", "L", "U"]),
                       ("linalg_ldl_factor", ["LD", "pivots"]),
                       ("linalg_ldl_factor_ex", ["LD", "pivots", "info"])):
    setattr(return_types, _name, namedtuple(_name, _fields))


class LinAlgError(RuntimeError):
    """A matrix the decomposition cannot handle: singular, not positive-definite (torch.linalg.LinAlgError)."""


# --- argument checks ---------------------------------------------------------------------------------

def _check_matrix(name: str, A, square: bool = True, what: str = "A") -> None:
    """PyTorch's checks on a (batch of) matrices: a floating Tensor of >= 2 dims, square if asked."""
    if not isinstance(A, Tensor):
        raise TypeError(f"{name}(): argument '{what}' must be Tensor, not {type(A).__name__}")
    shape = A._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"{name}: The input tensor {what} must have at least 2 dimensions.")
    _check_floating(name, A)
    if square and shape[-1] != shape[-2]:
        raise RuntimeError(f"{name}: {what} must be batches of square matrices, but they are {shape[-2]} by "
                           f"{shape[-1]} matrices")


def _check_floating(name: str, A: Tensor) -> None:
    kind = A._data.dtype
    if kind.kind not in "fV":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {_legacy_name(kind)}")
    if kind == np.float16:
        raise NotImplementedError(f"{name}: not implemented for 'Half'")


def _check_same_dtype(name: str, A: Tensor, B: Tensor) -> None:
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of type "
                           f"{_legacy_name(A._data.dtype)} and B of type {_legacy_name(B._data.dtype)} instead")


def _broadcast_batch(a_batch, b_batch) -> tuple:
    """The broadcast of two batch shapes, or PyTorch's error when they don't broadcast."""
    ndim = max(len(a_batch), len(b_batch))
    a = (1,) * (ndim - len(a_batch)) + tuple(a_batch)
    b = (1,) * (ndim - len(b_batch)) + tuple(b_batch)
    for dim in range(ndim):
        if a[dim] != b[dim] and a[dim] != 1 and b[dim] != 1:
            raise RuntimeError(f"The size of tensor a ({a[dim]}) must match the size of tensor b ({b[dim]}) at "
                               f"non-singleton dimension {dim}")
    return tuple(max(x, y) for x, y in zip(a, b))


def _is_vector_rhs(A: Tensor, B: Tensor) -> bool:
    """torch.linalg.solve's rule: B is a (batch of) vector(s) if 1-D, or shaped A.shape[:-1]."""
    b_shape = B._data.shape
    return len(b_shape) == 1 or (len(b_shape) == A._data.ndim - 1 and b_shape == A._data.shape[:-1])


def _lapack(name: str, fn, *args):
    """apply(fn, *args), naming the op when the device has no LAPACK primitive for it."""
    try:
        return apply(fn, *args)
    except NotImplementedError as error:
        raise NotImplementedError(f"{name}: {error} (move the input to the CPU with .cpu())") from None


def _raise_on_info(xp, info, message, error=None) -> None:
    """LinAlgError (or error) for the first matrix whose LAPACK info is nonzero; message(info) says why."""
    info = np.asarray(xp.to_numpy(info))
    failed = np.flatnonzero(info)
    if failed.size == 0:
        return
    first = int(failed[0])
    text = message(int(info.reshape(-1)[first]))
    if info.ndim:
        name, _, rest = text.partition(": ")
        text = f"{name}: (Batch element {first}): {rest}"
    raise (error or LinAlgError)(text)


def _singular(name):
    return lambda info: (f"{name}: The diagonal element {info} is zero, the inversion could not be completed "
                         f"because the input matrix is singular.")


def _not_positive_definite(name):
    return lambda info: (f"{name}: The factorization could not be completed because the input is not "
                         f"positive-definite (the leading minor of order {info} is not positive-definite).")


# --- array helpers shared by the backward formulas ------------------------------------------------------

def _mT(xp, a):
    """a with its last two dims swapped (a view)."""
    axes = tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2)
    return xp.transpose(a, axes)


def _row(xp, v):
    """(..., k) -> (..., 1, k), to scale the columns of a matrix."""
    return xp.reshape(v, v.shape[:-1] + (1, v.shape[-1]))


def _col(xp, v):
    """(..., k) -> (..., k, 1), to scale the rows of a matrix."""
    return xp.reshape(v, v.shape + (1,))


def _diag_embed(xp, v):
    """(..., k) -> (..., k, k) with v on the diagonal."""
    k = v.shape[-1]
    return xp.mul(xp.eye(k, k, v.dtype), _row(xp, v))


def _pairwise_gaps(xp, values):
    """E[..., i, j] = values_j - values_i, with 1 on the diagonal (where the gap is exactly 0)."""
    k = values.shape[-1]
    return xp.add(xp.sub(_row(xp, values), _col(xp, values)), xp.eye(k, k, values.dtype))


def _prod_except_self(xp, v):
    """out[..., i] = prod_{j != i} v[..., j], exact when v holds zeros (no division)."""
    k = v.shape[-1]
    ones = xp.ones(v.shape[:-1] + (1,), v.dtype)
    last = v.ndim - 1
    prefix = xp.concatenate([ones, xp.getitem(xp.cumprod(v, last), (Ellipsis, slice(0, k - 1)))], last)
    flipped = xp.getitem(v, (Ellipsis, slice(None, None, -1)))
    suffix = xp.concatenate([ones, xp.getitem(xp.cumprod(flipped, last), (Ellipsis, slice(0, k - 1)))], last)
    return xp.mul(prefix, xp.getitem(suffix, (Ellipsis, slice(None, None, -1))))


# --- inv, solve, det, slogdet -------------------------------------------------------------------------

class Inv(ArrayFunction):
    """(inverse, info); d(A^-1) = -A^-1 dA A^-1, so gA = -A^-T g A^-T."""

    def forward(ctx, a, check_errors, name):
        inverse, info = ctx.xp.inv(a)
        if check_errors:
            _raise_on_info(ctx.xp, info, _singular(name))
        ctx.save_for_backward(inverse)
        return inverse, info

    def backward(ctx, grad, grad_info):
        xp = ctx.xp
        inverse, = ctx.saved_tensors
        return xp.neg(xp.gemm(xp.gemm(inverse, grad, True, False), inverse, False, True)), None, None


class Solve(ArrayFunction):
    """(X, info) with A X = B for B (..., n, k): gB = A^-T gX, gA = -gB X^T (batch dims broadcast)."""

    def forward(ctx, a, b, check_errors):
        xp = ctx.xp
        x, info = xp.solve(a, b)
        if check_errors:
            _raise_on_info(xp, info, lambda _: "torch.linalg.solve: The solver failed because the input matrix is "
                                               "singular.")
        ctx.shapes = a.shape, b.shape
        ctx.save_for_backward(a, x)
        return x, info

    def backward(ctx, grad, grad_info):
        xp = ctx.xp
        a, x = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad[:2]
        grad_b, _ = xp.solve(_mT(xp, a), grad)
        grad_a = xp.sum_to(xp.neg(xp.gemm(grad_b, x, False, True)), ctx.shapes[0]) if needs_a else None
        return grad_a, xp.sum_to(grad_b, ctx.shapes[1]) if needs_b else None, None


def _det_grad(xp, a, det, grad):
    """g * d det(A)/dA = g * adj(A)^T: det(A) A^-T for invertible A, else through the SVD.

    With A = U S V^T, adj(A)^T = det(U) det(V) U diag(prod_{j != i} s_j) V^T (PyTorch's formula
    for singular inputs).
    """
    scale = _col(xp, _col(xp, xp.mul(grad, det)))
    if not xp.to_numpy(xp.any(xp.eq(det, 0), None, False)):
        inverse, _ = xp.inv(a)
        return xp.mul(scale, _mT(xp, inverse))
    u, s, vh = xp.svd(a, False, True)
    alpha = xp.mul(xp.det(u), xp.det(vh))
    weights = xp.mul(_prod_except_self(xp, s), _col(xp, xp.mul(grad, alpha)))
    return xp.gemm(xp.mul(u, _row(xp, weights)), vh)


class Det(ArrayFunction):
    def forward(ctx, a):
        out = ctx.xp.det(a)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return _det_grad(ctx.xp, a, out, grad)


class SlogDet(ArrayFunction):
    """(sign, log|det A|); only log|det| is differentiable: its gradient is A^-T."""

    def forward(ctx, a):
        ctx.mark_non_differentiable(0)
        sign, logabsdet = ctx.xp.slogdet(a)
        ctx.save_for_backward(a)
        return sign, logabsdet

    def backward(ctx, grad_sign, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        inverse, _ = xp.inv(a)
        return xp.mul(_col(xp, _col(xp, grad)), _mT(xp, inverse))


def det(A: Tensor) -> Tensor:
    """The determinant of a square matrix, or of each matrix in a batch (torch.linalg.det).

    Args:
        A: (*, n, n), float32 or float64.

    Example::

        >>> axonml.linalg.det(axonml.tensor([[2.0, 1.0], [1.0, 3.0]]))
        tensor(5.)
    """
    _check_matrix("linalg.det", A)
    return _lapack("linalg.det", Det, A)


def slogdet(A: Tensor):
    """(sign, logabsdet): the sign and the log of the absolute value of the determinant.

    Stable where det over- or underflows. Only logabsdet is differentiable.

    Args:
        A: (*, n, n).
    """
    _check_matrix("linalg.slogdet", A)
    return return_types.slogdet(*_lapack("linalg.slogdet", SlogDet, A))


def logdet(input: Tensor) -> Tensor:
    """log(det(input)): nan for a negative determinant, -inf for a zero one."""
    _check_matrix("logdet", input)
    sign, logabsdet = _lapack("logdet", SlogDet, input)
    return logabsdet.masked_fill(sign < 0, math.nan)


def _inv_ex(name: str, A: Tensor, check_errors: bool):
    _check_matrix(name, A)
    return _lapack(name, Inv, A, check_errors, name)


def inverse(input: Tensor) -> Tensor:
    """The inverse of a square matrix (or batch); a singular one raises LinAlgError (torch.linalg.inv).

    Args:
        input: (*, n, n).

    Example::

        >>> axonml.inverse(axonml.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    return _inv_ex("linalg.inv", input, True)[0]


def _solve_ex(name: str, A: Tensor, B: Tensor, left: bool, check_errors: bool):
    """(X, info) with A X = B (left) or X A = B; B may be a (batch of) vector(s)."""
    _check_matrix(name, A)
    if not isinstance(B, Tensor):
        raise TypeError(f"{name}(): argument 'B' must be Tensor, not {type(B).__name__}")
    _check_same_dtype(name, A, B)
    vector = _is_vector_rhs(A, B)
    b = B.unsqueeze(-1) if vector else B
    if b._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    n = A._data.shape[-1]
    rows = b._data.shape[-2] if left or vector else b._data.shape[-1]
    if rows != n:
        rhs = b._data.shape[-2:]
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {rhs[0]}x{rhs[1]})")
    _broadcast_batch(b._data.shape[:-2], A._data.shape[:-2])
    if left or vector:
        x, info = _lapack(name, Solve, A, b, check_errors)
    else:  # X A = B  <=>  A^T X^T = B^T
        x, info = _lapack(name, Solve, A.mT, b.mT, check_errors)
        x = x.mT
    return (x.squeeze(-1) if vector else x), info


# --- cholesky, triangular solves -----------------------------------------------------------------------

class Cholesky(ArrayFunction):
    """(factor, info). Backward (Murray 2016, as PyTorch): with L lower, Phi(X) = tril(X) with its
    diagonal halved, gA = L^-T sym(Phi(L^T gL)) L^-1, symmetric."""

    def forward(ctx, a, upper, check_errors, name):
        xp = ctx.xp
        factor, info = xp.cholesky(a, upper)
        if check_errors:
            _raise_on_info(xp, info, _not_positive_definite(name))
        ctx.upper = upper
        ctx.save_for_backward(factor)
        return factor, info

    def backward(ctx, grad, grad_info):
        xp = ctx.xp
        factor, = ctx.saved_tensors
        lower, grad = (_mT(xp, factor), _mT(xp, grad)) if ctx.upper else (factor, grad)
        phi = xp.tril(xp.gemm(lower, grad, True, False), 0)
        phi = xp.mul(xp.add(phi, _mT(xp, xp.tril(phi, -1))), 0.5)
        grad_a = xp.solve_triangular(_mT(xp, lower), phi, True, True, False)
        return xp.solve_triangular(lower, grad_a, False, False, False), None, None, None


class SolveTriangular(ArrayFunction):
    """X with A X = B (left) or X A = B, A triangular: gB solves the transposed system, gA = -gB X^T
    (or -X^T gB), kept to A's triangle (off the diagonal when unitriangular)."""

    def forward(ctx, a, b, upper, left, unitriangular):
        xp = ctx.xp
        x = xp.solve_triangular(a, b, upper, left, unitriangular)
        ctx.options = upper, left, unitriangular
        ctx.shapes = a.shape, b.shape
        ctx.save_for_backward(a, x if ctx.needs_input_grad[0] else None)
        return x

    def backward(ctx, grad):
        xp = ctx.xp
        a, x = ctx.saved_tensors
        upper, left, unitriangular = ctx.options
        needs_a, needs_b = ctx.needs_input_grad[:2]
        grad_b = xp.solve_triangular(_mT(xp, a), grad, not upper, left, unitriangular)
        grad_a = None
        if needs_a:
            grad_a = xp.neg(xp.gemm(grad_b, x, False, True) if left else xp.gemm(x, grad_b, True, False))
            k = 1 if unitriangular else 0
            grad_a = xp.triu(grad_a, k) if upper else xp.tril(grad_a, -k)
            grad_a = xp.sum_to(grad_a, ctx.shapes[0])
        return grad_a, xp.sum_to(grad_b, ctx.shapes[1]) if needs_b else None, None, None, None


def _cholesky_ex(name: str, A: Tensor, upper: bool, check_errors: bool):
    _check_matrix(name, A)
    return _lapack(name, Cholesky, A, bool(upper), check_errors, name)


def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """The Cholesky factor of a symmetric positive-definite matrix (or batch).

    Reads the lower triangle of input (the upper one with upper=True); a matrix that is not
    positive-definite raises LinAlgError.

    Args:
        input: (*, n, n).
        upper: return U with A = U^T U instead of L with A = L L^T.
    """
    return _cholesky_ex("linalg.cholesky", input, upper, True)[0]


def _solve_triangular(name: str, A: Tensor, B: Tensor, upper: bool, left: bool, unitriangular: bool) -> Tensor:
    _check_matrix(name, A)
    _check_matrix(name, B, square=False, what="B")
    _check_same_dtype(name, A, B)
    n = A._data.shape[-1]
    rhs = B._data.shape[-2:]
    if (rhs[0] if left else rhs[1]) != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {rhs[0]}x{rhs[1]})")
    _broadcast_batch(B._data.shape[:-2], A._data.shape[:-2])
    return _lapack(name, SolveTriangular, A, B, bool(upper), bool(left), bool(unitriangular))


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    """X with A X = input for A = L L^T given its Cholesky factor input2 = L (U with upper=True).

    Args:
        input: B, (*, n, k).
        input2: the Cholesky factor, (*, n, n); batch dims broadcast with B's.
    """
    lower = input2.mT if upper else input2
    y = _solve_triangular("cholesky_solve", lower, input, False, True, False)
    return _solve_triangular("cholesky_solve", lower.mT, y, True, True, False)


def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:
    """The inverse of A = L L^T (U^T U with upper=True) from its Cholesky factor."""
    _check_matrix("cholesky_inverse", input)
    n = input._data.shape[-1]
    from ..creation import eye
    identity = eye(n, dtype=input.dtype, device=input.device)
    return cholesky_solve(identity.expand(input.shape), input, upper)


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False):
    """(solution, cloned_coefficient) of A X = b (A^T X = b with transpose=True), A triangular."""
    coefficient = A.mT if transpose else A
    x = _solve_triangular("triangular_solve", coefficient, b, upper != transpose, True, unitriangular)
    return return_types.triangular_solve(x, A.clone())


# --- qr ---------------------------------------------------------------------------------------------------

def _copyltu(xp, m):
    """The symmetric matrix whose lower triangle is m's."""
    return xp.add(xp.tril(m, 0), _mT(xp, xp.tril(m, -1)))


def _qr_backward_deep(xp, grad_q, grad_r, q, r):
    """A = QR with R square (m >= n): gA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q."""
    m = xp.sub(xp.gemm(r, grad_r, False, True), xp.gemm(grad_q, q, True, False))
    b = xp.add(grad_q, xp.gemm(q, _copyltu(xp, m)))
    return xp.solve_triangular(_mT(xp, r), b, False, False, False)


class QR(ArrayFunction):
    """(Q, R), Q empty for mode 'r'. Differentiable where R's leading square block determines Q:
    mode 'reduced', or 'complete' with m <= n."""

    def forward(ctx, a, mode):
        xp = ctx.xp
        q, r = xp.qr(a, mode)
        ctx.mode = mode
        ctx.save_for_backward(q, r)
        return (xp.empty((0,), a.dtype) if q is None else q), r

    def backward(ctx, grad_q, grad_r):
        xp = ctx.xp
        q, r = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                               "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_backward_deep(xp, grad_q, grad_r, q, r), None
        # A = Q [R1 | R2] with A = [X | Y]: Y = Q R2 adds Y gR2^T to gQ and gives gY = Q gR2
        lead, tail = (Ellipsis, slice(None), slice(0, m)), (Ellipsis, slice(None), slice(m, n))
        grad_r2 = xp.getitem(grad_r, tail)
        y = xp.gemm(q, xp.getitem(r, tail))
        grad_x = _qr_backward_deep(xp, xp.add(grad_q, xp.gemm(y, grad_r2, False, True)), xp.getitem(grad_r, lead), q,
                                   xp.getitem(r, lead))
        return xp.concatenate([grad_x, xp.gemm(q, grad_r2)], q.ndim - 1), None


_QR_MODES = ("reduced", "complete", "r")


def _qr(name: str, A: Tensor, mode: str):
    _check_matrix(name, A, square=False)
    if mode not in _QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           f"or 'complete'")
    return _lapack(name, QR, A, mode)


def qr(input: Tensor, some: bool = True):
    """(Q, R) with input = Q R (torch.qr): reduced with some=True, complete otherwise."""
    return return_types.qr(*_qr("qr", input, "reduced" if some else "complete"))


# --- svd ------------------------------------------------------------------------------------------------

def _svd_backward(xp, grad_u, grad_s, grad_vh, u, s, vh):
    """PyTorch's svd_backward (real case) for A = U diag(S) Vh with k = min(m, n) columns of U.

    gA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] Vh
         + (I - U U^T) gU S^-1 Vh + U S^-1 gVh (I - V V^T),
    with skew(X) = X - X^T and E_ij = s_j^2 - s_i^2. Both outer terms vanish when U (or V) is square.
    """
    m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
    if u.shape[-1] != k:  # full_matrices: only the first k singular vectors enter A
        u, grad_u = (xp.getitem(x, (Ellipsis, slice(None), slice(0, k))) for x in (u, grad_u))
    if vh.shape[-2] != k:
        vh, grad_vh = (xp.getitem(x, (Ellipsis, slice(0, k), slice(None))) for x in (vh, grad_vh))
    s_row, s_col = _row(xp, s), _col(xp, s)
    uh_gu = xp.gemm(u, grad_u, True, False)
    vh_gv = xp.gemm(vh, grad_vh, False, True)
    inner = xp.add(xp.mul(xp.sub(uh_gu, _mT(xp, uh_gu)), s_row), xp.mul(s_col, xp.sub(vh_gv, _mT(xp, vh_gv))))
    inner = xp.add(xp.div(inner, _pairwise_gaps(xp, xp.mul(s, s))), _diag_embed(xp, grad_s))
    if m > k:
        grad_u_sinv = xp.div(grad_u, s_row)
        left = xp.add(xp.gemm(u, inner), xp.sub(grad_u_sinv, xp.gemm(u, xp.gemm(u, grad_u_sinv, True, False))))
        return xp.gemm(left, vh)
    right = xp.gemm(inner, vh)
    if n > k:
        grad_vh_sinv = xp.div(grad_vh, s_col)
        right = xp.add(right, xp.sub(grad_vh_sinv, xp.gemm(xp.gemm(grad_vh_sinv, vh, False, True), vh)))
    return xp.gemm(u, right)


class SVD(ArrayFunction):
    """(U, S, Vh) with A = U diag(S) Vh; S descending."""

    def forward(ctx, a, full_matrices):
        u, s, vh = ctx.xp.svd(a, full_matrices, True)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    def backward(ctx, grad_u, grad_s, grad_vh):
        u, s, vh = ctx.saved_tensors
        return _svd_backward(ctx.xp, grad_u, grad_s, grad_vh, u, s, vh), None


class SVDVals(ArrayFunction):
    """The singular values alone; the vectors are computed only when a gradient needs them: gA = U diag(gS) Vh."""

    def forward(ctx, a):
        xp = ctx.xp
        if not ctx.needs_input_grad[0]:
            return xp.svd(a, False, False)[1]
        u, s, vh = xp.svd(a, False, True)
        ctx.save_for_backward(u, vh)
        return s

    def backward(ctx, grad):
        xp = ctx.xp
        u, vh = ctx.saved_tensors
        return xp.gemm(xp.mul(u, _row(xp, grad)), vh)


def _svd(name: str, A: Tensor, full_matrices: bool):
    _check_matrix(name, A, square=False)
    return _lapack(name, SVD, A, bool(full_matrices))


def _svdvals(name: str, A: Tensor) -> Tensor:
    _check_matrix(name, A, square=False)
    return _lapack(name, SVDVals, A)


def svd(input: Tensor, some: bool = True, compute_uv: bool = True):
    """(U, S, V) with input = U diag(S) V^T (torch.svd: V, not V^T; reduced with some=True).

    With compute_uv=False, U and V are zero-filled (m, m) and (n, n) matrices, as in PyTorch.
    """
    if not compute_uv:
        s = _svdvals("svd", input)
        (m, n), batch = input.shape[-2:], tuple(input.shape[:-2])
        from ..creation import zeros
        return return_types.svd(zeros(batch + (m, m), dtype=input.dtype, device=input.device), s,
                                zeros(batch + (n, n), dtype=input.dtype, device=input.device))
    u, s, vh = _svd("svd", input, not some)
    return return_types.svd(u, s, vh.mT)


# --- eigh -----------------------------------------------------------------------------------------------

def _eigh_backward(xp, grad_values, grad_vectors, values, vectors):
    """PyTorch's eigh backward: gA = V (skew(V^T gV) / 2E + diag(gL)) V^T with E_ij = L_j - L_i."""
    vh_gv = xp.gemm(vectors, grad_vectors, True, False)
    inner = xp.div(xp.mul(xp.sub(vh_gv, _mT(xp, vh_gv)), 0.5), _pairwise_gaps(xp, values))
    inner = xp.add(inner, _diag_embed(xp, grad_values))
    return xp.gemm(xp.gemm(vectors, inner), vectors, False, True)


class Eigh(ArrayFunction):
    """(eigenvalues ascending, eigenvectors as columns) of a symmetric matrix, from one triangle."""

    def forward(ctx, a, upper):
        values, vectors = ctx.xp.eigh(a, upper, True)
        ctx.save_for_backward(values, vectors)
        return values, vectors

    def backward(ctx, grad_values, grad_vectors):
        values, vectors = ctx.saved_tensors
        return _eigh_backward(ctx.xp, grad_values, grad_vectors, values, vectors), None


class EigvalsH(ArrayFunction):
    """The eigenvalues alone; their gradient is V diag(gL) V^T."""

    def forward(ctx, a, upper):
        xp = ctx.xp
        if not ctx.needs_input_grad[0]:
            return xp.eigh(a, upper, False)[0]
        values, vectors = xp.eigh(a, upper, True)
        ctx.save_for_backward(vectors)
        return values

    def backward(ctx, grad):
        xp = ctx.xp
        vectors, = ctx.saved_tensors
        return xp.gemm(xp.mul(vectors, _row(xp, grad)), vectors, False, True), None


def _eigh(name: str, fn, A: Tensor, UPLO: str):
    _check_matrix(name, A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return _lapack(name, fn, A, UPLO == "U")


# --- pinv, lstsq ------------------------------------------------------------------------------------------

def _pinv_forward(xp, a, atol, rtol, hermitian):
    """Moore-Penrose pseudo-inverse from the SVD (eigh when hermitian), dropping singular values
    at or below max(atol, rtol * largest)."""
    if hermitian:
        values, vectors = xp.eigh(a, False, True)
        magnitude = xp.abs(values)
    else:
        u, magnitude, vh = xp.svd(a, False, True)
    if magnitude.shape[-1] == 0:
        return xp.zeros(a.shape[:-2] + (a.shape[-1], a.shape[-2]), a.dtype)
    largest = xp.max(magnitude, magnitude.ndim - 1, True)
    threshold = xp.maximum(xp.mul(largest, rtol), atol)
    keep = xp.gt(magnitude, threshold)
    divisor = values if hermitian else magnitude
    scale = xp.where(keep, xp.reciprocal(xp.where(keep, divisor, 1)), 0)
    if hermitian:
        return xp.gemm(xp.mul(vectors, _row(xp, scale)), vectors, False, True)
    return xp.gemm(xp.mul(vh, _col(xp, scale)), u, True, True)


def _pinv_backward(xp, grad, pinv, a):
    """PyTorch's pinv_backward (exact where the rank is locally constant), arranged so that the
    products have the smaller of a's two dimensions."""
    m, n = a.shape[-2], a.shape[-1]
    pinv_h, grad_h = _mT(xp, pinv), _mT(xp, grad)
    if m <= n:
        k = xp.gemm(grad_h, pinv)
        k_pinv_h = xp.gemm(k, pinv_h)
        out = xp.sub(k_pinv_h, _mT(xp, xp.gemm(pinv, k)))
        out = xp.sub(out, xp.gemm(xp.gemm(a, pinv), k_pinv_h))
        return xp.add(out, xp.gemm(xp.gemm(pinv_h, pinv), xp.sub(grad_h, xp.gemm(k, a))))
    k = xp.gemm(pinv, grad_h)
    pinv_h_k = xp.gemm(pinv_h, k)
    out = xp.sub(pinv_h_k, _mT(xp, xp.gemm(k, pinv)))
    out = xp.add(out, xp.gemm(xp.gemm(xp.sub(grad_h, xp.gemm(a, k)), pinv), pinv_h))
    return xp.sub(out, xp.gemm(xp.gemm(pinv_h_k, pinv), a))


class Pinv(ArrayFunction):
    def forward(ctx, a, atol, rtol, hermitian):
        out = _pinv_forward(ctx.xp, a, atol, rtol, hermitian)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        a, pinv = ctx.saved_tensors
        return _pinv_backward(ctx.xp, grad, pinv, a), None, None, None


def _tolerances(xp_dtype, shape, atol, rtol):
    """PyTorch's defaults: rtol = eps * max(m, n) unless only a positive atol is given."""
    if rtol is None:
        rtol = 0.0 if atol is not None and _positive(atol) else float(np.finfo(xp_dtype).eps) * max(shape[-2:])
    return (0.0 if atol is None else atol), rtol


def _positive(value) -> bool:
    if isinstance(value, Tensor):
        return bool(np.all(np.asarray(value.detach().cpu()) > 0))
    return value > 0


def _tolerance_operand(value, A: Tensor):
    """A float stays a float; a Tensor tolerance broadcasts over A's batch dims (shaped (*, 1))."""
    if isinstance(value, Tensor):
        return value.detach().to(A.device).type_as(A).unsqueeze(-1)
    return float(value)


def _pinv(name: str, A: Tensor, atol, rtol, hermitian: bool) -> Tensor:
    _check_matrix(name, A, square=hermitian)
    atol, rtol = _tolerances(A._data.dtype, A._data.shape, atol, rtol)
    return _lapack(name, Pinv, A, _tolerance_operand(atol, A), _tolerance_operand(rtol, A), bool(hermitian))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, dropping singular values below rcond times the largest (torch.pinverse)."""
    return _pinv("pinverse", input, 0.0, rcond, False)


class Lstsq(ArrayFunction):
    """(solution, rank, singular_values) of min ||A X - B||; X = pinv(A) B gives the gradients
    (PyTorch's lstsq backward): gA through pinv's backward, gB = pinv(A)^T gX."""

    def forward(ctx, a, b, rcond, driver):
        ctx.mark_non_differentiable(2)
        ctx.shapes = a.shape, b.shape
        ctx.save_for_backward(a, b)
        return ctx.xp.lstsq(a, b, rcond, driver)

    def backward(ctx, grad, grad_rank, grad_singular_values):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad[:2]
        atol, rtol = _tolerances(a.dtype, a.shape, None, None)
        pinv = _pinv_forward(xp, a, atol, rtol, False)
        grad_a = xp.sum_to(_pinv_backward(xp, xp.gemm(grad, b, False, True), pinv, a), ctx.shapes[0]) \
            if needs_a else None
        grad_b = xp.sum_to(xp.gemm(pinv, grad, True, False), ctx.shapes[1]) if needs_b else None
        return grad_a, grad_b, None, None


# --- lu ---------------------------------------------------------------------------------------------------

def _permutations(pivots: np.ndarray, m: int) -> np.ndarray:
    """perm (..., m) with A[perm] = L U, from getrf's 1-based sequential row interchanges."""
    perm = np.broadcast_to(np.arange(m), pivots.shape[:-1] + (m,)).copy()
    for index in np.ndindex(*pivots.shape[:-1]):
        row = perm[index]
        for i, p in enumerate(pivots[index] - 1):
            row[i], row[p] = row[p], row[i]
    return perm


def _permutation_matrix(pivots: np.ndarray, m: int, dtype) -> np.ndarray:
    """P (..., m, m) with A = P L U: column j of P is e_perm[j]."""
    perm = _permutations(pivots, m)
    out = np.zeros(perm.shape + (m,), dtype)
    np.put_along_axis(out, perm[..., None, :], 1, axis=-2)
    return out


def _unpack(xp, lu):
    """(L (..., m, k) unit lower, U (..., k, n) upper) from getrf's packed factors."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    lower = xp.add(xp.tril(xp.getitem(lu, (Ellipsis, slice(None), slice(0, k))), -1), xp.eye(m, k, lu.dtype))
    return lower, xp.triu(xp.getitem(lu, (Ellipsis, slice(0, k), slice(None))), 0)


def _lu_backward(xp, grad_l, grad_u, p, lower, upper):
    """PyTorch's linalg_lu_backward (real case) for A = P L U, gL strictly lower, gU upper.

    Square: gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T; the wide and tall cases treat the
    trailing columns of U (rows of L) as in PyTorch.
    """
    m, n = lower.shape[-2], upper.shape[-1]
    k = min(m, n)
    if m == n:
        grad = xp.add(xp.tril(xp.gemm(lower, grad_l, True, False), -1), xp.triu(xp.gemm(grad_u, upper, False, True), 0))
        grad = xp.solve_triangular(_mT(xp, upper), grad, False, False, False)
        grad = xp.solve_triangular(_mT(xp, lower), grad, True, True, True)
    elif m < n:
        lead, tail = (Ellipsis, slice(None), slice(0, k)), (Ellipsis, slice(None), slice(k, n))
        grad = xp.sub(xp.gemm(lower, grad_l, True, False), xp.gemm(grad_u, upper, False, True))
        grad = xp.solve_triangular(_mT(xp, xp.getitem(upper, lead)), xp.tril(grad, -1), False, False, False)
        grad = xp.concatenate([xp.add(grad, xp.getitem(grad_u, lead)), xp.getitem(grad_u, tail)], grad.ndim - 1)
        grad = xp.solve_triangular(_mT(xp, lower), grad, True, True, True)
    else:
        lead, tail = (Ellipsis, slice(0, k), slice(None)), (Ellipsis, slice(k, m), slice(None))
        grad = xp.sub(xp.gemm(grad_u, upper, False, True), xp.gemm(lower, grad_l, True, False))
        grad = xp.solve_triangular(_mT(xp, xp.getitem(lower, lead)), xp.triu(grad, 0), True, True, True)
        grad = xp.concatenate([xp.add(grad, xp.getitem(grad_l, lead)), xp.getitem(grad_l, tail)], grad.ndim - 2)
        grad = xp.solve_triangular(_mT(xp, upper), grad, False, False, False)
    return xp.gemm(p, grad)


class LuFactor(ArrayFunction):
    """(LU, pivots, info): A = P L U packed as LAPACK getrf does; differentiable in LU."""

    def forward(ctx, a, check_errors, name):
        xp = ctx.xp
        lu, pivots, info = xp.lu_factor(a)
        if check_errors:
            _raise_on_info(xp, info, lambda i: f"{name}: U[{i},{i}] is zero and using it on lu_solve would "
                                               f"result in a division by zero. If you still want to perform the "
                                               f"factorization, consider calling linalg.lu(A, pivot) or "
                                               f"linalg.lu_factor_ex(A, pivot)", error=RuntimeError)
        ctx.save_for_backward(lu, pivots)
        return lu, pivots, info

    def backward(ctx, grad, grad_pivots, grad_info):
        xp = ctx.xp
        lu, pivots = ctx.saved_tensors
        lower, upper = _unpack(xp, lu)
        grad_l, grad_u = _unpack(xp, grad)
        grad_l = xp.tril(grad_l, -1)  # the unit diagonal is not a variable
        p = xp.asarray(_permutation_matrix(np.asarray(xp.to_numpy(pivots)), lu.shape[-2], lu.dtype))
        return _lu_backward(xp, grad_l, grad_u, p, lower, upper), None, None


class LdlFactor(ArrayFunction):
    """(LD, pivots, info): the Bunch-Kaufman L D L^T of a symmetric (hermitian) A, as LAPACK sytrf.

    Not differentiable, as in PyTorch: a backward through it raises."""

    def forward(ctx, a, hermitian, check_errors, name):
        xp = ctx.xp
        ld, pivots, info = xp.ldl_factor(a, hermitian)
        if check_errors:
            _raise_on_info(xp, info, lambda i: f"{name}: The factorization could not be completed because the "
                                               f"input is singular (D[{i},{i}] is exactly zero).")
        ctx.name = name
        return ld, pivots, info

    def backward(ctx, grad, grad_pivots, grad_info):
        raise RuntimeError(f"the derivative for '{ctx.name}' is not implemented.")


def _ldl_factor_ex(name: str, A: Tensor, hermitian: bool, check_errors: bool):
    _check_matrix(name, A)
    return _lapack(name, LdlFactor, A, hermitian, check_errors, name)


def _ldl_solve(name: str, LD: Tensor, pivots: Tensor, B: Tensor, hermitian: bool) -> Tensor:
    """X with A X = B from ldl_factor's output; not differentiable, as in PyTorch."""
    _check_matrix(name, LD, what="LD")
    _check_matrix(name, B, square=False, what="B")
    if not isinstance(pivots, Tensor) or pivots._data.dtype != np.int32:
        raise RuntimeError(f"{name}: Expected pivots to be an int32 Tensor")
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(f"{name}: Expected LD.shape[:-1] and pivots.shape to be the same, but got "
                           f"{tuple(LD.shape)} and {tuple(pivots.shape)}")
    if B.shape[-2] != LD.shape[-1]:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation AX = B "
                           f"({LD.shape[-1]}x{LD.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
    _check_same_dtype(name, LD, B)
    if LD.device != B.device or pivots.device != LD.device:
        raise RuntimeError(f"{name}: Expected LD, pivots and B to be on the same device")
    return _lapack(name, LdlSolve, LD, pivots, B, hermitian, name)


class LdlSolve(ArrayFunction):
    """X with A X = B from ldl_factor's (LD, pivots), as LAPACK sytrs; not differentiable, as in PyTorch."""

    def forward(ctx, ld, pivots, b, hermitian, name):
        ctx.name = name
        return ctx.xp.ldl_solve(ld, pivots, b, hermitian)

    def backward(ctx, grad):
        raise RuntimeError(f"the derivative for '{ctx.name}' is not implemented.")


def _lu_factor_ex(name: str, A: Tensor, pivot: bool, check_errors: bool):
    _check_matrix(name, A, square=False)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    return _lapack(name, LuFactor, A, check_errors, name)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True):
    """(P, L, U) with A = P L U from lu_factor's packed LU and pivots; differentiable in LU_data.

    Args:
        LU_data: (*, m, n) packed factors.
        LU_pivots: (*, min(m, n)) int32 1-based row interchanges.
        unpack_data, unpack_pivots: compute L and U, P (an empty tensor where not).
    """
    _check_matrix("lu_unpack", LU_data, square=False, what="LU_data")
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    empty = LU_data.new_empty((0,))
    lower = upper = empty
    if unpack_data:
        from ..creation import eye
        lower = LU_data[..., :, :k].tril(-1) + eye(m, k, dtype=LU_data.dtype, device=LU_data.device)
        upper = LU_data[..., :k, :].triu()
    p = empty
    if unpack_pivots:
        pivots = np.asarray(LU_pivots.cpu().numpy(), np.int64)
        from ..creation import from_numpy
        p = from_numpy(_permutation_matrix(pivots, m, LU_data._data.dtype)).to(LU_data.device)
    return return_types.lu_unpack(p, lower, upper)


def _lu_solve(name: str, LU: Tensor, pivots: Tensor, B: Tensor, left: bool, adjoint: bool) -> Tensor:
    """X with A X = B (X A = B when not left; A^T in place of A when adjoint) for A = P L U."""
    _check_matrix(name, LU, what="LU")
    _check_matrix(name, B, square=False, what="B")
    n = LU.shape[-1]
    rhs = B.shape[-2:]
    if (rhs[0] if left else rhs[1]) != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {rhs[0]}x{rhs[1]})")
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return _lu_solve(name, LU, pivots, B.mT, True, not adjoint).mT
    p = lu_unpack(LU, pivots, unpack_data=False).P
    if not adjoint:  # X = U^-1 L^-1 P^T B
        y = _solve_triangular(name, LU, p.mT @ B, False, True, True)
        return _solve_triangular(name, LU, y, True, True, False)
    y = _solve_triangular(name, LU.mT, B, False, True, False)  # A^T = U^T L^T P^T: X = P L^-T U^-T B
    return p @ _solve_triangular(name, LU.mT, y, True, True, True)


# --- matrix_power, matrix_exp -------------------------------------------------------------------------------

def _identity_like(A: Tensor) -> Tensor:
    from ..creation import eye
    return eye(A.shape[-1], dtype=A.dtype, device=A.device)


def matrix_power(input: Tensor, n: int) -> Tensor:
    """input raised to the integer power n, by repeated squaring; negative n inverts first.

    Args:
        input: (*, m, m).
        n: the exponent; 0 gives the identity (with a zero gradient).
    """
    name = "linalg.matrix_power"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'A' must be Tensor, not {type(input).__name__}")
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    shape = input._data.shape
    if shape[-1] != shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {shape[-2]} by {shape[-1]} "
                           f"matrices")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{name}(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:
        return input * 0 + _identity_like(input)
    if n < 0:
        input = _inv_ex("linalg.inv", input, True)[0]
        n = -n
    result, square = None, input
    while True:
        if n & 1:
            result = square if result is None else result @ square
        n >>= 1
        if not n:
            return result
        square = square @ square


# Taylor series of exp to this degree on A / 2^s with ||A / 2^s||_1 <= 1/2: the truncation error
# (1/2)^19 / 19! is below float64's resolution.
_EXP_TAYLOR_DEGREE = 18


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential sum_k A^k / k!, by scaling and squaring a Taylor polynomial.

    Composed from matmul, so it runs on every device and is differentiated through the same
    products (the gradient of the polynomial, equal to exp's to rounding).

    Args:
        A: (*, n, n).
    """
    _check_matrix("linalg.matrix_exp", A)
    if A._data.size == 0:
        return A.clone()
    one_norm = float(A.detach().abs().sum(-2).amax().item())
    squarings = max(0, math.ceil(math.log2(one_norm / 0.5))) if one_norm > 0.5 else 0
    scaled = A / float(2 ** squarings) if squarings else A
    identity = _identity_like(A)
    result = identity + scaled / _EXP_TAYLOR_DEGREE
    for k in range(_EXP_TAYLOR_DEGREE - 1, 0, -1):  # Horner: I + X/1 (I + X/2 (I + ...))
        result = identity + (scaled @ result) / k
    for _ in range(squarings):
        result = result @ result
    return result

