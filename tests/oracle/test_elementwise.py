"""Elementwise ops against PyTorch: forward, backward, promotion, broadcasting, in-place forms, errors."""
import math
import operator

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import axonml
from axonml.autograd import gradcheck
from tests.oracle.oracle import assert_close, check, check_raises

BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,))]


def _values(shape, low=None, high=None, away_from=(), seed=0, margin=0.1):
    """Seeded float64 values of shape; in [low, high] when given; at least margin away from the listed points."""
    rng = np.random.default_rng(seed)
    if low is not None:
        values = rng.uniform(low, high, shape)
    else:
        values = rng.standard_normal(shape)
    for point in away_from:
        close = np.abs(values - point) < margin
        values = np.where(close, point + np.where(values >= point, margin, -margin), values)
    return values


def _both(name, module=None, **kwargs):
    """fn and torch_fn calling the function `name` of axonml and of torch (or torch.nn.functional)."""
    torch_namespace = F if module == "F" else torch
    return (lambda *args: getattr(axonml, name)(*args, **kwargs),
            lambda *args: getattr(torch_namespace, name)(*args, **kwargs))


# --- arithmetic ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shapes", BINARY_SHAPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_binary(op, shapes, device):
    fn = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}[op]
    check(fn, list(shapes), device=device)


@pytest.mark.parametrize("scalar", [2, 0.5, -3])
def test_scalar_operands(scalar, device):
    check(lambda x: x * scalar + scalar - x / scalar, [(3, 2)], device=device)
    check(lambda x: scalar - x, [(4,)], device=device)
    check(lambda x: scalar / x, [_values((4,), away_from=(0,))], device=device)


def test_add_sub_alpha(device):
    check(lambda x, y: x.add(y, alpha=2.5) - x.sub(y, alpha=-1), [(3, 4), (4,)], device=device)


def test_broadcast_mismatch_raises(device):
    check_raises(lambda x, y: x + y, [(3, 4), (5,)], device=device)


# --- type promotion ------------------------------------------------------------------------------------------

INT = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int64)
INT32 = np.array([[7, 1, -2]], dtype=np.int32)
BOOL = np.array([[True, False, True], [False, False, True]])
FLOAT = np.array([[0.5, -1.5, 2.0], [1.0, 3.0, -0.25]])


@pytest.mark.parametrize("fn", [
    lambda i: i * 2.5, lambda i: i / 2, lambda i: i + 1, lambda i: 2.5 - i, lambda i: i * True,
    lambda i: i ** 2, lambda i: i ** 2.5, lambda i: 2 ** i.abs(), lambda i: 1.5 ** i, lambda i: i // 4,
    lambda i: i % 4, lambda i: -i, lambda i: i.abs(), lambda i: i.sign(), lambda i: i.exp(),
    lambda i: i.sqrt(), lambda i: i.reciprocal(), lambda i: i.sigmoid(), lambda i: i.relu(), lambda i: i.square(),
    lambda i: i.floor(), lambda i: i.round(), lambda i: i < 2.5, lambda i: i == 4, lambda i: i.clamp(0.5),
    lambda i: i.clamp(-1, 2),
], ids=lambda fn: None)
def test_integer_promotion(fn, device):
    check(fn, [INT], device=device)


@pytest.mark.parametrize("fn", [
    lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a / b, lambda a, b: a == b, lambda a, b: a < b,
    lambda a, b: torch_or_axonml(a).maximum(a, b),
])
@pytest.mark.parametrize("pair", ["int64-int32", "int-float", "bool-int", "float-bool"])
def test_mixed_dtype_promotion(fn, pair, device):
    left, right = {"int64-int32": (INT, INT32.__abs__()), "int-float": (INT, FLOAT), "bool-int": (BOOL, INT),
                   "float-bool": (np.abs(FLOAT), BOOL)}[pair]
    check(fn, [left, right], device=device)


@pytest.mark.parametrize("pair", ["int64-int32", "int-float"])
def test_mixed_dtype_subtraction_and_pow(pair, device):
    left, right = {"int64-int32": (INT, INT32), "int-float": (INT, FLOAT)}[pair]
    check(lambda a, b: a - b, [left, right], device=device)
    check(lambda a, b: a.abs() ** b.abs(), [left, right], device=device)


def torch_or_axonml(t):
    return torch if isinstance(t, torch.Tensor) else axonml


def test_bool_arithmetic(device):
    check(lambda a, b: a + b, [BOOL, BOOL[::-1].copy()], device=device)
    check(lambda a, b: a * b, [BOOL, BOOL[::-1].copy()], device=device)
    check(lambda a: a + 1.5, [BOOL], device=device)


def test_zero_dim_tensor_does_not_promote_dimensioned_one(device):
    check(lambda x, s: x * s, [np.ones((2, 3), np.float32), np.array(2.0, np.float64)], dtypes=("float32",),
          device=device)
    check(lambda i, s: i * s, [INT, np.array(2.5)], device=device)


def test_numpy_scalar_operand(device):
    check(lambda x: x * np.float64(1.5) + np.int64(2), [(2, 3)], device=device)


# --- powers and integer-style division --------------------------------------------------------------------------

@pytest.mark.parametrize("exponent", [2, 3, 0, -1, 0.5, -1.5, 2.5])
def test_pow_tensor_scalar(exponent, device):
    check(lambda x: x ** exponent, [_values((3, 4), 0.2, 3.0)], device=device)
    check(lambda x: x.pow(exponent), [_values((5,), 0.2, 3.0)], device=device)


@pytest.mark.parametrize("base", [2, 0.5, 3.5])
def test_pow_scalar_tensor(base, device):
    check(lambda x: base ** x, [(3, 4)], device=device)
    check(lambda x: torch_or_axonml(x).pow(base, x), [(4,)], device=device)


@pytest.mark.parametrize("shapes", BINARY_SHAPES)
def test_pow_tensor_tensor(shapes, device):
    check(lambda x, y: x ** y, [_values(shapes[0], 0.2, 3.0), _values(shapes[1], -2.0, 2.0, seed=1)],
          device=device)


def test_pow_at_zero_base_has_torchs_gradients(device):
    check(lambda x, y: x ** y, [np.array([0.0, 0.0, 1.5, 2.0]), np.array([0.0, 2.0, 0.0, 1.5])], device=device)
    check(lambda x: x ** 0, [np.array([0.0, 1.0, 2.0])], device=device)


def test_pow_integer(device):
    check(lambda i: i ** 2, [INT], device=device)
    check(lambda i, j: i.abs() ** j.abs(), [INT, INT32], device=device)
    check_raises(lambda i: i ** -1, [INT], device=device)
    # a tensor of negative integer exponents is no error: x ** -n is 0 unless x is 1 or -1
    check(lambda i, j: i ** j, [np.array([1, 2, -1, 3, -1, 0, 5]), np.array([-1, -2, -3, 0, -2, 2, 1])],
          device=device)


def test_square(device):
    check(lambda x: x.square(), [(3, 4)], device=device)
    check(lambda b: b.square(), [BOOL], device=device)


@pytest.mark.parametrize("shapes", BINARY_SHAPES)
def test_floor_divide(shapes, device):
    check(lambda x, y: x // y, [_values(shapes[0]) * 5, _values(shapes[1], away_from=(0,), seed=1)],
          grad=False, device=device)
    check(lambda x: x // 0.7, [(3, 4)], grad=False, device=device)
    check(lambda x: 3.0 // x, [_values((4,), away_from=(0,))], grad=False, device=device)


def test_floor_divide_integers(device):
    signs = np.array([[3, -3, 3], [-3, 2, -2]], dtype=np.int64)
    check(lambda i, j: i // j, [INT, signs], device=device)
    check(lambda i, j: i.floor_divide(j), [INT, signs], device=device)


def test_floor_divide_backward_raises():
    x = axonml.tensor([1.0, 2.0], requires_grad=True)
    y = x // 2
    with pytest.raises(RuntimeError):
        y.sum().backward()


@pytest.mark.parametrize("op", ["remainder", "fmod"])
@pytest.mark.parametrize("shapes", BINARY_SHAPES)
def test_remainder_fmod(op, shapes, device):
    a = _values(shapes[0]) * 5
    b = _values(shapes[1], away_from=(0,), seed=1, margin=0.3)
    check(lambda x, y: getattr(x, op)(y), [a, b], device=device)
    check(lambda x: getattr(x, op)(1.3), [a], device=device)


def test_mod_operator(device):
    check(lambda x, y: x % y, [_values((3, 4)) * 5, _values((4,), away_from=(0,), seed=1, margin=0.3)],
          device=device)
    check(lambda x: 2.5 % x, [_values((4,), away_from=(0,), margin=0.3)], grad=False, device=device)
    signs = np.array([[3, -3, 3], [-3, 2, -2]], dtype=np.int64)
    check(lambda i, j: i % j, [INT, signs], device=device)
    check(lambda i, j: i.fmod(j), [INT, signs], device=device)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode(mode, device):
    check(lambda x, y: x.div(y, rounding_mode=mode), [_values((3, 4)) * 5, _values((4,), away_from=(0,), seed=1)],
          device=device)
    signs = np.array([[3, -4, 4], [-3, 2, -4]], dtype=np.int64)
    check(lambda i, j: i.div(j, rounding_mode=mode), [INT, signs], device=device)
    check(lambda i: torch_or_axonml(i).div(i, 4, rounding_mode=mode), [INT], device=device)


@pytest.mark.parametrize("fn", [
    lambda i, z: i // z, lambda i, z: i % z, lambda i, z: i.fmod(z), lambda i, z: i.div(z, rounding_mode="trunc"),
    lambda i, z: i.div(z, rounding_mode="floor"),
])
def test_integer_division_by_zero_raises(fn, device):
    check_raises(fn, [INT, np.array([1, 0, 2], dtype=np.int64)], device=device)


def test_div_bad_rounding_mode_raises(device):
    check_raises(lambda x: x.div(2, rounding_mode="up"), [(3,)], device=device)


# --- unary math ---------------------------------------------------------------------------------------------------

UNARY = {
    # name: inputs (kept away from points where the function or its derivative is undefined)
    "abs": dict(away_from=(0,)), "sign": {}, "neg": {}, "exp": {}, "log": dict(low=0.1, high=4),
    "log2": dict(low=0.1, high=4), "log10": dict(low=0.1, high=4), "log1p": dict(low=-0.8, high=4),
    "expm1": {}, "sqrt": dict(low=0.1, high=4), "rsqrt": dict(low=0.1, high=4),
    "reciprocal": dict(away_from=(0,)), "sin": {}, "cos": {}, "tan": dict(low=-1.3, high=1.3), "tanh": {},
    "sigmoid": {}, "erf": {}, "relu": dict(away_from=(0,)), "square": {}, "floor": {}, "ceil": {}, "round": {}, "trunc": {},
    "positive": {}, "negative": {}, "absolute": dict(away_from=(0,)), "fix": {},
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name, device):
    values = _values((3, 5), **UNARY[name]) * (3 if name in ("floor", "ceil", "round", "trunc", "fix") else 1)
    check(lambda x: getattr(x, name)(), [values], device=device)
    check(lambda x: getattr(torch_or_axonml(x), name)(x), [values[0, :4]], device=device)


@pytest.mark.parametrize("name", ["abs", "neg", "exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "erf",
                                  "relu", "reciprocal", "rsqrt", "floor", "ceil", "round", "trunc", "sign",
                                  "log1p", "expm1", "log2", "log10", "square"])
def test_unary_inplace(name, device):
    values = _values((3, 4), **UNARY[name])
    check(lambda x: getattr(x * 1, name + "_")(), [values], device=device)


def test_round_decimals(device):
    check(lambda x: x.round(decimals=2), [_values((3, 4)) * 10], device=device)
    check(lambda x: torch_or_axonml(x).round(x, decimals=-1), [_values((4,)) * 100], device=device)


def test_sign_of_nan_is_zero(device):
    check(lambda x: x.sign(), [np.array([np.nan, -0.0, 0.0, 2.5, -1.0])], device=device)


def test_abs_at_zero_has_zero_gradient(device):
    check(lambda x: x.abs(), [np.array([-1.0, 0.0, 2.0])], device=device)


def test_unary_rejects_bool_like_torch(device):
    check_raises(lambda b: -b, [BOOL], device=device)
    check_raises(lambda b: b.abs(), [BOOL], device=device)
    check_raises(lambda b: b.floor(), [BOOL], device=device)


# --- activations ----------------------------------------------------------------------------------------------------

ACTIVATIONS = [
    ("relu", {}, dict(away_from=(0,))),
    ("gelu", {}, {}),
    ("gelu", dict(approximate="tanh"), {}),
    ("silu", {}, {}),
    ("elu", {}, dict(away_from=(0,))),
    ("elu", dict(alpha=0.7), dict(away_from=(0,))),
    ("selu", {}, dict(away_from=(0,))),
    ("celu", dict(alpha=1.5), dict(away_from=(0,))),
    ("leaky_relu", {}, dict(away_from=(0,))),
    ("leaky_relu", dict(negative_slope=0.2), dict(away_from=(0,))),
    ("softplus", {}, {}),
    ("softplus", dict(beta=2.0, threshold=3.0), dict(low=-4, high=4, away_from=(1.5,))),
    ("hardtanh", {}, dict(low=-3, high=3, away_from=(-1, 1))),
    ("hardtanh", dict(min_val=-0.5, max_val=2.0), dict(low=-3, high=3, away_from=(-0.5, 2.0))),
    ("relu6", {}, dict(low=-3, high=9, away_from=(0, 6))),
    ("hardsigmoid", {}, dict(low=-5, high=5, away_from=(-3, 3))),
    ("hardswish", {}, dict(low=-5, high=5, away_from=(-3, 3))),
    ("mish", {}, {}),
    ("logsigmoid", {}, {}),
]


@pytest.mark.parametrize("name,kwargs,domain", ACTIVATIONS, ids=lambda p: str(p))
def test_activation(name, kwargs, domain, device):
    values = _values((4, 6), **domain) * (1 if domain else 3)
    check(lambda x: getattr(axonml, name)(x, **kwargs), [values], device=device,
          torch_fn=lambda x: getattr(F, name)(x, **kwargs))


def test_activation_extremes_do_not_overflow(device):
    values = np.array([-800.0, -50.0, -1.0, 0.5, 30.0, 800.0])
    for name in ("softplus", "logsigmoid", "mish", "silu", "elu", "selu", "gelu"):
        check(lambda x: getattr(axonml, name)(x), [values], torch_fn=lambda x: getattr(F, name)(x), dtypes=("float64",),
              device=device)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "selu"])
def test_torch_level_activation(name, device):
    check(lambda x: getattr(torch_or_axonml(x), name)(x), [_values((3, 4), away_from=(0,))], device=device)


@pytest.mark.parametrize("name", ["relu", "elu", "leaky_relu", "hardtanh", "relu6", "silu", "selu", "mish"])
def test_activation_inplace_flag(name, device):
    check(lambda x: getattr(axonml, name)(x * 1, inplace=True), [_values((3, 4), low=-3, high=3,
                                                                              away_from=(-1, 0, 1))],
          torch_fn=lambda x: getattr(F, name)(x * 1, inplace=True), device=device)


def test_activation_errors(device):
    check_raises(lambda x: axonml.gelu(x, approximate="fast"), [(3,)], device=device,
                 torch_fn=lambda x: F.gelu(x, approximate="fast"))
    check_raises(lambda i: axonml.gelu(i), [INT], device=device, torch_fn=lambda i: F.gelu(i))
    check_raises(lambda x: axonml.hardtanh(x, 2.0, 1.0), [(3,)], device=device,
                 torch_fn=lambda x: F.hardtanh(x, 2.0, 1.0))
    check_raises(lambda x: axonml.celu(x, alpha=0.0), [(3,)], device=device,
                 torch_fn=lambda x: torch.celu(x, alpha=0.0))


# --- clamp, maximum/minimum, where, lerp --------------------------------------------------------------------------------

@pytest.mark.parametrize("bounds", [(-0.5, 0.5), (None, 0.3), (-0.2, None), (0.5, -0.5), (-1, 1)])
def test_clamp_scalar_bounds(bounds, device):
    low, high = bounds
    values = _values((4, 5), away_from=tuple(b for b in bounds if b is not None))
    check(lambda x: x.clamp(low, high), [values], device=device)
    check(lambda x: x.clip(min=low, max=high), [values], device=device)


def test_clamp_gradient_includes_the_bounds(device):
    check(lambda x: x.clamp(-1.0, 1.0), [np.array([-2.0, -1.0, 0.0, 1.0, 2.0])], device=device)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((2, 4), (4,), ())])
def test_clamp_tensor_bounds(shapes, device):
    x = _values(shapes[0], seed=0)
    low = _values(shapes[1], seed=1) - 0.5
    high = _values(shapes[2], seed=2) + 0.5
    check(lambda x, lo, hi: x.clamp(lo, hi), [x, low, high], device=device)
    check(lambda x, lo: x.clamp(min=lo), [x, low], device=device)
    check(lambda x, hi: x.clamp(max=hi), [x, high], device=device)


def test_clamp_tensor_bounds_crossing(device):
    # where min > max the result is max, and the gradient goes to max (PyTorch's rule)
    check(lambda x, lo, hi: torch_or_axonml(x).clamp(x, lo, hi),
          [np.array([0., 1., 2., 3., 4.]), np.array([1., 1., 3., 3.5, 0.]), np.array([2., 0.5, 2.5, 3., 5.])],
          device=device)


def test_clamp_min_max_methods(device):
    check(lambda x: x.clamp_min(0.2) + x.clamp_max(-0.1), [_values((3, 4), away_from=(0.2, -0.1))], device=device)
    check(lambda x: (x * 1).clamp_(-0.5, 0.5), [_values((3, 4), away_from=(-0.5, 0.5))], device=device)
    check(lambda x: (x * 1).clamp_min_(0.1), [_values((3, 4), away_from=(0.1,))], device=device)


def test_clamp_errors(device):
    check_raises(lambda x: x.clamp(), [(3,)], device=device)
    check_raises(lambda x: x.clamp(min="a"), [(3,)], device=device)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
@pytest.mark.parametrize("shapes", BINARY_SHAPES)
def test_maximum_minimum(op, shapes, device):
    check(lambda x, y: getattr(torch_or_axonml(x), op)(x, y), list(shapes), device=device)
    check(lambda x, y: getattr(x, op)(y), list(shapes), device=device)


@pytest.mark.parametrize("op", ["maximum", "minimum", "max", "min"])
def test_maximum_minimum_split_ties(op, device):
    check(lambda x, y: getattr(torch_or_axonml(x), op)(x, y),
          [np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 4.0])], device=device)


def test_maximum_requires_tensors(device):
    check_raises(lambda x: torch_or_axonml(x).maximum(x, 1.0), [(3,)], device=device)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((2, 1, 4), (), (3, 1))])
def test_where(shapes, device):
    cond = _values(shapes[0], seed=3) > 0
    check(lambda c, x, y: torch_or_axonml(x).where(c, x, y), [cond, _values(shapes[1]), _values(shapes[2], seed=1)],
          device=device)
    check(lambda c, x, y: x.where(c, y), [cond, _values(shapes[1]), _values(shapes[2], seed=1)], device=device)


def test_where_scalars_and_promotion(device):
    cond = np.array([[True, False, True], [False, True, False]])
    check(lambda c, x: torch_or_axonml(x).where(c, x, 0.0), [cond, (2, 3)], device=device)
    check(lambda c, x: torch_or_axonml(x).where(c, 2, x), [cond, (2, 3)], device=device)
    check(lambda c, i: torch_or_axonml(i).where(c, i, 0.5), [cond, INT], device=device)
    check(lambda c, i, x: torch_or_axonml(i).where(c, i, x), [cond, INT, FLOAT], device=device)
    check(lambda c: torch_or_axonml(c).where(c, 1.0, 0.0), [cond], device=device)
    check(lambda c: torch_or_axonml(c).where(c, 1, 0), [cond], device=device)


def test_where_with_condition_only_is_nonzero(device):
    check(lambda c: torch_or_axonml(c).where(c), [np.array([[True, False, True], [False, True, True]])],
          device=device)
    check(lambda x: torch_or_axonml(x).where(x > 0), [(3, 4)], device=device)


def test_where_requires_bool_condition(device):
    check_raises(lambda i, x: torch_or_axonml(x).where(i, x, x), [INT, FLOAT], device=device)
    check_raises(lambda c, x, y: torch_or_axonml(x).where(c, x, y),
                 [np.array([True, False]), (3,), (3,)], device=device)


@pytest.mark.parametrize("weight", [0.3, 1.7, "tensor", "broadcast"])
def test_lerp(weight, device):
    start, end = _values((3, 4)), _values((3, 4), seed=1)
    if weight == "tensor":
        check(lambda a, b, w: a.lerp(b, w), [start, end, _values((3, 4), seed=2)], device=device)
    elif weight == "broadcast":
        check(lambda a, b, w: torch_or_axonml(a).lerp(a, b, w), [start, end[0], _values((3, 1), seed=2)],
              device=device)
    else:
        check(lambda a, b: a.lerp(b, weight), [start, end], device=device)
        check(lambda a, b: (a * 1).lerp_(b, weight), [start, end], device=device)


def test_lerp_dtype_mismatch_raises(device):
    check_raises(lambda x, y: x.lerp(y.double(), 0.5), [(3,), (3,)], device=device)


@pytest.mark.parametrize("value", [1, 0.5, -2])
def test_addcmul_addcdiv(value, device):
    inputs = [(3, 4), (4,), _values((3, 1), away_from=(0,), seed=2)]
    check(lambda x, a, b: x.addcmul(a, b, value=value), inputs, device=device)
    check(lambda x, a, b: x.addcdiv(a, b, value=value), inputs, device=device)
    check(lambda x, a, b: torch_or_axonml(x).addcdiv(x, a, b, value=value), inputs, device=device)
    check(lambda x, a, b: (x * 1).addcmul_(a, b, value=value), inputs, device=device)


def test_addcdiv_integer_raises(device):
    check_raises(lambda x, i: x.addcdiv(i, i), [(2, 3), INT], device=device)


# --- comparisons, logical and bitwise ops -------------------------------------------------------------------------------

COMPARISONS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
               "ge": operator.ge}


@pytest.mark.parametrize("name", sorted(COMPARISONS))
@pytest.mark.parametrize("shapes", BINARY_SHAPES)
def test_comparison(name, shapes, device):
    a = np.round(_values(shapes[0]))  # rounded so that equal elements occur
    b = np.round(_values(shapes[1], seed=1))
    check(COMPARISONS[name], [a, b], device=device)
    check(lambda x, y: getattr(x, name)(y), [a, b], device=device)
    check(lambda x: COMPARISONS[name](x, 0.0), [a], device=device)
    check(lambda x: COMPARISONS[name](1, x), [a], device=device)
    check(lambda i: COMPARISONS[name](i, 2.5), [INT], device=device)


def test_comparison_with_none_follows_python():
    x = axonml.tensor([1.0, 2.0])
    assert (x == None) is False  # noqa: E711 - what is tested
    assert (x != None) is True  # noqa: E711
    assert x in {x} and len({x, x.detach()}) == 2
    with pytest.raises(TypeError):
        x < None  # noqa: B015


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_binary(name, device):
    a = np.round(_values((3, 4)))
    check(lambda x, y: getattr(x, name)(y), [a, np.round(_values((4,), seed=1))], device=device)
    check(lambda x, y: getattr(torch_or_axonml(x), name)(x, y), [BOOL, INT], device=device)


def test_logical_not(device):
    check(lambda x: x.logical_not(), [np.round(_values((3, 4)))], device=device)
    check(lambda i: torch_or_axonml(i).logical_not(i), [INT], device=device)


@pytest.mark.parametrize("op", [operator.and_, operator.or_, operator.xor])
def test_bitwise(op, device):
    check(op, [INT, INT32], device=device)
    check(op, [BOOL, BOOL[::-1].copy()], device=device)
    check(op, [INT, BOOL], device=device)
    check(lambda i: op(i, 6), [INT], device=device)
    check(lambda i: op(3, i), [INT], device=device)
    check(lambda b: op(b, True), [BOOL], device=device)


def test_bitwise_methods_and_invert(device):
    check(lambda i, j: i.bitwise_and(j) + i.bitwise_or(j) + i.bitwise_xor(j), [INT, INT32], device=device)
    check(lambda i: ~i, [INT], device=device)
    check(lambda b: ~b, [BOOL], device=device)
    check(lambda i: i.bitwise_not(), [INT32], device=device)


def test_bitwise_on_float_raises(device):
    check_raises(lambda x: x & 1, [(3,)], device=device)
    check_raises(lambda x, y: x | y, [(3,), (3,)], device=device)
    check_raises(lambda x: ~x, [(3,)], device=device)


def test_bool_subtraction_raises():
    # CPU only: the check is NumPy's (the bool subtract loop raises), kept off sub's hot path
    check_raises(lambda a, b: a - b, [BOOL, BOOL])


# --- nan/inf tests and nan_to_num ---------------------------------------------------------------------------------------

SPECIAL = np.array([1.0, np.nan, np.inf, -np.inf, -2.5, 0.0])


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_nan_inf_predicates(name, device):
    check(lambda x: getattr(x, name)(), [SPECIAL], device=device, noncontiguous=(False,))
    check(lambda i: getattr(i, name)(), [INT], device=device)


@pytest.mark.parametrize("kwargs", [{}, dict(nan=1.5), dict(nan=-1.0, posinf=100.0, neginf=-7.0)])
def test_nan_to_num(kwargs, device):
    check(lambda x: x.nan_to_num(**kwargs), [SPECIAL], device=device)
    check(lambda x: torch_or_axonml(x).nan_to_num(x, **kwargs), [SPECIAL], device=device)
    check(lambda i: i.nan_to_num(**kwargs), [INT], device=device)
    check(lambda x: (x * 1).nan_to_num_(**kwargs), [SPECIAL], device=device)


# --- in-place writes: zero_, fill_, copy_ and friends --------------------------------------------------------------------

def test_zero_fill(device):
    check(lambda x: (x * 2).zero_() + x, [(3, 4)], device=device)
    check(lambda x: (x * 2).fill_(1.5) * x, [(3, 4)], device=device)
    check(lambda i: (i * 1).fill_(3), [INT], device=device)


def test_fill_with_tensor_value_is_differentiable(device):
    check(lambda x, v: (x * 2).fill_(v * 3) * x, [(3, 4), np.array(0.7)], device=device)


def test_fill_errors(device):
    check_raises(lambda x, v: (x * 1).fill_(v), [(3,), (1,)], device=device)


@pytest.mark.parametrize("src", [(3, 4), (4,), (3, 1), ()])
def test_copy(src, device):
    check(lambda x, s: (x * 2).copy_(s) * x, [(3, 4), src], device=device)


def test_copy_casts(device):
    check(lambda i, x: (i * 1).copy_(x * 1.5), [INT, FLOAT], device=device)
    check(lambda x, i: (x * 1).copy_(i), [FLOAT, INT], device=device)
    check(lambda x, y: (x * 1).copy_(y.double()), [(2, 3), (2, 3)], dtypes=("float32",), device=device)


def test_copy_into_a_tensor_without_grad_makes_it_require_grad(device):
    check(lambda x, s: x.detach().clone().copy_(s) * 2, [(3, 4), (4,)], device=device)


def test_copy_shape_mismatch_raises(device):
    check_raises(lambda x, y: x.copy_(y), [(2,), (3,)], device=device)


@pytest.mark.parametrize("method", ["zero_", "fill_", "copy_", "exp_", "clamp_", "relu_"])
def test_inplace_on_leaf_requiring_grad_raises(method):
    args = {"fill_": (1.0,), "copy_": "tensor", "clamp_": (0.0,)}.get(method, ())
    outcomes = []
    for module in (torch, axonml):
        x = module.ones(3, requires_grad=True)
        call_args = (module.zeros(3),) if args == "tensor" else args
        with pytest.raises(RuntimeError):
            getattr(x, method)(*call_args)
        with module.no_grad():
            getattr(x, method)(*call_args)
        outcomes.append(x.detach())
    assert_close(outcomes[1], outcomes[0])


@pytest.mark.parametrize("method,args", [
    ("add_", (1.5,)), ("sub_", (0.5,)), ("mul_", (2.0,)), ("div_", (4.0,)), ("pow_", (2,)), ("neg_", ()),
    ("abs_", ()), ("sqrt_", ()), ("exp_", ()), ("sigmoid_", ()), ("tanh_", ()), ("relu_", ()),
    ("clamp_", (0.2, 0.9)), ("remainder_", (0.3,)), ("fmod_", (0.3,)), ("floor_divide_", (0.3,)),
])
def test_inplace_methods(method, args, device):
    values = _values((3, 4), 0.1, 2.0, away_from=(0.2, 0.9, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8), margin=0.02)
    check(lambda x: getattr(x * 1, method)(*args), [values], device=device, grad=method != "floor_divide_")


def test_inplace_result_type_must_fit(device):
    check_raises(lambda i: (i * 1).exp_(), [INT], device=device)
    check_raises(lambda i: (i * 1).mul_(1.5), [INT], device=device)


def test_inplace_of_saved_tensor_is_detected():
    for module in (torch, axonml):
        x = module.ones(3, requires_grad=True)
        y = x * 2
        z = y.exp()
        y.add_(1)
        z.sum().backward()  # exp saved its output, not y: still valid
        y2 = (x * 2).sigmoid()
        w = y2 * y2
        y2.mul_(2)
        with pytest.raises(RuntimeError):
            w.sum().backward()


def test_int_tensor_scalar_promotion_dtype():
    i = axonml.tensor([1, 2, 3])
    assert (i * 2.5).dtype == axonml.float32
    assert (i / i).dtype == axonml.float32
    assert (i + True).dtype == axonml.int64
    assert (axonml.tensor([True]) + axonml.tensor([True])).dtype == axonml.bool
    assert math.isclose((i ** 0.5)[1].item(), math.sqrt(2), rel_tol=1e-6)


# --- threshold, glu, the shrink functions, softsign and prelu ---------------------------------------------------------

SHRINK_ACTIVATIONS = [
    ("threshold", (0.3, -2.0), dict(low=-2, high=2, away_from=(0.3,))),
    ("hardshrink", (), dict(low=-2, high=2, away_from=(-0.5, 0.5))),
    ("hardshrink", (1.2,), dict(low=-3, high=3, away_from=(-1.2, 1.2))),
    ("softshrink", (), dict(low=-2, high=2, away_from=(-0.5, 0.5))),
    ("softshrink", (0.0,), dict(away_from=(0,))),
    ("softshrink", (1.2,), dict(low=-3, high=3, away_from=(-1.2, 1.2))),
    ("softsign", (), dict(low=-6, high=6)),
    ("tanhshrink", (), dict(low=-4, high=4)),
]


@pytest.mark.parametrize("name,args,domain", SHRINK_ACTIVATIONS, ids=lambda p: str(p))
def test_shrink_activations(name, args, domain, device):
    values = _values((4, 6), **domain)
    check(lambda x: getattr(axonml.nn.functional, name)(x, *args), [values], device=device,
          torch_fn=lambda x: getattr(F, name)(x, *args))


@pytest.mark.parametrize("name,args", [("threshold", (0.3, -2.0)), ("hardshrink", (0.5,)), ("prelu", None)])
def test_torch_level_shrink_activations(name, args, device):
    weight = [np.array([0.25, -0.5, 1.5])] if args is None else []
    call = (lambda module: lambda x, *w: getattr(module, name)(x, *w, *(args or ())))
    check(call(axonml), [_values((2, 3, 4), away_from=(-0.5, 0, 0.3, 0.5))] + weight, torch_fn=call(torch),
          device=device)


def test_shrink_tensor_methods(device):
    values = [_values((3, 4), away_from=(-0.7, 0, 0.7))]
    check(lambda x: x.hardshrink(0.7), values, device=device)
    check(lambda x, w: x.prelu(w), values + [np.array([0.1, 0.2, 0.3, 0.4])], device=device)


def test_threshold_integer_input_and_inplace(device):
    integers = np.array([[-1, -2, 0, 3]], dtype=np.int64)
    check(lambda x: axonml.threshold(x, -1.5, 5.7), [integers], torch_fn=lambda x: torch.threshold(x, -1.5, 5.7),
          device=device)
    check(lambda x: axonml.nn.functional.threshold(x * 1, 0.2, 9.0, inplace=True),
          [_values((3, 4), away_from=(0.2,))], torch_fn=lambda x: F.threshold(x * 1, 0.2, 9.0, inplace=True),
          device=device)


def test_softsign_tanhshrink_promote_integers(device):
    for name in ("softsign", "tanhshrink"):
        check(lambda x: getattr(axonml.nn.functional, name)(x), [INT], torch_fn=lambda x: getattr(F, name)(x),
              device=device)


@pytest.mark.parametrize("shape,dim", [((4, 6), -1), ((4, 6), 0), ((2, 4, 3), 1), ((6,), 0)])
def test_glu(shape, dim, device):
    check(lambda x: axonml.nn.functional.glu(x, dim), [shape], torch_fn=lambda x: F.glu(x, dim), device=device)


@pytest.mark.parametrize("input_shape,weight", [((2, 3, 4, 5), (3,)), ((2, 3, 4, 5), (1,)), ((4, 3), (3,)),
                                                 ((5,), (1,)), ((), (1,)), ((2, 3), ())])
def test_prelu(input_shape, weight, device):
    values = _values(input_shape, away_from=(0,)) * 2
    check(lambda x, w: axonml.nn.functional.prelu(x, w), [values, _values(weight, seed=1)],
          torch_fn=lambda x, w: F.prelu(x, w), device=device)


def test_prelu_gradient_at_zero_matches_torch(device):
    check(lambda x, w: axonml.prelu(x, w), [np.array([[-1.0, 0.0, 0.0, 2.0]]), np.array([0.3])],
          torch_fn=lambda x, w: torch.prelu(x, w), device=device)


def test_shrink_activation_errors(device):
    functional = axonml.nn.functional
    check_raises(lambda x: functional.glu(x, 1), [(2, 3)], torch_fn=lambda x: F.glu(x, 1), device=device)
    check_raises(lambda x: functional.glu(x), [()], torch_fn=lambda x: F.glu(x), device=device)
    check_raises(lambda x: functional.glu(x, 2), [(2, 4)], torch_fn=lambda x: F.glu(x, 2), device=device)
    check_raises(lambda x: functional.glu(x), [np.array([1, 2])], torch_fn=lambda x: F.glu(x), device=device)
    check_raises(lambda x: functional.softshrink(x, -1.0), [(3,)], torch_fn=lambda x: F.softshrink(x, -1.0),
                 device=device)
    check_raises(lambda x: functional.hardshrink(x), [INT], torch_fn=lambda x: F.hardshrink(x), device=device)
    check_raises(lambda x: functional.threshold(x, 0, 0), [BOOL], torch_fn=lambda x: F.threshold(x, 0, 0),
                 device=device)
    for shapes in ([(2, 3), (2,)], [(3,), (3,)], [(2, 3), (1, 3)]):
        check_raises(lambda x, w: functional.prelu(x, w), shapes, torch_fn=lambda x, w: F.prelu(x, w), device=device)
    check_raises(lambda x, w: functional.prelu(x, w.double()), [(2, 3), (3,)],
                 torch_fn=lambda x, w: F.prelu(x, w.double()), device=device)
    check_raises(lambda x, w: functional.prelu(x, w), [INT, np.array([1])], torch_fn=lambda x, w: F.prelu(x, w),
                 device=device)


def test_softshrink_error_message_names_the_range():
    with pytest.raises(RuntimeError, match=r"lambda must be in range \[0, 1.79769e\+308\] for input dtype Double, "
                                           r"but found -1"):
        axonml.nn.functional.softshrink(axonml.zeros(3, dtype=axonml.float64), -1.0)


SHRINK_GRADCHECK = {
    "threshold": (lambda x: axonml.threshold(x, 0.3, -2.0), dict(away_from=(0.3,))),
    "glu": (lambda x: axonml.nn.functional.glu(x, 0), {}),
    "hardshrink": (lambda x: axonml.hardshrink(x, 0.4), dict(away_from=(-0.4, 0.4))),
    "softshrink": (lambda x: axonml.nn.functional.softshrink(x, 0.4), dict(away_from=(-0.4, 0.4))),
    "softsign": (lambda x: axonml.nn.functional.softsign(x), dict(away_from=(0,))),
    "tanhshrink": (lambda x: axonml.nn.functional.tanhshrink(x), {}),
}


@pytest.mark.parametrize("name", sorted(SHRINK_GRADCHECK))
def test_shrink_activation_gradcheck(name):
    fn, domain = SHRINK_GRADCHECK[name]
    x = axonml.from_numpy(_values((4, 3), **domain)).requires_grad_()
    assert gradcheck(fn, [x])


@pytest.mark.parametrize("weight_shape", [(3,), (1,), ()])
def test_prelu_gradcheck(weight_shape):
    x = axonml.from_numpy(_values((2, 3, 4), away_from=(0,))).requires_grad_()
    weight = axonml.from_numpy(_values(weight_shape, seed=2)).requires_grad_()
    assert gradcheck(lambda x, w: axonml.prelu(x, w), [x, weight])


# --- inverse trigonometric and hyperbolic functions, atan2, hypot, logaddexp, angle conversion ----------------------

TRIG = {
    # name: inputs kept inside the domain and away from points where the derivative is undefined
    "asin": dict(low=-0.9, high=0.9), "acos": dict(low=-0.9, high=0.9), "atan": {}, "sinh": {}, "cosh": {},
    "asinh": {}, "acosh": dict(low=1.1, high=4), "atanh": dict(low=-0.9, high=0.9), "deg2rad": {}, "rad2deg": {},
    "arcsin": dict(low=-0.9, high=0.9), "arccos": dict(low=-0.9, high=0.9), "arctan": {}, "arcsinh": {},
    "arccosh": dict(low=1.1, high=4), "arctanh": dict(low=-0.9, high=0.9), "sinc": {},
}


@pytest.mark.parametrize("name", sorted(TRIG))
def test_trig_unary(name, device):
    values = _values((3, 5), **TRIG[name])
    check(lambda x: getattr(x, name)(), [values], device=device)
    check(lambda x: getattr(torch_or_axonml(x), name)(x), [values[0, :4]], device=device)
    # torch has no derivative for in-place acosh_, asinh_, atanh_; the out-of-place gradient is checked above
    inplace_grad = name.replace("arc", "a") not in ("acosh", "asinh", "atanh")
    check(lambda x: getattr(x * 1, name + "_")(), [values], device=device, grad=inplace_grad)


@pytest.mark.parametrize("name", ["asin", "acosh", "atanh", "sinh", "deg2rad"])
def test_trig_unary_integer_input_gives_default_float(name, device):
    check(lambda i: getattr(i, name)(), [INT], device=device)


def test_trig_outside_domain_is_nan(device):
    check(lambda x: x.asin() + x.acos() + x.atanh(), [np.array([-2.0, 1.5, 3.0])], device=device, grad=False)
    check(lambda x: x.acosh(), [np.array([0.5, -1.0])], device=device, grad=False)


@pytest.mark.parametrize("shapes", BINARY_SHAPES)
@pytest.mark.parametrize("name", ["atan2", "arctan2", "hypot", "logaddexp"])
def test_trig_binary(name, shapes, device):
    fn, torch_fn = _both(name)
    check(fn, list(shapes), torch_fn=torch_fn, device=device)
    check(lambda x, y: getattr(x, name)(y), list(shapes), device=device)


@pytest.mark.parametrize("name", ["atan2", "hypot"])
def test_trig_binary_inplace(name, device):
    check(lambda x, y: getattr(x * 1, name + "_")(y), [(3, 4), (4,)], device=device)


def test_atan2_quadrants_and_zero(device):
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0, -0.0])
    x = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0, -1.0])
    check(lambda a, b: torch_or_axonml(a).atan2(a, b), [y, x], device=device)


def test_logaddexp_extremes(device):
    a = np.array([1000.0, -1000.0, -np.inf, np.inf, 3.0, -np.inf])
    b = np.array([999.0, -1001.0, -np.inf, np.inf, -np.inf, 2.0])
    check(lambda x, y: torch_or_axonml(x).logaddexp(x, y), [a, b], device=device, grad=False)
    check(lambda x, y: torch_or_axonml(x).logaddexp(x, y), [a[:2], b[:2]], device=device)


def test_hypot_does_not_overflow(device):
    check(lambda x, y: torch_or_axonml(x).hypot(x, y), [np.array([3e200, 1e-200]), np.array([4e200, 1e-200])],
          dtypes=("float64",), device=device)


def test_trig_binary_promotion_and_errors(device):
    check(lambda i, j: torch_or_axonml(i).atan2(i, j), [INT, INT[::-1].copy()], device=device)
    check(lambda i, f: torch_or_axonml(i).atan2(i, f), [INT, FLOAT], device=device)
    check(lambda i, f: torch_or_axonml(i).hypot(i, f), [INT, FLOAT], device=device)
    check_raises(lambda i: torch_or_axonml(i).hypot(i, i), [INT], device=device)
    check_raises(lambda i: torch_or_axonml(i).logaddexp(i, i), [INT], device=device)
    check_raises(lambda x: torch_or_axonml(x).atan2(x, 2.0), [(3,)], device=device)
    check_raises(lambda x, y: torch_or_axonml(x).hypot(x, y), [(3, 4), (5,)], device=device)


def test_trig_gradcheck():
    x = axonml.tensor(_values((5,), low=-0.8, high=0.8), dtype=axonml.float64, requires_grad=True)
    y = axonml.tensor(_values((5,), seed=1), dtype=axonml.float64, requires_grad=True)
    assert gradcheck(lambda a, b: (a.asin() + a.acos() + a.atanh() + a.asinh()).atan2(b), (x, y))
    assert gradcheck(lambda a, b: a.sinh().hypot(b.cosh()) + a.logaddexp(b), (x, y))


# --- isclose, allclose, equal -----------------------------------------------------------------------------------------

CLOSE_A = np.array([1.0, 1.0, np.inf, -np.inf, np.nan, 0.0, 1e-9, 100.0, np.inf])
CLOSE_B = np.array([1.0 + 1e-6, 1.1, np.inf, np.inf, np.nan, 1e-9, 0.0, 100.001, np.nan])


@pytest.mark.parametrize("kwargs", [{}, dict(equal_nan=True), dict(rtol=1e-2), dict(atol=0.2, rtol=0),
                                    dict(rtol=0, atol=0)])
def test_isclose(kwargs, device):
    check(lambda a, b: torch_or_axonml(a).isclose(a, b, **kwargs), [CLOSE_A, CLOSE_B], device=device)
    check(lambda a, b: a.isclose(b, **kwargs), [CLOSE_A, CLOSE_B], device=device)
    check(lambda a, b: torch_or_axonml(a).isclose(a, b, **kwargs), [(3, 4), (4,)], device=device)


def test_isclose_integers_and_bools(device):
    check(lambda i, j: torch_or_axonml(i).isclose(i, j, atol=1), [INT, INT[::-1].copy()], device=device)
    check(lambda b, c: torch_or_axonml(b).isclose(b, c), [BOOL, BOOL[::-1].copy()], device=device)


def test_isclose_errors(device):
    check_raises(lambda x, y: torch_or_axonml(x).isclose(x, y.double()), [(3,), (3,)], device=device)
    check_raises(lambda x: torch_or_axonml(x).isclose(x, x, rtol=-1), [(3,)], device=device)
    check_raises(lambda x: torch_or_axonml(x).isclose(x, x, atol=-1), [(3,)], device=device)
    check_raises(lambda x: torch_or_axonml(x).isclose(x, 1.0), [(3,)], device=device)


@pytest.mark.parametrize("kwargs", [{}, dict(equal_nan=True), dict(rtol=1e-2), dict(atol=1e-5)])
def test_allclose_returns_python_bool(kwargs, device):
    for a, b in [(CLOSE_A[:3], CLOSE_B[:3]), (CLOSE_A[:1], CLOSE_B[:1]), (CLOSE_A[4:5], CLOSE_B[4:5]),
                 (CLOSE_A, CLOSE_A)]:
        for dtype in ("float32", "float64"):
            x = axonml.tensor(a.astype(dtype), device=device)
            y = axonml.tensor(b.astype(dtype), device=device)
            expected = torch.allclose(torch.from_numpy(a.astype(dtype)), torch.from_numpy(b.astype(dtype)), **kwargs)
            got = axonml.allclose(x, y, **kwargs)
            assert type(got) is bool and got == expected, (a, b, kwargs)
            assert x.allclose(y, **kwargs) == expected


def test_equal_returns_python_bool(device):
    x = axonml.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    for other, expected in [(x.clone(), True), (x.t(), False), (x.reshape(4), False), (x + 1e-7, False),
                            (x.double(), True), (x.long(), True)]:
        got = axonml.equal(x, other)
        assert type(got) is bool and got is expected
        assert x.equal(other) is expected
        assert torch.equal(torch.tensor([[1.0, 2.0], [3.0, 4.0]]),
                           torch.from_numpy(np.asarray(other.detach().cpu()))) is expected
    nan = axonml.tensor([float("nan")], device=device)
    assert axonml.equal(nan, nan) is False
    strided = axonml.tensor([1.0, 9.0, 2.0, 9.0], device=device)[::2]
    assert axonml.equal(strided, axonml.tensor([1.0, 2.0], device=device)) is True
    with pytest.raises(TypeError):
        axonml.equal(x, 1.0)


def test_sinc_at_zero_and_integers(device):
    check(lambda x: x.sinc(), [np.array([0.0, -0.0, 1.0, -2.0, 1e-4, 0.5])], device=device)
    check(lambda i: i.sinc(), [INT], device=device)


# --- copysign, exp2, bit shifts ----------------------------------------------------------------------------------

def _ns(x):
    return torch if isinstance(x, torch.Tensor) else axonml


SIGNED_ZEROS = np.array([[3.0, -0.0, 2.0, 1.0, -4.5], [0.0, -1.0, 0.25, -2.0, 7.0]])
SIGNS = np.array([[-1.0, -0.0, 4.0, -0.0, 0.0], [-3.0, 2.0, -1.0, np.inf, -np.inf]])


def test_copysign(device):
    check(lambda a, b: _ns(a).copysign(a, b), [(3, 4), (4,)], device=device)
    check(lambda a, b: a.copysign(b), [SIGNED_ZEROS, SIGNS], device=device)
    check(lambda a: _ns(a).copysign(a, -1.5), [(2, 3)], device=device)
    check(lambda i, b: _ns(b).copysign(i, b), [np.array([[1, -2, 0]]), np.array([[-1.0, 2.0, -0.0]])],
          device=device)
    check(lambda i: _ns(i).copysign(i, -1), [np.array([1, -2, 3])], device=device)


def test_copysign_gradcheck():
    # away from b == 0, where the sign flips and finite differences jump
    a = axonml.tensor(SIGNED_ZEROS + 0.5, dtype=axonml.float64, requires_grad=True)
    b = axonml.tensor([[-1.0, 0.5, 4.0, -0.75, 2.0], [-3.0, 2.0, -1.0, 1.5, -2.5]], dtype=axonml.float64,
                      requires_grad=True)
    assert gradcheck(lambda x, y: x.copysign(y), (a, b))


def test_exp2(device):
    check(lambda x: _ns(x).exp2(x), [(3, 4)], device=device)
    check(lambda x: x.exp2(), [np.array([-2.0, 0.0, 0.5, 10.0])], device=device)
    check(lambda i: i.exp2(), [np.array([0, 3, -1])], device=device)


def test_copysign_exp2_inplace(device):
    check(lambda a, b: (a * 1).copysign_(b), [(3,), (3,)], device=device)
    check(lambda a: (a * 1).exp2_(), [(3,)], device=device)


SHIFT_CASES = [
    ("int64", [5, -5, 1, -1, 7, 3, 9], [1, 2, 63, 64, -1, 0, 70]),
    ("int32", [5, -5, 1, -1, 7, 3, 9], [1, 2, 31, 32, -1, 0, 40]),
    ("int16", [5, -5, 1, -1, 7, 3, 9], [1, 2, 15, 16, -1, 0, 20]),
    ("int8", [5, -5, 1, -1, 7, 3, 9], [1, 2, 7, 8, -1, 0, 9]),
    ("uint8", [5, 200, 1, 255, 7, 3, 9], [1, 2, 7, 8, 0, 3, 9]),
]


@pytest.mark.parametrize("dtype, values, shifts", SHIFT_CASES, ids=[c[0] for c in SHIFT_CASES])
def test_shifts(dtype, values, shifts, device):
    inputs = [np.array(values, dtype=dtype), np.array(shifts, dtype=dtype)]
    check(lambda a, b: a << b, inputs, device=device)
    check(lambda a, b: a >> b, inputs, device=device)
    check(lambda a, b: _ns(a).bitwise_left_shift(a, b), inputs, device=device)
    check(lambda a, b: a.bitwise_right_shift(b), inputs, device=device)
    check(lambda a: (a << 2, a >> 1, 3 << a.abs() % 5, 100 >> a.abs() % 5), inputs[:1], device=device)


def test_shifts_broadcast_and_inplace(device):
    values, shifts = np.array([[1, -8, 3], [4, 5, -6]]), np.array([0, 1, 2])
    check(lambda a, b: a << b, [values, shifts], device=device)

    def inplace(a, b):
        a = a * 1
        a <<= b
        a >>= 1
        a.bitwise_left_shift_(b)
        return a.bitwise_right_shift_(b)
    check(inplace, [values, shifts], device=device)


def test_shifts_reject_floats_and_bools(device):
    check_raises(lambda x: x << 1, [(3,)], device=device)
    check_raises(lambda x: x >> x, [(3,)], device=device)
    check_raises(lambda b: b << b, [np.array([True, False])], device=device)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_rsqrt_of_integers_promotes_to_float(dtype, device):
    values = np.array([1, 4, 9, 0, 2]).astype(dtype)
    check(lambda i: i.rsqrt(), [values], device=device)
    check(lambda i: _ns(i).rsqrt(i), [values], device=device)
    check_raises(lambda i: i.long().rsqrt_(), [values], device=device)
