"""fmax/fmin, float_power, heaviside, gcd/lcm, ldexp, logaddexp2, nextafter, frexp, sgn, signbit, frac,
isneginf/isposinf and isin (the last section of axonml/ops/elementwise.py) against torch."""
import numpy as np
import pytest
import torch

import axonml
from axonml.autograd import gradcheck
from tests.oracle.oracle import check, check_raises


def ns(x):
    return axonml if isinstance(x, axonml.Tensor) else torch


WITH_NANS = np.array([[1.0, np.nan, -2.0, 3.0], [np.nan, 0.5, 2.0, -1.0]])
SPECIALS = np.array([0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, 3.75, -0.25, 1e-3])


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin(device, name):
    other = np.array([[np.nan, np.nan, 1.0, 3.0], [2.0, -0.5, 2.0, 0.0]])
    check(lambda a, b: getattr(ns(a), name)(a, b), [WITH_NANS, other], device=device)
    check(lambda a, b: getattr(a, name)(b), [(3, 4), (4,)], device=device)
    check(lambda a, b: getattr(ns(a), name)(a, b), [np.array([1, 5, -3]), np.array([2, 4, -3])], device=device)


def test_float_power(device):
    check(lambda a, b: ns(a).float_power(a, b), [np.abs(np.random.default_rng(0).standard_normal((3, 4))) + 0.1,
                                                  (4,)], device=device)
    check(lambda a: a.float_power(2), [(3,)], device=device)
    check(lambda b: ns(b).float_power(2, b), [np.array([1, 2, 3])], device=device)
    check(lambda a: (a.double() * 1).float_power_(3), [(3,)], device=device)
    with pytest.raises(RuntimeError):
        axonml.ones(3).float_power_(2)


def test_heaviside(device):
    check(lambda a, v: ns(a).heaviside(a, v), [SPECIALS, np.full(10, 0.5)], device=device, grad=False)
    check(lambda a, v: a.heaviside(v), [np.array([-2, 0, 3]), np.array([7])], device=device)
    check_raises(lambda a, v: ns(a).heaviside(a, v.double()), [(3,), (3,)])


def test_gcd_lcm(device):
    a = np.array([[12, -18, 0, 7, 1071], [0, 5, 9, -4, 462]])
    b = np.array([8, 12, 0, 0, 1029])
    for name in ("gcd", "lcm"):
        check(lambda x, y: getattr(ns(x), name)(x, y), [a, b], device=device)
        check(lambda x, y: getattr(x * 1, name + "_")(y), [a, np.broadcast_to(b, a.shape).copy()], device=device)
        check_raises(lambda x, y: getattr(ns(x), name)(x, y), [(3,), (3,)])


def test_ldexp(device):
    # torch differentiates input * pow(2, other): for integer other that pow is integral, so its gradient for a
    # negative exponent is 0; the values are compared there, the gradient with float exponents
    check(lambda a, e: ns(a).ldexp(a, e), [(2, 5), np.array([-3, 0, 1, 4, 10])], device=device, grad=False)
    check(lambda a, e: ns(a).ldexp(a, e), [(2, 5), np.array([-3.0, 0.0, 1.0, 4.0, 10.0])], device=device)
    check(lambda a, e: a.ldexp(e), [(4,), np.array([1.0, 2.0, -1.0, 0.5])], device=device)


def test_logaddexp2(device):
    check(lambda a, b: ns(a).logaddexp2(a, b), [(3, 4), (4,)], device=device)
    check(lambda a: a.logaddexp2(a), [(5,)], device=device)
    check_raises(lambda a, b: ns(a).logaddexp2(a.long(), b.long()), [(3,), (3,)])


def test_logaddexp2_gradcheck():
    a = axonml.randn(3, 4, dtype=axonml.float64, requires_grad=True)
    b = axonml.randn(4, dtype=axonml.float64, requires_grad=True)
    assert gradcheck(axonml.logaddexp2, (a, b))


def test_nextafter(device):
    toward = np.array([1.0, -1.0, 2.0, -3.0, 0.0, 0.0, 1.0, 4.0, 0.0, 1.0])
    check(lambda a, b: ns(a).nextafter(a, b), [SPECIALS, toward], device=device, grad=False)
    check(lambda a, b: (a * 1).nextafter_(b), [SPECIALS, toward], device=device, grad=False)
    check_raises(lambda a, b: ns(a).nextafter(a.long(), b.long()), [(3,), (3,)])


def test_frexp(device):
    values = np.concatenate([SPECIALS, [1024.0, 0.75, 1e-30, 7e5]])
    check(lambda x: ns(x).frexp(x), [values], device=device)
    check(lambda x: x.frexp(), [(3, 4)], device=device)
    check(lambda x: ns(x).frexp(x), [np.array([1e-40, -3e-42, 1.5e-45])], device=device, dtypes=("float32",))
    check_raises(lambda x: ns(x).frexp(x.long()), [(3,)])


def test_sign_family(device):
    for fn in (lambda x: ns(x).signbit(x), lambda x: ns(x).isneginf(x), lambda x: x.isposinf(),
               lambda x: ns(x).frac(x), lambda x: (x * 1).frac_()):
        check(fn, [SPECIALS], device=device)
    # torch's gradient of sign is a ZeroTensor, which cannot be read back: compare values only
    for fn in (lambda x: ns(x).sgn(x), lambda x: (x * 1).sgn_()):
        check(fn, [SPECIALS], device=device, grad=False)
    for fn in (lambda x: ns(x).signbit(x), lambda x: ns(x).isneginf(x), lambda x: ns(x).isposinf(x)):
        check(fn, [np.array([-3, 0, 4])], device=device)
    check_raises(lambda x: ns(x).frac(x.long()), [(3,)])


def test_isin(device):
    elements = np.array([[1.0, 2.0, 3.0], [np.nan, 4.0, -1.0]])
    tests = np.array([[3.0, 9.0], [-1.0, 2.0]])
    check(lambda a, b: ns(a).isin(a, b), [elements, tests], device=device)
    check(lambda a, b: ns(a).isin(a, b, invert=True), [elements, tests], device=device)
    check(lambda a, b: ns(a).isin(a, b), [np.array([1, 2, 3, 4]), np.array([2.5, 3.0])], device=device)
    check(lambda a: ns(a).isin(a, 3.0), [elements], device=device)
    check(lambda b: ns(b).isin(2.0, b), [tests], device=device)
    check(lambda a, b: ns(a).isin(a, b), [elements, np.zeros((0,))], device=device)
