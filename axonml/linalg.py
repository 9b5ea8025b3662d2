"""torch.linalg: norms, decompositions, inverses, solvers and matrix functions.

The decompositions (inv, solve, det, slogdet, cholesky, qr, svd, eigh, pinv, lstsq,
solve_triangular, lu_factor) are one op each in axonml/ops/decomposition.py, on LAPACK on the
CPU and on kernels of their own on OpenCL (opencl/decomposition.cl); a device lacking one
raises NotImplementedError naming the op and the device. The norms, cross, vecdot,
multi_dot, matrix_power, matrix_exp, vander, householder_product and the tensor inverses
are composed from other ops, so they run wherever those do.
Every function is batched over the leading dims, as in PyTorch.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .ops import decomposition as _decomposition
from .ops.decomposition import LinAlgError, det, matrix_exp, matrix_power, slogdet as _slogdet
from .ops.decomposition import return_types as _return_types
from .ops.linalg import _cross
from .ops.linalg import matmul
from .creation import ones_like
from .ops.reduce import norm as _vector_norm_op
from .ops.shape import cat
from .ops.shape import diagonal as _diagonal
from .tensor import Tensor

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "solve", "solve_ex", "det",
           "slogdet", "cholesky", "cholesky_ex", "solve_triangular", "qr", "svd", "svdvals", "eigh", "eigvalsh",
           "pinv", "lstsq", "matrix_rank", "lu_factor", "lu_factor_ex", "lu", "lu_solve", "ldl_factor", "ldl_factor_ex",
           "ldl_solve", "householder_product",
           "matrix_power", "matrix_exp", "cond", "cross", "vecdot", "multi_dot", "matmul", "diagonal", "vander",
           "tensorinv", "tensorsolve"]


# --- inverses and solvers ----------------------------------------------------------------------------

def inv(A: Tensor) -> Tensor:
    """The inverse of a square matrix (or of each in a batch).

    Args:
        A: (*, n, n), float32 or float64.

    Raises:
        LinAlgError: if a matrix is singular (an exactly zero pivot).

    Example::

        >>> A = axonml.randn(3, 3, dtype=axonml.float64)
        >>> axonml.allclose(A @ axonml.linalg.inv(A), axonml.eye(3, dtype=axonml.float64))
        True
    """
    return _decomposition.inverse(A)


def inv_ex(A: Tensor, *, check_errors: bool = False):
    """(inverse, info) without raising for a singular matrix: info is LAPACK's (0: success, i > 0:
    the i-th pivot is zero and that inverse is not valid); check_errors=True raises as inv."""
    return _return_types.linalg_inv_ex(*_decomposition._inv_ex("linalg.inv_ex", A, check_errors))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (X A = B when left=False), without forming A^-1.

    Args:
        A: (*, n, n).
        B: (*, n, k), or (*, n) / (n,) for vectors; batch dims broadcast with A's.
        left: solve A X = B (True) or X A = B (False).

    Example::

        >>> A, b = axonml.randn(3, 3), axonml.randn(3)
        >>> x = axonml.linalg.solve(A, b)
    """
    return _decomposition._solve_ex("linalg.solve", A, B, left, True)[0]


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False):
    """(result, info): solve that reports a singular A in info instead of raising."""
    return _return_types.linalg_solve_ex(*_decomposition._solve_ex("linalg.solve_ex", A, B, left, check_errors))


def slogdet(A: Tensor):
    """(sign, logabsdet) of det(A), stable where det itself over- or underflows."""
    sign, logabsdet = _slogdet(A)
    return _return_types.linalg_slogdet(sign, logabsdet)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """L with A = L L^T for a symmetric positive-definite A (U with A = U^T U when upper=True).

    Reads only A's lower (upper) triangle.

    Raises:
        LinAlgError: if a matrix is not positive-definite.
    """
    return _decomposition._cholesky_ex("linalg.cholesky", A, upper, True)[0]


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False):
    """(L, info): info is the order of the leading minor that is not positive-definite (0: success)."""
    return _return_types.linalg_cholesky_ex(*_decomposition._cholesky_ex("linalg.cholesky_ex", A, upper,
                                                                         check_errors))


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """X with A X = B (X A = B when left=False) for a triangular A, by substitution.

    Args:
        A: (*, n, n); only its upper (upper=True) or lower triangle is read.
        B: (*, n, k) (or (*, k, n) with left=False); batch dims broadcast.
        unitriangular: take A's diagonal to be ones (it is not read).
    """
    return _decomposition._solve_triangular("linalg.solve_triangular", A, B, upper, left, unitriangular)


# --- decompositions ----------------------------------------------------------------------------------

def qr(A: Tensor, mode: str = "reduced"):
    """(Q, R) with A = Q R, Q orthonormal columns, R upper triangular.

    Args:
        A: (*, m, n).
        mode: 'reduced' (Q (*, m, k), R (*, k, n), k = min(m, n)), 'complete' (Q (*, m, m),
            R (*, m, n)) or 'r' (R only; Q is empty and the result is not differentiable).
    """
    return _return_types.linalg_qr(*_decomposition._qr("linalg.qr", A, mode))


def svd(A: Tensor, full_matrices: bool = True, *, driver=None):
    """(U, S, Vh) with A = U diag(S) Vh, singular values S descending.

    Singular vectors are unique only up to sign (per pair), so differentiate only functions
    that do not depend on that choice (as in PyTorch).

    Args:
        A: (*, m, n).
        full_matrices: U (*, m, m) and Vh (*, n, n) when True; (*, m, k) and (*, k, n) otherwise.
        driver: accepted for PyTorch's signature (a CUDA option); ignored.
    """
    return _return_types.linalg_svd(*_decomposition._svd("linalg.svd", A, full_matrices))


def svdvals(A: Tensor, *, driver=None) -> Tensor:
    """The singular values of A (*, m, n), descending, shaped (*, min(m, n))."""
    return _decomposition._svdvals("linalg.svdvals", A)


def eigh(A: Tensor, UPLO: str = "L"):
    """(eigenvalues ascending, eigenvectors as columns) of a symmetric matrix.

    Args:
        A: (*, n, n); only its lower (UPLO='L') or upper ('U') triangle is read.
    """
    return _return_types.linalg_eigh(*_decomposition._eigh("linalg.eigh", _decomposition.Eigh, A, UPLO))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of a symmetric matrix, ascending."""
    return _decomposition._eigh("linalg.eigvalsh", _decomposition.EigvalsH, A, UPLO)


def pinv(A: Tensor, rcond=None, hermitian: bool = False, *, atol=None, rtol=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse, from the SVD (from eigh when hermitian).

    Singular values at or below max(atol, rtol * largest) are treated as zero. By default
    atol = 0 and rtol = eps * max(m, n); given only a positive atol, rtol is 0.

    Args:
        A: (*, m, n).
        rcond: PyTorch's older name for rtol.
        hermitian: A is symmetric (only its lower triangle is read).
        atol, rtol: floats, or tensors broadcast over A's batch dims.
    """
    if rcond is not None:
        atol, rtol = 0.0, rcond
    return _decomposition._pinv("linalg.pinv", A, atol, rtol, hermitian)


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None):
    """(solution, residuals, rank, singular_values) of min ||A X - B||_F.

    Args:
        A: (*, m, n).
        B: (*, m, k), or (*, m) for vectors; batch dims broadcast.
        rcond: singular values below rcond * largest count as zero (default eps * max(m, n)).
        driver: LAPACK's 'gelsy' (the CPU's default: QR with column pivoting), 'gelsd', 'gelss'
            (SVD) or 'gels' (QR, full rank only: OpenCL's default and only driver).

    What a driver does not compute is an empty tensor, as in PyTorch: rank for 'gels',
    singular_values but for 'gelsd'/'gelss', residuals unless m > n, every matrix has full
    rank and the driver is not 'gelsy'.
    """
    name = "torch.linalg.lstsq"
    _decomposition._check_matrix("linalg.lstsq", A, square=False)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.lstsq(): argument 'B' must be Tensor, not {type(B).__name__}")
    _decomposition._check_same_dtype("torch.linalg.lstsq", A, B)
    if driver is None:  # as PyTorch: LAPACK's gelsy on the CPU, gels (QR, full rank) on a GPU
        driver = "gelsy" if A.device.type == "cpu" else "gels"
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError(f"{name}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = _decomposition._is_vector_rhs(A, B)
    b = B.unsqueeze(-1) if vector else B
    if b._data.ndim < 2:
        raise RuntimeError(f"{name}: input.dim() must be greater or equal to other.dim() and (input.dim() - "
                           f"other.dim()) <= 1")
    if b._data.shape[-2] != A._data.shape[-2]:
        raise RuntimeError(f"{name}: input.size(-2) should match other.size(-2)")
    _decomposition._broadcast_batch(A._data.shape[:-2], b._data.shape[:-2])
    if rcond is None:
        rcond = float(np.finfo(A._data.dtype).eps) * max(A._data.shape[-2:])
    solution, rank, singular_values = _decomposition._lapack("linalg.lstsq", _decomposition.Lstsq, A, b,
                                                             float(rcond), driver)
    (m, n), k = A.shape[-2:], b.shape[-1]
    full_rank = driver == "gels" or bool((rank == min(m, n)).all())
    if m > n and driver != "gelsy" and full_rank:
        # differentiable as in PyTorch; at the minimum its gradient is 2 (A X - B) X^T (and -2 (A X - B))
        residuals = (matmul(A, solution) - b).square().sum(-2)
    else:
        residuals = A.new_empty((0,))
    if vector:
        solution = solution.squeeze(-1)
    return _return_types.linalg_lstsq(solution, residuals, rank, singular_values)


def matrix_rank(A: Tensor, tol=None, hermitian: bool = False, *, atol=None, rtol=None) -> Tensor:
    """How many singular values (|eigenvalues| when hermitian) exceed max(atol, rtol * largest).

    Tolerances default as pinv's; tol is PyTorch's older name for atol (with rtol = 0). Returns
    int64, shaped A's batch dims.
    """
    if tol is not None:
        atol, rtol = tol, 0.0
    _decomposition._check_matrix("linalg.matrix_rank", A, square=hermitian)
    atol, rtol = _decomposition._tolerances(A._data.dtype, A._data.shape, atol, rtol)
    A = A.detach()
    values = eigvalsh(A).abs() if hermitian else svdvals(A)
    if values.shape[-1] == 0:
        return values.sum(-1).long()
    threshold = values.amax(-1, keepdim=True) * _decomposition._tolerance_operand(rtol, A)
    atol = _decomposition._tolerance_operand(atol, A)
    threshold = threshold.clamp_min(atol) if isinstance(atol, float) else threshold.maximum(atol)
    return (values > threshold).sum(-1)


def lu_factor(A: Tensor, *, pivot: bool = True):
    """(LU, pivots): A = P L U with partial pivoting, packed as LAPACK's getrf (L's unit diagonal implied).

    Args:
        A: (*, m, n).
        pivot: only True is supported on the CPU, as in PyTorch.

    Raises:
        RuntimeError: if U has a zero on its diagonal (use lu_factor_ex to get info instead).
    """
    lu, pivots, _ = _decomposition._lu_factor_ex("torch.linalg.lu_factor", A, pivot, True)
    return _return_types.linalg_lu_factor(lu, pivots)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False):
    """(LU, pivots, info): lu_factor reporting a zero pivot in info (its 1-based index) instead of raising."""
    return _return_types.linalg_lu_factor_ex(*_decomposition._lu_factor_ex("torch.linalg.lu_factor_ex", A, pivot,
                                                                           check_errors))


def lu(A: Tensor, *, pivot: bool = True):
    """(P, L, U) with A = P L U: P (*, m, m) a permutation, L (*, m, k) unit lower, U (*, k, n) upper."""
    lu, pivots, _ = _decomposition._lu_factor_ex("linalg.lu", A, pivot, False)
    return _return_types.linalg_lu(*_decomposition.lu_unpack(lu, pivots))


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """X with A X = B (X A = B when left=False; A^T for A when adjoint) from lu_factor's output.

    Two triangular solves, differentiable in LU and B.
    """
    return _decomposition._lu_solve("linalg.lu_solve", LU, pivots, B, left, adjoint)


def ldl_factor(A: Tensor, *, hermitian: bool = False):
    """(LD, pivots): the Bunch-Kaufman factorization A = L D L^T (L D L^H when hermitian) of a symmetric
    matrix from its lower triangle, packed as LAPACK sytrf (L's unit diagonal implied, D block diagonal
    with 1x1 and 2x2 blocks; pivots 1-based, negative where a 2x2 block starts). Not differentiable.

    Args:
        A: (*, n, n) symmetric (hermitian); only its lower triangle is read.
        hermitian: factor a complex A as hermitian rather than symmetric.

    Raises:
        LinAlgError: if D has an exactly zero block (use ldl_factor_ex to get info instead).
    """
    ld, pivots, _ = _decomposition._ldl_factor_ex("torch.linalg.ldl_factor", A, hermitian, True)
    return _return_types.linalg_ldl_factor(ld, pivots)


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False):
    """(LD, pivots, info): ldl_factor reporting a singular D in info instead of raising."""
    return _return_types.linalg_ldl_factor_ex(*_decomposition._ldl_factor_ex(
        "torch.linalg.ldl_factor_ex", A, hermitian, check_errors))


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    """X with A X = B from ldl_factor's (LD, pivots) (LAPACK sytrs). Not differentiable."""
    return _decomposition._ldl_solve("torch.linalg.ldl_solve", LD, pivots, B, hermitian)


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first n columns of H_1 H_2 ... H_k, H_i = I - tau_i v_i v_i^T (LAPACK orgqr).

    v_i is column i of A below the diagonal, with a 1 on it (geqrf's packed reflectors).
    Composed from products, so it runs on every device and differentiates through them.

    Args:
        A: (*, m, n) with m >= n.
        tau: (*, k) with k <= n.
    """
    name = "torch.linalg.householder_product"
    if isinstance(A, Tensor) and A.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    _decomposition._check_matrix(name, A, square=False, what="input")
    if not isinstance(tau, Tensor):
        raise TypeError(f"linalg.householder_product(): argument 'tau' must be Tensor, not {type(tau).__name__}")
    (m, n), k = A.shape[-2:], tau.shape[-1] if tau.ndim else 0
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if n < k:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")
    _decomposition._check_same_dtype(name, A, tau)
    from .creation import eye
    identity = eye(m, n, dtype=A.dtype, device=A.device)
    if k == 0:  # the identity, joined to A's graph as PyTorch's result is
        return identity.expand(tuple(A.shape)) + A * 0
    reflectors = A.tril(-1) + identity
    q = identity.expand(tuple(A.shape))
    for i in range(k - 1, -1, -1):  # Q = H_i Q, from the last reflector to the first
        v = reflectors[..., :, i:i + 1]
        q = q - (tau[..., i:i + 1].unsqueeze(-1) * v) @ (v.mT @ q)
    return q


# --- norms ------------------------------------------------------------------------------------------

def _check_ord(name: str, ord) -> None:
    if isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise TypeError(f"{name}(): argument 'ord' must be Number, not {type(ord).__name__}")


def vector_norm(x: Tensor, ord: float = 2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The vector ord-norm over dim (every element when None): (sum |x|^ord)^(1/ord).

    Args:
        x: a floating-point tensor.
        ord: any real; inf and -inf give max and min |x|, 0 the count of nonzeros.
        dim: an int, a tuple of ints, or None.
        keepdim: keep the reduced dims with size 1.
        dtype: compute in (and return) this dtype.
    """
    _check_ord("linalg_vector_norm", ord)
    return _vector_norm_op(x, ord, dim, keepdim, dtype)


_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def _to_last_two(A: Tensor, dim) -> Tensor:
    """A with the dims of dim moved to the end, in that order."""
    ndim = A.ndim
    rows, cols = (d % ndim for d in dim)
    return A.movedim((rows, cols), (ndim - 2, ndim - 1))


def _restore_dims(result: Tensor, dim, ndim: int) -> Tensor:
    """Put back the two reduced dims of keepdim=True, at their positions."""
    for d in sorted(x % ndim for x in dim):
        result = result.unsqueeze(d)
    return result


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """A matrix norm over the two dims in dim.

    Args:
        A: (*, m, n) (the matrix dims are dim).
        ord: 'fro' (Frobenius), 'nuc' (sum of singular values), inf / -inf (max / min row sum
            of |A|), 1 / -1 (max / min column sum), 2 / -2 (largest / smallest singular value).
        dim: the two dims holding the matrices.
        keepdim: keep those dims with size 1.
        dtype: compute in (and return) this dtype.
    """
    name = "linalg.matrix_norm"
    if not isinstance(A, Tensor):
        raise TypeError(f"{name}(): argument 'A' must be Tensor, not {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if dtype is not None:
        A = A.to(dtype)
    _decomposition._check_floating(name, A)
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    for d in dim:
        if not -A.ndim <= d < A.ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-A.ndim}, {A.ndim - 1}], but got "
                             f"{d})")
    if dim[0] % A.ndim == dim[1] % A.ndim:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"{name}: Order {ord} not supported.")
    if ord == "fro":
        return _vector_norm_op(A, 2, dim, keepdim, None)
    if ord in ("nuc", 2, -2):
        values = svdvals(_to_last_two(A, dim))
        result = values.sum(-1) if ord == "nuc" else values.amax(-1) if ord == 2 else values.amin(-1)
        return _restore_dims(result, dim, A.ndim) if keepdim else result
    summed, extreme = (dim[0], dim[1]) if abs(ord) == 1 else (dim[1], dim[0])
    sums = A.abs().sum(summed, keepdim=True)
    result = sums.amax(extreme, keepdim=True) if ord > 0 else sums.amin(extreme, keepdim=True)
    return result if keepdim else result.squeeze(tuple(sorted(d % A.ndim for d in dim))[::-1])


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """A vector or matrix norm, as torch.linalg.norm chooses.

    dim an int (or 1-tuple): vector_norm; a 2-tuple: matrix_norm. dim=None: with ord=None, the
    2-norm of every element; with ord given, A must be 1-D (vector) or 2-D (matrix).
    """
    name = "linalg.norm"
    if not isinstance(A, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(A).__name__}")
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        if len(dim) != 1:
            raise RuntimeError(f"{name}: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
        if isinstance(ord, str):
            raise RuntimeError(f"{name}: ord='{ord}' is a matrix norm: dim must have length 2. Got {list(dim)}")
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise RuntimeError(f"{name}: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D.")
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"{name}: A must have at least 2 dimensions when ord is '{ord}'")
    return vector_norm(A, ord, None, keepdim, dtype=dtype)


def cond(A: Tensor, p=None) -> Tensor:
    """The condition number of A in the p-norm: ||A||_p ||A^-1||_p.

    p=None or 2 (-2): the ratio of the largest (smallest) to the smallest (largest) singular
    value, for any (*, m, n); the other matrix_norm orders need square invertible matrices.
    """
    name = "linalg.cond"
    _decomposition._check_matrix(name, A, square=p not in (None, 2, -2))
    if p is None or p in (2, -2):
        values = svdvals(A)
        largest, smallest = values.amax(-1), values.amin(-1)
        return largest / smallest if p != -2 else smallest / largest
    if p not in _MATRIX_ORDS:
        raise RuntimeError(f"{name} got an invalid norm type: {p}")
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


# --- products ----------------------------------------------------------------------------------------

def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along dim; batch dims broadcast.

    Example::

        >>> axonml.linalg.cross(axonml.tensor([1.0, 0.0, 0.0]), axonml.tensor([0.0, 1.0, 0.0]))
        tensor([0., 0., 1.])
    """
    return _cross("linalg.cross", input, other, dim)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """sum(x * y) along dim, with x and y broadcast together (real tensors: no conjugation)."""
    if not isinstance(x, Tensor) or not isinstance(y, Tensor):
        raise TypeError("linalg.vecdot(): arguments 'x' and 'y' must be Tensors")
    if x.dtype != y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{x.dtype.scalar_name} and y of type {y.dtype.scalar_name} instead.")
    return (x * y).sum(dim)


def multi_dot(tensors) -> Tensor:
    """The product of two or more matrices, in the order of multiplications that costs least.

    The first tensor may be 1-D (a row vector) and the last 1-D (a column vector); the others
    are 2-D. The result drops the dims of 1-D ends, as matmul does.
    """
    name = "multi_dot()"
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"{name}: expected at least 2 tensors but got {len(tensors)}")
    first_vector, last_vector = tensors[0].ndim == 1, tensors[-1].ndim == 1
    matrices = [t.unsqueeze(0) if first_vector and i == 0 else t for i, t in enumerate(tensors)]
    if last_vector:
        matrices[-1] = matrices[-1].unsqueeze(-1)
    for i, t in enumerate(matrices):
        if t.ndim != 2:
            which = "the first tensor" if i == 0 else "the last tensor" if i == len(tensors) - 1 else f"tensor {i}"
            allowed = "2D" if 0 < i < len(tensors) - 1 else "1D or 2D"
            raise RuntimeError(f"{name}: {which} must be {allowed} but got {tensors[i].ndim}D")
        if t.dtype != matrices[0].dtype:
            raise RuntimeError(f"{name}: all tensors must have be the same dtype but tensor 0 is "
                               f"{matrices[0].dtype.scalar_name} and tensor {i} {t.dtype.scalar_name}")
        if i and matrices[i - 1].shape[1] != t.shape[0]:
            raise RuntimeError(f"{name}: tensors {i - 1} and {i} with shapes {list(matrices[i - 1].shape)} and "
                               f"{list(t.shape)} cannot be multiplied")
    out = _chain_product(matrices, _chain_order([matrices[0].shape[0]] + [t.shape[1] for t in matrices]),
                         0, len(matrices) - 1)
    if first_vector:
        out = out.squeeze(0)
    return out.squeeze(-1) if last_vector else out


def _chain_order(sizes):
    """split[i][j]: where the cheapest product of matrices i..j splits (the classic O(n^3) DP)."""
    count = len(sizes) - 1
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + sizes[i] * sizes[k + 1] * sizes[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain_product(matrices, split, i, j):
    if i == j:
        return matrices[i]
    k = split[i][j]
    return matmul(_chain_product(matrices, split, i, k), _chain_product(matrices, split, k + 1, j))


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """axonml.diagonal with the matrix dims last by default: the (offset) diagonal of each matrix, a view."""
    return _diagonal(A, offset, dim1, dim2)


def vander(x: Tensor, N: int | None = None) -> Tensor:
    """The Vandermonde matrix of x (*, n): columns x^0, x^1, ..., x^(N-1), shaped (*, n, N) (N = n by default, > 1)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vander(): argument 'x' must be Tensor, not {type(x).__name__}")
    if x.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    ones = ones_like(x.unsqueeze(-1))
    return cat([ones, x.unsqueeze(-1).expand(tuple(x.shape) + (N - 1,)).cumprod(-1)], -1)


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """The inverse of A with respect to tensordot over its first ind dims: shaped A.shape[ind:] + A.shape[:ind]."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = A.shape[:ind], A.shape[ind:]
    if math.prod(rows) != math.prod(cols):
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {math.prod(cols)} != {math.prod(rows)}")
    return inv(A.reshape(math.prod(rows), math.prod(cols))).reshape(tuple(cols) + tuple(rows))


def tensorsolve(A: Tensor, B: Tensor, dims=None) -> Tensor:
    """X with tensordot(A, X, X.ndim) = B; dims (of A) move to the end first."""
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.permute(*[d for d in range(A.ndim) if d not in dims], *dims)
    rows = math.prod(B.shape)
    result_shape = tuple(A.shape[B.ndim:])
    if math.prod(result_shape) != rows or tuple(A.shape[:B.ndim]) != tuple(B.shape):
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {math.prod(result_shape)} != {rows}")
    return solve(A.reshape(rows, rows), B.reshape(rows)).reshape(result_shape)
