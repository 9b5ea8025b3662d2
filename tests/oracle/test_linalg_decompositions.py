"""axonml.linalg against torch.linalg: decompositions, solvers, inverses, norms and matrix functions.

Inputs are built with known, well-separated singular values (eigenvalues), so that float32
agrees with PyTorch to the stated tolerances and the gradients of SVD / eigh are well defined.
SVD, eigh and QR outputs are compared through functions that do not depend on the sign of
each singular (eigen) vector, as PyTorch's own tests do. On OpenCL, LU, Cholesky, QR, eigh,
SVD and triangular solves (and inv, solve, det, slogdet, pinv, lstsq with 'gels' built on
them) run on the device and are checked there; what a device lacks must raise
NotImplementedError naming the op and the device.
"""
import math

import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises


def _lib(x):
    """torch.linalg for torch tensors, axonml.linalg for axonml's: one fn serves both frameworks."""
    return torch.linalg if isinstance(x, torch.Tensor) else axonml.linalg


def _top(x):
    return torch if isinstance(x, torch.Tensor) else axonml


def _orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def _matrix(batch, m, n, seed=0, values=None):
    """(*batch, m, n) with singular values spread over [1, 3] (or the given ones)."""
    rng = np.random.default_rng(seed)
    k = min(m, n)
    values = np.linspace(3.0, 1.0, k) if values is None else np.asarray(values, float)
    out = np.empty(tuple(batch) + (m, n))
    for index in np.ndindex(*batch):
        out[index] = (_orthogonal(rng, m)[:, :k] * values) @ _orthogonal(rng, n)[:, :k].T
    return out


def _symmetric(batch, n, seed=0, values=None):
    """(*batch, n, n) symmetric with eigenvalues spread over [-2, 3] (or the given ones)."""
    rng = np.random.default_rng(seed)
    values = np.linspace(-2.0, 3.0, n) if values is None else np.asarray(values, float)
    out = np.empty(tuple(batch) + (n, n))
    for index in np.ndindex(*batch):
        q = _orthogonal(rng, n)
        out[index] = (q * values) @ q.T
    return out


def _spd(batch, n, seed=0):
    return _symmetric(batch, n, seed, np.linspace(1.0, 3.0, n))


# --- inv, solve, det ---------------------------------------------------------------------------------

@pytest.mark.parametrize("batch", [(), (3,), (2, 2)], ids=str)
def test_inv(batch, device):
    check(lambda a: _lib(a).inv(a), [_matrix(batch, 4, 4)], device=device)


def test_inverse_alias(device):
    check(lambda a: _top(a).inverse(a), [_matrix((2,), 3, 3)], device=device)
    check(lambda a: a.inverse(), [_matrix((), 3, 3)], device=device)


def test_inv_ex_reports_singular_matrices(device):
    singular = np.stack([np.eye(3), [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]]])
    inverse, info = axonml.linalg.inv_ex(axonml.from_numpy(singular).to(device))
    expected = torch.linalg.inv_ex(torch.from_numpy(singular))
    np.testing.assert_array_equal(info.cpu().numpy(), expected.info.numpy())
    np.testing.assert_allclose(inverse.cpu().numpy()[0], np.eye(3), atol=1e-12)
    assert info.dtype == axonml.int32


@pytest.mark.parametrize("shapes", [((4, 4), (4, 2)), ((4, 4), (4,)), ((2, 4, 4), (4,)), ((2, 4, 4), (2, 4)),
                                    ((2, 1, 4, 4), (3, 4, 2)), ((4, 4), (2, 4, 3))], ids=str)
def test_solve(shapes, device):
    a_shape, b_shape = shapes
    a = _matrix(a_shape[:-2], 4, 4)
    b = np.random.default_rng(1).standard_normal(b_shape)
    check(lambda a, b: _lib(a).solve(a, b), [a, b], device=device)


def test_solve_right(device):
    a = _matrix((2,), 4, 4)
    b = np.random.default_rng(1).standard_normal((2, 3, 4))
    check(lambda a, b: _lib(a).solve(a, b, left=False), [a, b], device=device)


def test_solve_ex_reports_singular_matrices():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    result, info = axonml.linalg.solve_ex(axonml.from_numpy(singular), axonml.ones(2, dtype=axonml.float64))
    assert int(info.item()) == int(torch.linalg.solve_ex(torch.from_numpy(singular), torch.ones(2,
                                                         dtype=torch.float64)).info)


@pytest.mark.parametrize("batch", [(), (3,)], ids=str)
def test_det_slogdet_logdet(batch, device):
    a = _matrix(batch, 4, 4)
    a[..., 0, :] *= -1  # a negative determinant too (logdet: nan)
    check(lambda a: _lib(a).det(a), [a], device=device)
    check(lambda a: tuple(_lib(a).slogdet(a)), [a], device=device)
    check(lambda a: _top(a).det(a), [a], device=device)
    check(lambda a: a.logdet(), [_spd(batch, 3)], device=device)
    check(lambda a: tuple(_top(a).slogdet(a)), [a], device=device)


def test_logdet_of_a_negative_determinant_is_nan():
    a = -np.eye(3)
    assert math.isnan(axonml.logdet(axonml.from_numpy(a)).item())
    assert math.isnan(torch.logdet(torch.from_numpy(a)).item())


def _cofactors(a):
    """The cofactor matrix of each square matrix in a, from its minors: det's gradient, singular or not."""
    n = a.shape[-1]
    out = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, axis=-2), j, axis=-1)
            out[..., i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return out


def test_det_gradient_of_singular_matrices(device):
    """A rank-deficient A has det 0 but a nonzero gradient (its cofactor matrix), through the SVD.

    The gradient is checked against the cofactors themselves: torch's LU can find an exact zero
    pivot in such a matrix and then returns a zero gradient, which is not the derivative."""
    a = np.stack([_matrix((), 4, 4, values=[3.0, 2.0, 1.0, 0.0]),
                  _matrix((), 4, 4, seed=1, values=[3.0, 2.0, 0.0, 0.0])])  # rank 2: the cofactors vanish
    x = axonml.tensor(a, device=device, requires_grad=True)
    det = axonml.linalg.det(x)
    np.testing.assert_allclose(det.detach().cpu().numpy(), np.linalg.det(a), atol=1e-12)
    det.sum().backward()
    expected = _cofactors(a)
    assert np.abs(expected[0]).max() > 0.1                 # rank 3: a real, nonzero gradient
    np.testing.assert_allclose(x.grad.cpu().numpy(), expected, rtol=1e-7, atol=1e-9)


# --- cholesky, triangular solves ----------------------------------------------------------------------------

@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("batch", [(), (2, 2)], ids=str)
def test_cholesky(batch, upper, device):
    # the gradient flows through a symmetric input, as the factor reads only one triangle
    check(lambda x: _lib(x).cholesky(x @ x.mT + x.mT @ x, upper=upper), [_matrix(batch, 4, 4)], device=device)


def test_cholesky_aliases(device):
    x = _matrix((2,), 4, 4)
    check(lambda x: _top(x).cholesky(x @ x.mT), [x], device=device)
    check(lambda x: (x @ x.mT).cholesky(upper=True), [x], device=device)
    check(lambda b, x: _top(x).cholesky_solve(b, _lib(x).cholesky(x @ x.mT)), [(2, 4, 3), x], device=device)
    check(lambda b, x: _top(x).cholesky_solve(b, _lib(x).cholesky(x @ x.mT, upper=True), upper=True), [(4, 3), x],
          device=device)
    check(lambda x: _top(x).cholesky_inverse(_lib(x).cholesky(x @ x.mT)), [x], device=device)


def test_cholesky_ex_reports_the_failing_minor(device):
    a = np.stack([np.eye(3), np.diag([1.0, 1.0, -1.0])])
    factor, info = axonml.linalg.cholesky_ex(axonml.from_numpy(a).to(device))
    expected = torch.linalg.cholesky_ex(torch.from_numpy(a))
    np.testing.assert_array_equal(info.cpu().numpy(), expected.info.numpy())
    np.testing.assert_allclose(factor.cpu().numpy()[0], expected.L.numpy()[0])


@pytest.mark.parametrize("upper,left,unitriangular", [(True, True, False), (False, True, False), (True, False, False),
                                                      (False, False, True)])
def test_solve_triangular(upper, left, unitriangular, device):
    a = _matrix((2,), 4, 4) + 4 * np.eye(4)  # a triangle of it is well conditioned
    b = np.random.default_rng(1).standard_normal((2, 4, 3) if left else (3, 4))
    check(lambda a, b: _lib(a).solve_triangular(a, b, upper=upper, left=left, unitriangular=unitriangular),
                  [a, b], device=device)


def test_triangular_solve(device):
    a = np.triu(_matrix((), 4, 4) + 4 * np.eye(4))
    check(lambda b, a: tuple(_top(a).triangular_solve(b, a)), [(4, 2), a], device=device)
    check(lambda b, a: tuple(_top(a).triangular_solve(b, a.mT, upper=False, transpose=True)), [(4, 2), a],
          device=device)


# --- qr -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,mode", [((5, 3), "reduced"), ((3, 5), "reduced"), ((2, 4, 4), "reduced"),
                                        ((3, 5), "complete"), ((2, 4, 3), "complete"), ((5, 3), "r"),
                                        ((6, 1), "reduced"), ((1, 6), "complete")], ids=str)
def test_qr(shape, mode, device):
    a = _matrix(shape[:-2], *shape[-2:])
    differentiable = mode == "reduced" or shape[-2] <= shape[-1]

    def qr(a):
        q, r = _lib(a).qr(a, mode=mode)
        return r if mode == "r" else (q, r)
    check(qr, [a], grad=differentiable, device=device)


def test_qr_mode_r_is_not_differentiable():
    a = axonml.from_numpy(_matrix((), 4, 3)).requires_grad_()
    _, r = axonml.linalg.qr(a, mode="r")
    with pytest.raises(RuntimeError, match="mode='r'"):
        r.sum().backward()
    q, _ = axonml.linalg.qr(a, mode="complete")
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        q.sum().backward()


def test_torch_qr(device):
    check(lambda a: tuple(_top(a).qr(a)), [_matrix((), 5, 3)], device=device)
    check(lambda a: tuple(a.qr(some=False)), [_matrix((), 3, 4)], device=device)


# --- svd, eigh ----------------------------------------------------------------------------------------------

def _svd_invariants(u, s, vh, k):
    """What does not depend on the signs of singular-vector pairs: A itself, S, |U|, |Vh|."""
    u, vh = u[..., :, :k], vh[..., :k, :]
    return (u * s.unsqueeze(-2)) @ vh, s, u.abs(), vh.abs()


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 5, 3), (2, 1, 3, 4)], ids=str)
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd(shape, full_matrices, device):
    k = min(shape[-2:])
    check(lambda a: _svd_invariants(*_lib(a).svd(a, full_matrices=full_matrices), k),
                  [_matrix(shape[:-2], *shape[-2:])], device=device)


def test_svd_full_matrices_shapes():
    u, s, vh = axonml.linalg.svd(axonml.randn(2, 5, 3))
    assert (u.shape, s.shape, vh.shape) == ((2, 5, 5), (2, 3), (2, 3, 3))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)], ids=str)
def test_svdvals(shape, device):
    check(lambda a: _lib(a).svdvals(a), [_matrix(shape[:-2], *shape[-2:])], device=device)


def test_torch_svd():
    a = _matrix((2,), 5, 3)
    check(lambda a: _svd_invariants(*(lambda u, s, v: (u, s, v.mT))(*_top(a).svd(a)), 3), [a])
    check(lambda a: _top(a).svd(a, compute_uv=False)[1], [a])
    u, s, v = axonml.svd(axonml.from_numpy(a), compute_uv=False)
    assert (u.shape, v.shape) == ((2, 5, 5), (2, 3, 3)) and not u.numpy().any()


@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("batch", [(), (3,)], ids=str)
def test_eigh(batch, uplo, device):
    def eigh(x):
        values, vectors = _lib(x).eigh(x, UPLO=uplo)
        return values, vectors.abs(), (vectors * values.unsqueeze(-2)) @ vectors.mT
    # only one triangle is read: the gradient flows to that triangle (and through x's other entries as zero)
    check(eigh, [_symmetric(batch, 4)], device=device)


def test_eigh_through_a_symmetric_product(device):
    check(lambda x: (lambda v: (v[0], v[1].abs()))(_lib(x).eigh(x + x.mT)), [_matrix((2,), 4, 4)], device=device)


def test_pinv_hermitian_on_device(device):
    check(lambda a: _lib(a).pinv(a, hermitian=True), [_symmetric((2,), 4)], device=device)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigvalsh(uplo, device):
    check(lambda x: _lib(x).eigvalsh(x, UPLO=uplo), [_symmetric((2,), 4)], device=device)


# --- pinv, lstsq, matrix_rank -------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)], ids=str)
def test_pinv(shape, device):
    check(lambda a: _lib(a).pinv(a), [_matrix(shape[:-2], *shape[-2:])], device=device)


def test_pinv_hermitian_and_tolerances():
    check(lambda a: _lib(a).pinv(a, hermitian=True), [_symmetric((2,), 4)])
    low_rank = _matrix((2,), 5, 4, values=[3.0, 2.0, 1e-3, 1e-9])
    check(lambda a: _lib(a).pinv(a, rtol=1e-2), [low_rank], grad=False)
    check(lambda a: _lib(a).pinv(a, atol=1.5), [low_rank], grad=False)
    check(lambda a: _top(a).pinverse(a, rcond=1e-2), [low_rank], grad=False)
    check(lambda a: _lib(a).pinv(a, 1e-2), [low_rank], grad=False)
    atol = torch.tensor([0.5, 2.5], dtype=torch.float64).unsqueeze(-1).squeeze(-1)
    expected = torch.linalg.pinv(torch.from_numpy(low_rank), atol=atol)
    actual = axonml.linalg.pinv(axonml.from_numpy(low_rank), atol=axonml.tensor([0.5, 2.5], dtype=axonml.float64))
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("driver", [None, "gelsd", "gelss", "gels"])
@pytest.mark.parametrize("shapes", [((5, 3), (5, 2)), ((5, 3), (5,)), ((2, 5, 3), (1, 5, 2)), ((3, 5), (3, 2))],
                         ids=str)
def test_lstsq(shapes, driver, device):
    a = _matrix(shapes[0][:-2], *shapes[0][-2:])
    b = np.random.default_rng(1).standard_normal(shapes[1])
    if device != "cpu" and driver not in (None, "gels"):  # as on CUDA, the device has gels only
        with pytest.raises(NotImplementedError, match=f"{driver}.*{device}"):
            axonml.linalg.lstsq(axonml.from_numpy(a).to(device), axonml.from_numpy(b).to(device), driver=driver)
        return
    driver = "gels" if device != "cpu" else driver  # the device's default: gels, as CUDA's

    def lstsq(a, b):
        out = _lib(a).lstsq(a, b, driver=driver)
        return out.solution, out.residuals, out.rank, out.singular_values
    check(lstsq, [a, b], device=device)


def test_lstsq_rank_deficient():
    a = _matrix((), 6, 4, values=[3.0, 2.0, 1.0, 0.0])
    b = np.random.default_rng(1).standard_normal((6, 2))
    for driver in ("gelsy", "gelsd"):
        check(lambda a, b: tuple(_lib(a).lstsq(a, b, driver=driver)), [a, b], grad=False, dtypes=("float64",))


def test_matrix_rank(device):
    low_rank = _matrix((3,), 5, 4, values=[3.0, 2.0, 1e-3, 0.0])
    check(lambda a: _lib(a).matrix_rank(a), [low_rank], grad=False, device=device)
    check(lambda a: _lib(a).matrix_rank(a, rtol=1e-2), [low_rank], grad=False)
    check(lambda a: _lib(a).matrix_rank(a, atol=2.5), [low_rank], grad=False)
    check(lambda a: _lib(a).matrix_rank(a, 1.5), [low_rank], grad=False)
    check(lambda a: _lib(a).matrix_rank(a @ a.mT, hermitian=True), [low_rank], grad=False)


# --- lu -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 5), (2, 5, 3)], ids=str)
def test_lu(shape, device):
    a = np.random.default_rng(0).standard_normal(shape)
    check(lambda a: tuple(_lib(a).lu(a)), [a], device=device)
    check(lambda a: tuple(_lib(a).lu_factor(a)), [a], device=device)
    check(lambda a: tuple(_top(a).lu_unpack(*_lib(a).lu_factor(a))), [a], device=device)


@pytest.mark.parametrize("left,adjoint", [(True, False), (True, True), (False, False), (False, True)])
def test_lu_solve(left, adjoint, device):
    a = _matrix((2,), 4, 4)
    b = np.random.default_rng(1).standard_normal((2, 4, 3) if left else (3, 4))
    check(lambda a, b: _lib(a).lu_solve(*_lib(a).lu_factor(a), b, left=left, adjoint=adjoint), [a, b], device=device)


def test_lu_factor_ex_reports_a_zero_pivot(device):
    singular = np.stack([np.eye(2), SINGULAR])
    check(lambda a: tuple(_lib(a).lu_factor_ex(a)), [singular], grad=False, device=device)


@pytest.mark.parametrize("shape,k", [((5, 3), 3), ((2, 5, 3), 2), ((4, 4), 4), ((4, 4), 0)], ids=str)
def test_householder_product(shape, k, device):
    a = np.random.default_rng(0).standard_normal(shape)
    tau = np.random.default_rng(1).uniform(0.0, 2.0, shape[:-2] + (k,))
    check(lambda a, tau: _lib(a).householder_product(a, tau), [a, tau], device=device)


def test_householder_product_of_geqrf_is_q():
    a = _matrix((), 5, 3)
    q = axonml.linalg.qr(axonml.from_numpy(a)).Q
    packed, tau = torch.geqrf(torch.from_numpy(a))
    np.testing.assert_allclose(axonml.linalg.householder_product(axonml.from_numpy(packed.numpy()),
                                                                 axonml.from_numpy(tau.numpy())).numpy(), q.numpy(),
                               rtol=1e-10, atol=1e-12)


# --- composed ops: they run on every device -------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, -1, -3])
def test_matrix_power(n, device):
    a = _matrix((2,), 3, 3) / 2
    check(lambda a: _lib(a).matrix_power(a, n), [a], device=device)
    check(lambda a: a.matrix_power(n), [a], device=device)


@pytest.mark.parametrize("scale", [0.1, 1.0, 4.0])
def test_matrix_exp(scale, device):
    check(lambda a: _lib(a).matrix_exp(a), [_matrix((2,), 3, 3) * scale], device=device)
    check(lambda a: a.matrix_exp(), [_matrix((), 4, 4) * scale], device=device)


@pytest.mark.parametrize("ord", [2, 1, 0, 3.5, 0.5, -1, math.inf, -math.inf])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (-1, False), ((0, 2), True)], ids=str)
def test_vector_norm(ord, dim, keepdim, device):
    x = np.random.default_rng(0).standard_normal((3, 4, 5))
    check(lambda x: _lib(x).vector_norm(x, ord, dim, keepdim), [x], device=device)


def test_vector_norm_dtype():
    check(lambda x: _lib(x).vector_norm(x, dtype=axonml.float64 if isinstance(x, axonml.Tensor) else torch.float64),
          [(3, 4)], dtypes=("float32",), grad=False)


@pytest.mark.parametrize("ord", ["fro", math.inf, -math.inf, 1, -1])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((2, 0), True), ((0, 1), False)], ids=str)
def test_matrix_norm_elementwise_orders(ord, dim, keepdim, device):
    check(lambda x: _lib(x).matrix_norm(x, ord, dim, keepdim), [(3, 4, 5)], device=device)


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((2, 0), True)], ids=str)
def test_matrix_norm_spectral_orders(ord, dim, keepdim, device):
    x = np.moveaxis(_matrix((3,), 4, 5), (1, 2), (0, 2)) if dim == (2, 0) else _matrix((3,), 4, 5)
    check(lambda x: _lib(x).matrix_norm(x, ord, dim, keepdim), [x], device=device)


@pytest.mark.parametrize("ord,dim", [(None, None), (None, 1), (3, 0), (None, (0, 1)), ("fro", None), (1, None),
                                     (math.inf, None), ("nuc", None)], ids=str)
def test_norm(ord, dim, device):
    x = _matrix((), 4, 3)
    if ord == "nuc":
        check(lambda x: _lib(x).norm(x, ord, dim), [x], device=device)
    else:
        check(lambda x: _lib(x).norm(x, ord, dim), [x], device=device)


def test_norm_of_vectors():
    check(lambda x: _lib(x).norm(x, 3.0), [(5,)])
    check(lambda x: _lib(x).norm(x, keepdim=True), [(2, 3, 4)])


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf])
def test_cond(p, device):
    # PyTorch cannot differentiate cond in the orders it computes through inv_ex (an in-place write)
    check(lambda x: _lib(x).cond(x, p), [_matrix((2,), 4, 4)], grad=p in (None, 2, -2, "nuc"), device=device)


def test_cond_of_a_rectangular_matrix():
    check(lambda x: _lib(x).cond(x), [_matrix((), 5, 3)])


@pytest.mark.parametrize("shapes,dim", [(((4, 3), (4, 3)), -1), (((3, 5), (3, 1)), 0), (((2, 1, 3), (1, 4, 3)), -1),
                                        (((3,), (3,)), 0)], ids=str)
def test_cross(shapes, dim, device):
    check(lambda a, b: _lib(a).cross(a, b, dim=dim), list(shapes), device=device)
    check(lambda a, b: _top(a).cross(a, b, dim), list(shapes), device=device)
    check(lambda a, b: a.cross(b, dim), list(shapes), device=device)


def test_torch_cross_takes_the_first_dim_of_size_3():
    with pytest.warns(UserWarning):
        expected = torch.cross(torch.ones(2, 3, 3), torch.arange(18.0).reshape(2, 3, 3))
    actual = axonml.cross(axonml.ones(2, 3, 3), axonml.arange(18.0).reshape(2, 3, 3))
    np.testing.assert_allclose(actual.numpy(), expected.numpy())


@pytest.mark.parametrize("shapes,dim", [(((4, 3), (4, 3)), -1), (((2, 1, 3), (4, 3)), -1), (((3, 5), (3, 5)), 0)],
                         ids=str)
def test_vecdot(shapes, dim, device):
    check(lambda a, b: _lib(a).vecdot(a, b, dim=dim), list(shapes), device=device)


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4)], [(5,), (5, 2), (2, 6)], [(2, 30), (30, 3), (3, 20), (20,)],
                                    [(4,), (4, 3), (3,)], [(10, 2), (2, 10), (10, 2), (2, 10)]], ids=str)
def test_multi_dot(shapes, device):
    check(lambda *t: _lib(t[0]).multi_dot(list(t)), shapes, device=device)


@pytest.mark.parametrize("offset,dims", [(0, {}), (1, {}), (-1, {"dim1": 0, "dim2": 2})], ids=str)
def test_diagonal(offset, dims, device):
    check(lambda a: _lib(a).diagonal(a, offset=offset, **dims), [(2, 3, 4)], device=device)


@pytest.mark.parametrize("shape,N", [((4,), None), ((2, 3), 5), ((3,), 2)], ids=str)
def test_vander(shape, N, device):
    check(lambda x: _lib(x).vander(x, N=N), [shape], device=device)


def test_tensorinv_and_tensorsolve():
    a = _matrix((), 6, 6).reshape(6, 2, 3)
    check(lambda a: _lib(a).tensorinv(a, ind=1), [a])
    check(lambda a, b: _lib(a).tensorsolve(a, b), [a.reshape(2, 3, 6), (2, 3)])
    check(lambda a, b: _lib(a).tensorsolve(a, b, dims=(0,)), [a.reshape(6, 2, 3), (2, 3)])


# --- finite differences (float64) -------------------------------------------------------------------------------

def _leaf(array):
    return axonml.from_numpy(np.array(array, np.float64)).requires_grad_()


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky", "cholesky_upper", "solve", "solve_triangular",
                                  "qr", "qr_wide", "svd", "svd_wide", "svdvals", "eigh", "eigvalsh", "pinv",
                                  "pinv_hermitian", "lstsq", "matrix_exp", "matrix_power", "lu", "lu_wide",
                                  "lu_solve", "householder_product"])
def test_gradcheck(name):
    linalg = axonml.linalg
    a = _leaf(_matrix((2,), 4, 4, seed=3))
    tall = _leaf(_matrix((2,), 5, 3, seed=4))
    wide = _leaf(_matrix((2,), 3, 5, seed=5))
    b = _leaf(np.random.default_rng(6).standard_normal((2, 4, 2)))
    b_tall = _leaf(np.random.default_rng(7).standard_normal((2, 5, 2)))
    cases = {
        "inv": (linalg.inv, (a,)),
        "det": (linalg.det, (a,)),
        "slogdet": (lambda a: linalg.slogdet(a).logabsdet, (a,)),
        "cholesky": (lambda a: linalg.cholesky(a @ a.mT), (a,)),
        "cholesky_upper": (lambda a: linalg.cholesky(a @ a.mT, upper=True), (a,)),
        "solve": (linalg.solve, (a, b)),
        "solve_triangular": (lambda a, b: linalg.solve_triangular(a, b, upper=False), (a, b)),
        "qr": (lambda a: tuple(linalg.qr(a)), (tall,)),
        "qr_wide": (lambda a: tuple(linalg.qr(a)), (wide,)),
        "svd": (lambda a: _svd_invariants(*linalg.svd(a, full_matrices=False), 3), (tall,)),
        "svd_wide": (lambda a: _svd_invariants(*linalg.svd(a, full_matrices=True), 3), (wide,)),
        "svdvals": (linalg.svdvals, (tall,)),
        "eigh": (lambda a: (lambda v: (v[0], v[1].abs()))(linalg.eigh(a + a.mT)), (a,)),
        "eigvalsh": (lambda a: linalg.eigvalsh(a + a.mT), (a,)),
        "pinv": (linalg.pinv, (wide,)),
        "pinv_hermitian": (lambda a: linalg.pinv(a + a.mT, hermitian=True), (a,)),
        "lstsq": (lambda a, b: linalg.lstsq(a, b).solution, (tall, b_tall)),
        "matrix_exp": (linalg.matrix_exp, (a,)),
        "matrix_power": (lambda a: linalg.matrix_power(a, -2), (a,)),
        "lu": (lambda a: tuple(linalg.lu(a))[1:], (tall,)),
        "lu_wide": (lambda a: tuple(linalg.lu(a))[1:], (wide,)),
        "lu_solve": (lambda a, b: linalg.lu_solve(*linalg.lu_factor(a), b, adjoint=True), (a, b)),
        "householder_product": (linalg.householder_product, (tall, _leaf(np.random.default_rng(8).random((2, 3))))),
    }
    fn, inputs = cases[name]
    assert gradcheck(fn, inputs)


# --- errors ----------------------------------------------------------------------------------------------

def _raises_like_torch(fn, *arrays):
    """fn raises what torch raises, with the same message (LinAlgError: axonml's, RuntimeError's subclass)."""
    with pytest.raises(Exception) as expected:
        fn(*[torch.from_numpy(np.asarray(a)) for a in arrays])
    with pytest.raises(Exception) as actual:
        fn(*[axonml.from_numpy(np.asarray(a)) for a in arrays])
    if isinstance(expected.value, torch.linalg.LinAlgError):
        assert isinstance(actual.value, axonml.linalg.LinAlgError)
        assert isinstance(actual.value, RuntimeError)
    else:
        assert isinstance(actual.value, type(expected.value)), (actual.value, expected.value)
    assert str(actual.value) == str(expected.value)


SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])
NOT_PD = np.array([[1.0, 2.0], [2.0, 1.0]])


@pytest.mark.parametrize("fn,arrays", [
    (lambda a: _lib(a).inv(a), [SINGULAR]),
    (lambda a: _lib(a).inv(a), [np.stack([np.eye(2), SINGULAR])]),
    (lambda a: _lib(a).solve(a, a), [SINGULAR]),
    (lambda a: _lib(a).cholesky(a), [NOT_PD]),
    (lambda a: _lib(a).cholesky(a, upper=True), [np.stack([np.eye(2), NOT_PD, NOT_PD])]),
    (lambda a: _lib(a).matrix_power(a, -1), [SINGULAR]),
    (lambda a: _lib(a).inv(a), [np.zeros((2, 3))]),
    (lambda a: _lib(a).inv(a), [np.zeros(3)]),
    (lambda a: _lib(a).inv(a.long()), [np.eye(2)]),
    (lambda a: _lib(a).det(a), [np.zeros((2, 3))]),
    (lambda a: _lib(a).eigh(a), [np.zeros((2, 3))]),
    (lambda a: _lib(a).eigh(a, UPLO="X"), [np.eye(2)]),
    (lambda a: _lib(a).cholesky(a), [np.zeros((2, 3))]),
    (lambda a: _lib(a).svd(a), [np.zeros(3)]),
    (lambda a: _lib(a).qr(a, mode="x"), [np.zeros((3, 2))]),
    (lambda a: _lib(a).matrix_power(a, 2), [np.zeros((2, 3))]),
    (lambda a, b: _lib(a).solve(a, b), [np.eye(3), np.ones(2)]),
    (lambda a, b: _lib(a).solve(a, b), [np.eye(3)[None].repeat(2, 0), np.ones((4, 3, 1))]),
    (lambda a, b: _lib(a).solve_triangular(a, b, upper=True), [np.eye(3), np.ones((2, 3))]),
    (lambda a, b: _lib(a).lstsq(a, b), [np.ones((4, 3)), np.ones((3, 2))]),
    (lambda a, b: _lib(a).lstsq(a, b, driver="gelsx"), [np.ones((4, 3)), np.ones((4, 2))]),
    (lambda a: _lib(a).matrix_norm(a), [np.zeros(3)]),
    (lambda a: _lib(a).matrix_norm(a, 3), [np.zeros((3, 3))]),
    (lambda a: _lib(a).vector_norm(a.long()), [np.zeros(3)]),
    (lambda a: _lib(a).norm(a, "fro"), [np.zeros((2, 2, 2))]),
    (lambda a, b: _lib(a).cross(a, b), [np.zeros((4, 2)), np.zeros((4, 2))]),
    (lambda a, b: _lib(a).cross(a, b), [np.zeros((4, 3)), np.zeros((2, 3))]),
    (lambda a: _lib(a).multi_dot([a]), [np.zeros((2, 2))]),
    (lambda a, t: _lib(a).householder_product(a, t), [np.zeros((3, 5)), np.zeros(3)]),
    (lambda a, t: _lib(a).householder_product(a, t), [np.zeros((5, 3)), np.zeros(4)]),
    (lambda a, t: _lib(a).householder_product(a, t), [np.zeros(5), np.zeros(1)]),
    (lambda a, t: _lib(a).householder_product(a, t), [np.zeros((2, 5, 3)), np.zeros((3, 3))]),
    (lambda a: _lib(a).lu_factor(a), [SINGULAR]),
    (lambda a: _lib(a).lu_factor(a, pivot=False), [np.eye(2)]),
    (lambda a, b: _lib(a).lu_solve(*_lib(a).lu_factor(a), b), [np.eye(3), np.ones((2, 3))]),
    (lambda a, b: _lib(a).cross(a, b), [np.zeros((4, 3)), np.zeros(3)]),
    (lambda a: _lib(a).vander(a, N=1), [np.zeros(3)]),
    (lambda a, b: _lib(a).lstsq(a, b), [np.ones((2, 5, 3)), np.ones((4, 5, 1))]),
    (lambda a, b: _lib(a).solve_triangular(a, b, upper=True), [np.ones((2, 3, 3)), np.ones((4, 3, 1))]),
    (lambda b, a: _top(a).cholesky_solve(b, a), [np.ones((2, 3, 1)), np.ones((4, 3, 3))]),
], ids=lambda v: "" if callable(v) else str(np.asarray(v[0]).shape))
def test_errors_match_torch(fn, arrays):
    _raises_like_torch(fn, *arrays)


def test_error_types():
    check_raises(lambda a: _lib(a).vector_norm(a, "fro"), [(3,)])
    check_raises(lambda a, b: _lib(a).cross(a, b, dim=3), [(3, 3), (3, 3)])
    check_raises(lambda a, b: _lib(a).solve(a, b), [(2, 3, 3), (4, 3, 1)])
    assert issubclass(axonml.linalg.LinAlgError, RuntimeError)


# --- the namespace ---------------------------------------------------------------------------------------

def test_every_public_name_is_torch_linalg_s():
    for name in axonml.linalg.__all__:
        assert callable(getattr(axonml.linalg, name)), name
        assert hasattr(torch.linalg, name), f"torch.linalg has no {name}"
    assert axonml.linalg is axonml.__dict__["linalg"]


def test_what_is_left_of_torch_linalg():
    """The torch.linalg names axonml lacks: the general (complex-valued) eigendecomposition."""
    public = {name for name in dir(torch.linalg) if not name.startswith("_") and callable(getattr(torch.linalg, name))}
    assert public - set(axonml.linalg.__all__) == {"eig", "eigvals"}


# --- LDL^T (Bunch-Kaufman) ----------------------------------------------------------------------------------

def _indefinite(batch, n, seed=0):
    """Symmetric indefinite matrices with a zero diagonal somewhere, so that sytrf picks 2x2 pivots."""
    a = _symmetric(batch, n, seed)
    a[..., 0, 0] = 0.0
    return a


@pytest.mark.parametrize("batch", [(), (3,)], ids=str)
def test_ldl_factor_and_solve_match_torch(batch):
    a = _indefinite(batch, 5)
    b = np.random.default_rng(3).standard_normal(batch + (5, 2))
    ours = axonml.linalg.ldl_factor(axonml.from_numpy(a))
    theirs = torch.linalg.ldl_factor(torch.from_numpy(a))
    np.testing.assert_allclose(ours.LD.numpy(), theirs.LD.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(ours.pivots.numpy(), theirs.pivots.numpy())
    assert ours.pivots.dtype == axonml.int32 and (ours.pivots.numpy() < 0).any()  # a 2x2 block was used
    x = axonml.linalg.ldl_solve(ours.LD, ours.pivots, axonml.from_numpy(b))
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b), rtol=1e-10, atol=1e-10)
    ex = axonml.linalg.ldl_factor_ex(axonml.from_numpy(a.astype(np.float32)))
    assert ex.info.numpy().max() == 0 and ex.LD.dtype == axonml.float32


def test_ldl_errors():
    with pytest.raises(axonml.linalg.LinAlgError, match="singular"):
        axonml.linalg.ldl_factor(axonml.zeros(3, 3, dtype=axonml.float64))
    assert axonml.linalg.ldl_factor_ex(axonml.zeros(3, 3, dtype=axonml.float64)).info.item() > 0
    ld, pivots = axonml.linalg.ldl_factor(axonml.from_numpy(_indefinite((), 4)))
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        axonml.linalg.ldl_solve(ld, pivots, axonml.zeros(3, 1, dtype=axonml.float64))
    with pytest.raises(RuntimeError, match="int32"):
        axonml.linalg.ldl_solve(ld, pivots.long(), axonml.zeros(4, 1, dtype=axonml.float64))
    a = axonml.from_numpy(_indefinite((), 4)).requires_grad_()
    with pytest.raises(RuntimeError, match="derivative for 'torch.linalg.ldl_factor' is not implemented"):
        axonml.linalg.ldl_factor(a).LD.sum().backward()
    if axonml.opencl.is_available():
        with pytest.raises(NotImplementedError, match="ldl_factor.*opencl"):
            axonml.linalg.ldl_factor(axonml.from_numpy(_indefinite((), 4)).to("opencl"))
