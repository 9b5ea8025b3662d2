"""Finite-difference checks (float64) of every differentiable elementwise and reduction op."""
import math

import numpy as np
import pytest

import axonml
from axonml.autograd import gradcheck


def _tensor(values, requires_grad=True):
    return axonml.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def _normal(shape, seed=0, away_from=(), margin=0.15, scale=1.0):
    values = np.random.default_rng(seed).standard_normal(shape) * scale
    for point in away_from:
        close = np.abs(values - point) < margin
        values = np.where(close, point + np.where(values >= point, margin, -margin), values)
    return values


def _uniform(shape, low, high, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape)


A = _normal((3, 4))
B = _normal((4,), seed=1)
NONZERO = _normal((3, 4), away_from=(0,))
POSITIVE = _uniform((3, 4), 0.3, 3.0)
DISTINCT = (np.random.default_rng(5).permutation(24).reshape(2, 3, 4) - 12) / 5.0

UNARY = {
    "neg": (lambda x: -x, A),
    "abs": (lambda x: x.abs(), NONZERO),
    "exp": (lambda x: x.exp(), A),
    "log": (lambda x: x.log(), POSITIVE),
    "log2": (lambda x: x.log2(), POSITIVE),
    "log10": (lambda x: x.log10(), POSITIVE),
    "log1p": (lambda x: x.log1p(), POSITIVE - 0.2),
    "expm1": (lambda x: x.expm1(), A),
    "sqrt": (lambda x: x.sqrt(), POSITIVE),
    "rsqrt": (lambda x: x.rsqrt(), POSITIVE),
    "square": (lambda x: x.square(), A),
    "reciprocal": (lambda x: x.reciprocal(), NONZERO),
    "sin": (lambda x: x.sin(), A),
    "cos": (lambda x: x.cos(), A),
    "tan": (lambda x: x.tan(), _uniform((3, 4), -1.2, 1.2)),
    "tanh": (lambda x: x.tanh(), A),
    "sigmoid": (lambda x: x.sigmoid(), A),
    "erf": (lambda x: x.erf(), A),
    "pow_scalar": (lambda x: x ** 2.5, POSITIVE),
    "pow_negative": (lambda x: x ** -1.5, POSITIVE),
    "rpow": (lambda x: 1.7 ** x, A),
    "relu": (lambda x: x.relu(), NONZERO),
    "gelu": (lambda x: axonml.gelu(x), A),
    "gelu_tanh": (lambda x: axonml.gelu(x, approximate="tanh"), A),
    "silu": (lambda x: axonml.silu(x), A),
    "elu": (lambda x: axonml.elu(x, alpha=0.7), NONZERO),
    "selu": (lambda x: axonml.selu(x), NONZERO),
    "celu": (lambda x: axonml.celu(x, alpha=1.5), NONZERO),
    "leaky_relu": (lambda x: axonml.leaky_relu(x, 0.1), NONZERO),
    "softplus": (lambda x: axonml.softplus(x, beta=2.0, threshold=3.0), _normal((3, 4), away_from=(1.5,), scale=2)),
    "hardtanh": (lambda x: axonml.hardtanh(x, -0.5, 0.5), _normal((3, 4), away_from=(-0.5, 0.5))),
    "relu6": (lambda x: axonml.relu6(x), _normal((3, 4), away_from=(0, 6), scale=4) + 3),
    "hardsigmoid": (lambda x: axonml.hardsigmoid(x), _normal((3, 4), away_from=(-3, 3), scale=3)),
    "hardswish": (lambda x: axonml.hardswish(x), _normal((3, 4), away_from=(-3, 3), scale=3)),
    "mish": (lambda x: axonml.mish(x), A),
    "logsigmoid": (lambda x: axonml.logsigmoid(x), A),
    "clamp_scalars": (lambda x: x.clamp(-0.4, 0.6), _normal((3, 4), away_from=(-0.4, 0.6))),
    "clamp_min": (lambda x: x.clamp(min=0.2), _normal((3, 4), away_from=(0.2,))),
    "remainder_scalar": (lambda x: x % 0.7, _normal((3, 4), away_from=tuple(0.7 * k for k in range(-5, 6)))),
    "fmod_scalar": (lambda x: x.fmod(0.7), _normal((3, 4), away_from=tuple(0.7 * k for k in range(-5, 6)))),
    "nan_to_num": (lambda x: x.nan_to_num(), A),
    "lerp_scalar_weight": (lambda x: x.lerp(axonml.ones(4, dtype=axonml.float64), 0.3), A),
    # reductions
    "sum_dim": (lambda x: x.sum((0, 2)), DISTINCT),
    "mean": (lambda x: x.mean(1, keepdim=True), DISTINCT),
    "var": (lambda x: x.var(1), DISTINCT),
    "var_correction0": (lambda x: x.var((0, 2), correction=0, keepdim=True), DISTINCT),
    "std": (lambda x: x.std(), DISTINCT),
    "std_dim": (lambda x: x.std(-1, unbiased=False), DISTINCT),
    "prod": (lambda x: x.prod(1), DISTINCT),
    "prod_with_zero": (lambda x: x.prod(1), np.array([[0.0, 2.0, -1.5], [0.0, 0.0, 3.0], [1.2, 0.7, -0.9]])),
    "prod_all": (lambda x: x.prod(), _uniform((2, 3), 0.5, 1.5)),
    "max": (lambda x: x.max(), DISTINCT),
    "max_dim": (lambda x: x.max(1).values, DISTINCT),
    "min_dim_keepdim": (lambda x: x.min(-1, keepdim=True)[0], DISTINCT),
    "amax": (lambda x: x.amax((0, 2)), DISTINCT),
    "amin": (lambda x: x.amin(1), DISTINCT),
    "logsumexp": (lambda x: x.logsumexp((1, 2)), DISTINCT),
    "norm": (lambda x: x.norm(), DISTINCT),
    "norm_dim": (lambda x: x.norm(dim=1, keepdim=True), DISTINCT),
    "norm_p1": (lambda x: x.norm(p=1, dim=2), DISTINCT),
    "norm_p3": (lambda x: x.norm(p=3, dim=(0, 1)), DISTINCT),
    "norm_p_half": (lambda x: x.norm(p=0.5), DISTINCT),
    "norm_inf": (lambda x: x.norm(p=math.inf, dim=1), DISTINCT),
    "norm_minus_inf": (lambda x: x.norm(p=-math.inf, dim=2), DISTINCT),
    "cumsum": (lambda x: x.cumsum(1), DISTINCT),
    "cumprod": (lambda x: x.cumprod(2), DISTINCT),
    "cumprod_with_zeros": (lambda x: x.cumprod(1), np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, 2.0]])),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_gradcheck_unary(name):
    fn, values = UNARY[name]
    assert gradcheck(fn, (_tensor(values),))


BINARY = {
    "add": (lambda x, y: x + y, A, B),
    "sub": (lambda x, y: x - y, A, B),
    "mul": (lambda x, y: x * y, A, B),
    "div": (lambda x, y: x / y, A, _normal((4,), seed=1, away_from=(0,))),
    "pow": (lambda x, y: x ** y, POSITIVE, B),
    "remainder": (lambda x, y: x % y, _uniform((3, 4), 0.1, 0.9) + np.arange(4), np.full(4, 1.0) + 0.05 * B),
    "fmod": (lambda x, y: x.fmod(y), _uniform((3, 4), 0.1, 0.9) - np.arange(4), np.full(4, 1.0) + 0.05 * B),
    "maximum": (lambda x, y: axonml.maximum(x, y), A, B),
    "minimum": (lambda x, y: axonml.minimum(x, y), A, B),
    "clamp_min_tensor": (lambda x, y: x.clamp(min=y), A, B),
    "clamp_max_tensor": (lambda x, y: x.clamp(max=y), A, B),
    "where": (lambda x, y: axonml.where(x > 0, x, y), NONZERO, B),
    "lerp": (lambda x, y: x.lerp(y, 0.35), A, B),
    "addcmul": (lambda x, y: x.addcmul(y, y, value=0.5), A, B),
    "addcdiv": (lambda x, y: x.addcdiv(x, y, value=-2), A, _normal((4,), seed=1, away_from=(0,))),
    "copy": (lambda x, y: (x * 1).copy_(y) * x, A, B),
    "fill_tensor": (lambda x, y: (x * 1).fill_(y.sum()) * x, A, B),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_gradcheck_binary(name):
    fn, left, right = BINARY[name]
    assert gradcheck(fn, (_tensor(left), _tensor(right)))


def test_gradcheck_clamp_both_tensor_bounds():
    low = _normal((4,), seed=2) - 0.8
    high = _normal((3, 1), seed=3) + 0.8
    assert gradcheck(lambda x, lo, hi: x.clamp(lo, hi), (_tensor(A), _tensor(low), _tensor(high)))


def test_gradcheck_lerp_tensor_weight():
    assert gradcheck(lambda x, y, w: x.lerp(y, w), (_tensor(A), _tensor(B), _tensor(_normal((3, 1), seed=4))))


def test_gradcheck_inplace_chain():
    # in-place ops that save their input (abs_, pow_, clamp_) keep the original for backward
    assert gradcheck(lambda x: (x * 1).abs_().pow_(1.5).clamp_(max=1.2).log_(), (_tensor(NONZERO),))


def test_gradcheck_catches_a_wrong_gradient():
    class WrongExp(axonml.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.exp()

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    with pytest.raises(RuntimeError):
        gradcheck(WrongExp.apply, (_tensor(A),))
