"""Special functions (axonml/ops/special.py, axonml.special) against torch.special, forward and backward."""
import numpy as np
import pytest
import torch

import axonml
from axonml import special
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises


def _grid(low, high, shape=(3, 5), seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape)


# (name, input values): each function of one tensor, with its gradient
UNARY = [
    ("gammaln", _grid(-3.5, 6.0)),
    ("digamma", _grid(0.2, 12.0)),
    ("erfc", _grid(-3.0, 3.0)),
    ("erfcx", np.array([[-2.0, -0.5, 0.0, 0.7, 3.0], [8.5, 9.5, 12.0, 30.0, 150.0]])),
    ("erfinv", _grid(-0.999, 0.999)),
    ("i0", _grid(-40.0, 40.0)),
    ("i0e", np.array([[-80.0, -35.0, -3.0, 0.5, 2.0], [0.0, 29.0, 31.0, 60.0, 500.0]])),
    ("i1", _grid(-40.0, 40.0)),
    ("i1e", np.array([[-80.0, -35.0, -3.0, 0.5, 2.0], [0.1, 29.0, 31.0, 60.0, 500.0]])),
    ("ndtri", np.array([[1e-12, 1e-5, 0.02, 0.3, 0.5], [0.51, 0.7, 0.97, 0.99999, 1 - 1e-9]])),
    ("log_ndtr", np.array([[-40.0, -9.0, -3.0, -1.2, -0.3], [0.0, 0.8, 2.5, 6.0, 10.0]])),
    ("ndtr", _grid(-4.0, 4.0)),
    ("entr", _grid(0.05, 3.0)),
    ("psi", _grid(0.5, 5.0)),
    ("expit", _grid(-4.0, 4.0)),
]


@pytest.mark.parametrize("name,values", UNARY, ids=[name for name, _ in UNARY])
def test_unary(device, name, values):
    check(lambda x: getattr(special if isinstance(x, axonml.Tensor) else torch.special, name)(x), [values],
          device=device)


@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfc", "erfinv", "i0", "logit"])
def test_top_level_and_method(device, name):
    values = _grid(0.05, 0.95)
    check(lambda x: getattr(x, name)(), [values], device=device)
    check(lambda x: getattr(axonml if isinstance(x, axonml.Tensor) else torch, name)(x), [values], device=device)


@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfc", "erfinv", "i0", "logit"])
def test_in_place(device, name):
    values = _grid(0.05, 0.95)
    check(lambda x: getattr(x * 1, name + "_")(), [values], device=device)


def test_polygamma(device):
    for n in range(4):
        check(lambda x, n=n: x.polygamma(n) if n % 2 else
              (axonml if isinstance(x, axonml.Tensor) else torch).polygamma(n, x), [_grid(0.3, 9.0)], device=device)


def test_mvlgamma(device):
    for p in (1, 3):
        check(lambda x, p=p: (axonml if isinstance(x, axonml.Tensor) else torch).mvlgamma(x, p),
              [_grid(1.2, 6.0)], device=device)
    check(lambda x: x.mvlgamma(2), [_grid(1.2, 6.0)], device=device)
    check(lambda x: (special if isinstance(x, axonml.Tensor) else torch.special).multigammaln(x, 4),
          [_grid(2.0, 6.0)], device=device)


def test_logit_eps(device):
    values = np.array([[0.0, 0.01, 0.3, 0.5, 0.97, 1.0]])
    check(lambda x: (special if isinstance(x, axonml.Tensor) else torch.special).logit(x, eps=0.05),
          [values], device=device)


def test_xlogy(device):
    a = np.array([[0.0, 1.5, -2.0, 0.0], [3.0, 0.0, 0.25, 2.0]])
    b = np.array([[0.5, 2.0, 3.5, np.nan]])
    ns = lambda x: special if isinstance(x, axonml.Tensor) else torch.special
    check(lambda x, y: ns(x).xlogy(x, y), [a, np.abs(b[:, :4]) + 0.1], device=device)
    check(lambda x, y: ns(x).xlog1py(x, y), [a, np.abs(b[:, :4]) + 0.1], device=device)
    check(lambda x, y: ns(x).xlogy(x, y), [a, b], device=device, grad=False)
    check(lambda x: ns(x).xlogy(x, 2.5), [a], device=device)
    check(lambda y: ns(y).xlogy(3, y), [np.abs(a) + 0.5], device=device)
    check(lambda x, y: x.xlogy(y), [a, np.abs(a) + 1.0], device=device)


def test_incomplete_gamma(device):
    a = _grid(0.3, 8.0, (2, 6), seed=1)
    x = _grid(0.01, 14.0, (2, 6), seed=2)
    ns = lambda t: special if isinstance(t, axonml.Tensor) else torch.special
    check(lambda a, x: ns(a).gammainc(a, x), [a, x], device=device, grad_inputs=[1])
    check(lambda a, x: ns(a).gammaincc(a, x), [a, x], device=device, grad_inputs=[1])
    check(lambda a, x: a.igamma(x), [a, x], device=device, grad_inputs=[1])
    edges = np.array([0.0, 1.0, 0.0, 2.0, np.inf])
    check(lambda a, x: ns(a).gammainc(a, x), [edges, np.array([1.0, 0.0, 0.0, np.inf, 3.0])], device=device,
          grad=False)


def test_incomplete_gamma_has_no_derivative_in_a():
    a = axonml.tensor([1.5, 2.0], requires_grad=True)
    with pytest.raises(NotImplementedError):
        special.gammainc(a, axonml.tensor([1.0, 2.0])).sum().backward()


def test_zeta(device):
    ns = lambda t: special if isinstance(t, axonml.Tensor) else torch.special
    check(lambda x, q: ns(x).zeta(x, q), [_grid(1.1, 8.0), _grid(0.2, 5.0)], device=device, grad=False)
    check(lambda x: ns(x).zeta(x, 1.0), [_grid(1.5, 6.0)], device=device, grad=False)
    check(lambda q: ns(q).zeta(2.0, q), [np.array([-2.0, -1.5, 0.0, 0.5, 3.0])], device=device, grad=False)


NO_GRADIENT = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
               "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
               "spherical_bessel_j0", "airy_ai"]


# torch's float64 J0 and Y0 are accurate to about 1e-7 absolute only (near their zeros they differ from the
# exact values, which scipy gives, by 1e-4 relative), so they are compared in float32
TORCH_FLOAT64_APPROXIMATE = {"bessel_j0", "bessel_y0"}


@pytest.mark.parametrize("name", NO_GRADIENT)
def test_without_gradient(device, name):
    values = _grid(0.1, 12.0) if "y" in name or "k" in name else _grid(-12.0, 12.0)
    dtypes = ("float32",) if name in TORCH_FLOAT64_APPROXIMATE else ("float32", "float64")
    check(lambda x: getattr(special if isinstance(x, axonml.Tensor) else torch.special, name)(x), [values],
          device=device, dtypes=dtypes)


POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
               "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
               "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
               "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"]


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial(device, name):
    x = _grid(-1.0, 1.0, (2, 7)) if "shifted" not in name else _grid(0.0, 1.0, (2, 7))
    n = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 8.0, -1.0])
    ns = lambda t: special if isinstance(t, axonml.Tensor) else torch.special
    check(lambda x, n: getattr(ns(x), name)(x, n), [x, n], device=device)
    check(lambda x: getattr(ns(x), name)(x, 4), [x], device=device)


def test_aliases_point_at_one_op():
    assert special.psi is axonml.digamma and special.gammaln is axonml.lgamma
    assert special.multigammaln is axonml.mvlgamma and special.gammainc is axonml.igamma
    assert special.expit is axonml.sigmoid and special.expm1 is axonml.expm1 and special.round is axonml.round
    assert special.softmax is axonml.nn.functional.softmax and special.logsumexp is axonml.logsumexp
    assert sorted(special.__all__) == sorted(n for n in dir(torch.special)
                                             if not n.startswith("_") and n not in ("Tensor", "torch", "common_args",
                                                                                    "multi_dim_common"))


def test_integer_input_is_promoted(device):
    check(lambda x: x.lgamma(), [np.array([1, 2, 5])], device=device)
    check(lambda x, y: (special if isinstance(x, axonml.Tensor) else torch.special).zeta(x, y),
          [np.array([2, 3]), np.array([1, 2])], device=device)


def test_errors():
    check_raises(lambda x: (axonml if isinstance(x, axonml.Tensor) else torch).polygamma(-1, x), [(3,)])
    check_raises(lambda x: (axonml if isinstance(x, axonml.Tensor) else torch).mvlgamma(x, 0), [(3,)])
    check_raises(lambda x, y: (special if isinstance(x, axonml.Tensor) else torch.special).xlogy(x, y),
                 [(3,), (4,)])
    check_raises(lambda x, y: (special if isinstance(x, axonml.Tensor) else torch.special).zeta(x, y),
                 [(2, 3), (4,)])
    with pytest.raises(TypeError):
        special.xlogy(2, 3)
    with pytest.raises(TypeError):
        axonml.polygamma(1.5, axonml.ones(2))


@pytest.mark.parametrize("fn", [axonml.lgamma, axonml.digamma, special.erfcx, axonml.erfinv, special.i0e,
                                special.i1, special.i1e, special.ndtri, special.log_ndtr, special.entr,
                                lambda x: axonml.polygamma(2, x), lambda x: axonml.mvlgamma(x + 1, 2)])
def test_gradcheck(fn):
    x = axonml.tensor(_grid(0.1, 0.9), dtype=axonml.float64, requires_grad=True)
    assert gradcheck(fn, (x,))


# the edges of each domain: poles, infinities, NaN, the ends of [-1, 1] and [0, 1], large arguments
EDGES = {
    "digamma": [0.0, -0.0, -1.0, -2.5, 1e-8, 1e6, np.inf, np.nan],
    "gammaln": [0.0, -1.0, -2.5, 1e-30, 1e6, np.inf, -np.inf, np.nan],
    "erfc": [-np.inf, -30.0, 0.0, 10.0, 27.0, np.inf, np.nan],
    "erfcx": [-30.0, -26.0, 0.0, 1e3, 1e8, np.inf, np.nan],
    "erfinv": [-1.0, 1.0, 0.0, 1.5, -1e-8, 1 - 1e-7, np.nan],
    "ndtri": [0.0, 1.0, -0.5, 2.0, 1e-30, 0.5, np.nan],
    "log_ndtr": [-np.inf, -1e3, -38.0, 0.0, 40.0, np.inf, np.nan],
    "i0": [0.0, -700.0, 85.0, np.inf, -np.inf, np.nan],
    "i1": [0.0, -700.0, 85.0, np.inf, -np.inf, np.nan],
    "i0e": [0.0, -1e6, 1e6, np.inf, np.nan],
    "i1e": [0.0, -1e6, 1e6, np.inf, np.nan],
    "entr": [0.0, -1.0, 1e-30, np.inf, np.nan],
    "bessel_y0": [0.0, -1.0, 1e3, np.inf, np.nan],
    "modified_bessel_k0": [0.0, -1.0, 1e-10, 700.0, np.nan],
    "scaled_modified_bessel_k1": [0.0, -1.0, 1e-10, 1e6, np.nan],
    "airy_ai": [-200.0, -2.09, 0.0, 2.09, 105.0, np.nan],
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_domain_edges(device, name):
    values = np.array(EDGES[name])
    check(lambda x: getattr(special if isinstance(x, axonml.Tensor) else torch.special, name)(x), [values],
          device=device, grad=False, dtypes=("float64",), noncontiguous=(False,))


@pytest.mark.parametrize("fn", [axonml.lgamma, axonml.digamma, axonml.erfc, special.erfcx, axonml.erfinv, axonml.i0,
                                special.i0e, special.i1, special.i1e, special.ndtri, special.log_ndtr,
                                lambda x: axonml.polygamma(2, x), lambda x: axonml.mvlgamma(x + 1, 2),
                                lambda x: special.gammaincc(axonml.full_like(x, 2.5), x)])
def test_gradgradcheck(device, fn):
    from axonml.autograd import gradgradcheck
    x = axonml.tensor([0.15, 0.5, 0.8], dtype=axonml.float64, device=device, requires_grad=True)
    assert gradgradcheck(fn, (x,))
