"""Special functions (torch.special and their torch.* names): gamma family, error functions, Bessel
functions, incomplete gamma, zeta, and the classical orthogonal polynomials.

Each function is one op over the backend's ``special`` primitive (scipy.special's ufuncs on the CPU,
opencl/special.cl on OpenCL), with its derivative written in backward from other special functions
(lgamma' = digamma, digamma' = polygamma(1), i0' = i1, erfinv' = sqrt(pi)/2 exp(erfinv^2) ...).
What torch leaves without a gradient (the Bessel functions J, Y, K, the polynomials) has none here.
"""
from __future__ import annotations

import math
import numbers

from .. import _dtype
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._checks import check_tensor as _check_tensor
from .elementwise import _apply_broadcasting, _floating, _kind, _promote, cast, mul, sub

# the torch.* names; the rest of torch.special is in axonml/special.py
__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma", "erfc", "erfinv", "i0", "igamma", "igammac", "xlogy",
           "logit"]

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


# --- differentiable functions of one tensor ---------------------------------------------------

class _Special(ArrayFunction):
    """f(x) by the special primitive ``function``; ``slope(xp, x, y)`` is f'(x) given y = f(x)."""

    function = None

    def forward(ctx, a):
        out = ctx.xp.special(ctx.function, a)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return ctx.xp.mul(grad, ctx.slope(ctx.xp, a, out))


class Lgamma(_Special):
    function = "lgamma"

    def slope(ctx, xp, x, y):
        return xp.special("digamma", x)


class Digamma(_Special):
    function = "digamma"

    def slope(ctx, xp, x, y):
        return xp.special("zeta", 2.0, x)   # polygamma(1, x)


class Erfc(_Special):
    function = "erfc"

    def slope(ctx, xp, x, y):
        return xp.mul(xp.exp(xp.neg(xp.mul(x, x))), -2.0 / _SQRT_PI)


class Erfcx(_Special):
    function = "erfcx"

    def slope(ctx, xp, x, y):
        return xp.sub(xp.mul(xp.mul(x, y), 2.0), 2.0 / _SQRT_PI)


class Erfinv(_Special):
    function = "erfinv"

    def slope(ctx, xp, x, y):
        return xp.mul(xp.exp(xp.mul(y, y)), _SQRT_PI / 2.0)


class Ndtri(_Special):
    function = "ndtri"

    def slope(ctx, xp, x, y):
        return xp.mul(xp.exp(xp.mul(xp.mul(y, y), 0.5)), _SQRT_2PI)


class LogNdtr(_Special):
    """log Phi(x); its slope phi(x) / Phi(x) = sqrt(2 / pi) / erfcx(-x / sqrt(2)) stays finite in both tails."""

    function = "log_ndtr"

    def slope(ctx, xp, x, y):
        return xp.div(math.sqrt(2.0 / math.pi), xp.special("erfcx", xp.mul(x, -1.0 / math.sqrt(2.0))))


class I0(_Special):
    function = "i0"

    def slope(ctx, xp, x, y):
        return xp.special("i1", x)


class I0e(_Special):
    function = "i0e"

    def slope(ctx, xp, x, y):
        return xp.sub(xp.special("i1e", x), xp.mul(xp.sign(x), y))


class I1(_Special):
    """I1' = I0 - I1 / x, 1/2 at 0."""

    function = "i1"

    def slope(ctx, xp, x, y):
        at_zero = xp.eq(x, 0)
        safe = xp.where(at_zero, 1.0, x)
        return xp.where(at_zero, 0.5, xp.sub(xp.special("i0", x), xp.div(y, safe)))


class I1e(_Special):
    """(e^-|x| I1)' = i0e - i1e (sign(x) + 1 / x), 1/2 at 0."""

    function = "i1e"

    def slope(ctx, xp, x, y):
        at_zero = xp.eq(x, 0)
        safe = xp.where(at_zero, 1.0, x)
        return xp.where(at_zero, 0.5, xp.sub(xp.special("i0e", x),
                                             xp.mul(y, xp.add(xp.sign(x), xp.reciprocal(safe)))))


class Polygamma(ArrayFunction):
    """The n-th derivative of digamma; its own derivative is polygamma(n + 1)."""

    def forward(ctx, a, n):
        ctx.n = n
        ctx.save_for_backward(a)
        return ctx.xp.special("polygamma", float(n), a)

    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return ctx.xp.mul(grad, ctx.xp.special("polygamma", float(ctx.n + 1), a)), None


class Entr(ArrayFunction):
    """-x ln x for x > 0, 0 at 0, -inf below; slope -(1 + ln x)."""

    def forward(ctx, a):
        xp = ctx.xp
        ctx.save_for_backward(a)
        positive = xp.mul(xp.neg(a), xp.log(xp.where(xp.gt(a, 0), a, 1.0)))
        out = xp.where(xp.gt(a, 0), positive, xp.where(xp.eq(a, 0), 0.0, -math.inf))
        return xp.astype(xp.where(xp.isnan(a), a, out), a.dtype)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.mul(grad, xp.neg(xp.add(xp.log(a), 1.0)))


def _unary(name: str, fn_cls, input: Tensor) -> Tensor:
    return apply(fn_cls, _floating(name, input))


def lgamma(input: Tensor) -> Tensor:
    """The natural logarithm of the absolute value of the gamma function.

    Example:
        >>> axonml.lgamma(axonml.tensor([0.5, 1.0, 3.0]))
        tensor([0.5724, 0.0000, 0.6931])
    """
    return _unary("lgamma", Lgamma, input)


def digamma(input: Tensor) -> Tensor:
    """The logarithmic derivative of the gamma function, psi(x) = d/dx ln Gamma(x); -inf at 0, NaN at
    negative integers."""
    return _unary("digamma", Digamma, input)


def polygamma(n: int, input: Tensor) -> Tensor:
    """The n-th derivative of digamma (polygamma(0, x) is digamma(x)).

    Args:
        n: the order, a non-negative integer.
        input: the tensor.
    """
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return apply(Polygamma, _floating("polygamma", input), int(n))


def erfc(input: Tensor) -> Tensor:
    """The complementary error function 1 - erf(x), accurate where erf(x) is close to 1."""
    return _unary("erfc", Erfc, input)


def erfcx(input: Tensor) -> Tensor:
    """The scaled complementary error function exp(x^2) erfc(x), finite for large x."""
    return _unary("erfcx", Erfcx, input)


def erfinv(input: Tensor) -> Tensor:
    """The inverse of erf on (-1, 1); +-inf at +-1, NaN outside."""
    return _unary("erfinv", Erfinv, input)


def ndtri(input: Tensor) -> Tensor:
    """The inverse of the standard normal CDF (the probit function) on [0, 1]."""
    return _unary("ndtri", Ndtri, input)


def log_ndtr(input: Tensor) -> Tensor:
    """log of the standard normal CDF, accurate in the lower tail."""
    return _unary("log_ndtr", LogNdtr, input)


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, Phi(x) = erfc(-x / sqrt(2)) / 2."""
    return mul(erfc(mul(_floating("ndtr", input), -1.0 / math.sqrt(2.0))), 0.5)


def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind, order 0."""
    return _unary("i0", I0, input)


def i0e(input: Tensor) -> Tensor:
    """exp(-|x|) i0(x), the exponentially scaled modified Bessel function of order 0."""
    return _unary("i0e", I0e, input)


def i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind, order 1."""
    return _unary("i1", I1, input)


def i1e(input: Tensor) -> Tensor:
    """exp(-|x|) i1(x), the exponentially scaled modified Bessel function of order 1."""
    return _unary("i1e", I1e, input)


def entr(input: Tensor) -> Tensor:
    """The elementwise entropy -x ln x (0 at 0, -inf for negative x)."""
    return apply(Entr, _floating("entr", input))


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The log of the multivariate gamma function of dimension p:
    p (p - 1) / 4 ln(pi) + sum_{j < p} lgamma(x - j / 2).

    Args:
        input: the tensor.
        p: the dimension, at least 1.
    """
    if not isinstance(p, numbers.Integral) or isinstance(p, bool):
        raise TypeError(f"mvlgamma(): argument 'p' (position 2) must be int, not {type(p).__name__}")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = _floating("mvlgamma", input)
    from ..creation import arange
    offsets = mul(arange(p, dtype=x.dtype, device=x.device), -0.5)
    terms = lgamma(x.unsqueeze(-1) + offsets)
    return terms.sum(-1) + p * (p - 1) / 4.0 * math.log(math.pi)


class Logit(ArrayFunction):
    """log(z / (1 - z)) for z = x clamped to [eps, 1 - eps] (z = x without eps); slope 1 / (x (1 - x)), 0 where the
    clamp cut x."""

    def forward(ctx, a, eps):
        xp = ctx.xp
        ctx.eps = eps
        ctx.save_for_backward(a)
        z = a if eps is None else xp.clip(a, eps, 1.0 - eps)
        return xp.log(xp.div(z, xp.sub(1.0, z)))

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        out = xp.div(grad, xp.mul(a, xp.sub(1.0, a)))
        if ctx.eps is None:
            return out, None
        outside = xp.logical_or(xp.lt(a, ctx.eps), xp.gt(a, 1.0 - ctx.eps))
        return xp.where(outside, 0.0, out), None


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(x / (1 - x)), the inverse of sigmoid; with eps, x is first clamped to [eps, 1 - eps]
    (and the gradient is 0 outside that range).

    Args:
        input: the tensor.
        eps: the clamp, or None for none (then x outside [0, 1] gives NaN).

    Example:
        >>> axonml.logit(axonml.tensor([0.25, 0.5]))
        tensor([-1.0986,  0.0000])
    """
    return apply(Logit, _floating("logit", input), None if eps is None else float(eps))


# --- functions of two operands -----------------------------------------------------------------

def _float_operands(name: str, input, other):
    """input and other (tensors or numbers, at least one a tensor) promoted together, then to the default
    float type when integral, as torch's binary special functions do."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments: at least one of input and "
                        f"other must be a Tensor, got ({type(input).__name__}, {type(other).__name__})")
    for value in (input, other):
        if not isinstance(value, (Tensor, numbers.Number)):
            raise TypeError(f"{name}(): expected a Tensor or a number, got {type(value).__name__}")
    a, b = _promote(input, other)
    if _kind(a if isinstance(a, Tensor) else b) not in "fV":
        default = _dtype.get_default_dtype()
        a = cast(a, default) if isinstance(a, Tensor) else float(a)
        b = cast(b, default) if isinstance(b, Tensor) else float(b)
    # a number takes the tensor's type, so that the forward computes in one dtype
    scalar_type = (a if isinstance(a, Tensor) else b)._data.dtype.type
    return (a if isinstance(a, Tensor) else scalar_type(a)), (b if isinstance(b, Tensor) else scalar_type(b))


def _shape(x):
    return x.shape if hasattr(x, "shape") else ()


class Xlogy(ArrayFunction):
    """x log(y), 0 where x is 0 (unless y is NaN)."""

    log_primitive = "log"

    def forward(ctx, a, b):
        xp = ctx.xp
        ctx.shapes = (_shape(a), _shape(b))
        ctx.save_for_backward(a, b)
        log_b = getattr(xp, ctx.log_primitive)(b)
        return xp.where(xp.logical_and(xp.eq(a, 0), xp.logical_not(xp.isnan(b))), 0.0, xp.mul(a, log_b))

    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if needs_a:
            # torch's rule: the slope log(b) is dropped only where a is 0 and b is outside log's domain
            pole = 0.0 if ctx.log_primitive == "log" else -1.0
            log_b = getattr(xp, ctx.log_primitive)(b)
            outside = xp.logical_and(xp.eq(a, 0), xp.le(b, pole))
            grad_a = xp.sum_to(xp.where(outside, 0.0, xp.mul(grad, log_b)), ctx.shapes[0])
        if needs_b:
            shift = 1.0 if ctx.log_primitive == "log1p" else 0.0
            grad_b = xp.sum_to(xp.div(xp.mul(grad, a), xp.add(b, shift)), ctx.shapes[1])
        return grad_a, grad_b


class Xlog1py(Xlogy):
    """x log1p(y), 0 where x is 0 (unless y is NaN)."""

    log_primitive = "log1p"


def xlogy(input, other) -> Tensor:
    """input * log(other), with 0 where input is 0 (so 0 log 0 = 0); either operand may be a number."""
    return _apply_broadcasting(Xlogy, *_float_operands("xlogy", input, other))


def xlog1py(input, other) -> Tensor:
    """input * log1p(other), with 0 where input is 0; either operand may be a number."""
    return _apply_broadcasting(Xlog1py, *_float_operands("xlog1py", input, other))


class Igamma(ArrayFunction):
    """The regularized incomplete gamma P(a, x) (or Q for upper); d/dx P = x^(a-1) e^-x / Gamma(a).
    torch has no derivative in a."""

    function = "gammainc"

    def forward(ctx, a, x):
        ctx.shapes = (_shape(a), _shape(x))
        ctx.save_for_backward(a, x)
        return ctx.xp.special(ctx.function, a, x)

    def backward(ctx, grad):
        xp = ctx.xp
        a, x = ctx.saved_tensors
        needs_a, needs_x = ctx.needs_input_grad
        if needs_a:
            raise NotImplementedError(f"the derivative for '{ctx.function}: input' is not implemented.")
        density = xp.exp(xp.sub(xp.sub(xp.mul(xp.sub(a, 1.0), xp.log(x)), x), xp.special("lgamma", a)))
        if ctx.function == "gammaincc":
            density = xp.neg(density)
        return None, xp.sum_to(xp.mul(grad, density), ctx.shapes[1])


class Igammac(Igamma):
    function = "gammaincc"


def igamma(input, other) -> Tensor:
    """The regularized lower incomplete gamma function P(input, other) (torch.special.gammainc)."""
    return _apply_broadcasting(Igamma, *_float_operands("igamma", input, other))


def igammac(input, other) -> Tensor:
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P (torch.special.gammaincc)."""
    return _apply_broadcasting(Igammac, *_float_operands("igammac", input, other))


class Zeta(ArrayFunction):
    """The Hurwitz zeta function; torch defines no derivative for it."""

    def forward(ctx, x, q):
        return ctx.xp.special("zeta", x, q)

    def backward(ctx, grad):
        raise NotImplementedError("the derivative for 'zeta' is not implemented.")


def zeta(input, other) -> Tensor:
    """The Hurwitz zeta function sum_k (k + other)^-input; either operand may be a number."""
    return _apply_broadcasting(Zeta, *_float_operands("zeta", input, other))


# --- the primitive as an op, for second derivatives ---------------------------------------------

_UNARY_OPS = {fn_cls.function: fn_cls for fn_cls in (Lgamma, Digamma, Erfc, Erfcx, Erfinv, Ndtri, LogNdtr, I0, I0e,
                                                      I1, I1e)}


class SpecialPrimitive(ArrayFunction):
    """special(name, *args) as a differentiable op: what a recorded backward (create_graph=True) runs for the
    special primitive its derivative calls, using the same slopes as the ops above."""

    def forward(ctx, name, *args):
        ctx.name = name
        ctx.scalars = tuple(None if hasattr(a, "shape") else a for a in args)
        out = ctx.xp.special(name, *args)
        ctx.save_for_backward(*(a for a in args if hasattr(a, "shape")), out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        saved = iter(ctx.saved_tensors)
        args = [next(saved) if scalar is None else scalar for scalar in ctx.scalars]
        out = next(saved)
        needs = ctx.needs_input_grad[1:]
        if ctx.name in _UNARY_OPS:
            return None, xp.mul(grad, _UNARY_OPS[ctx.name].slope(ctx, xp, args[0], out))
        if ctx.name in ("polygamma", "zeta") and not needs[0]:
            order, x = args
            if ctx.name == "polygamma":   # d/dx polygamma(n, x) = polygamma(n + 1, x)
                slope = xp.special("polygamma", xp.add(order, 1.0), x)
            else:                         # d/dq zeta(s, q) = -s zeta(s + 1, q)
                slope = xp.mul(xp.special("zeta", xp.add(order, 1.0), x), xp.neg(order))
            return None, None, xp.sum_to(xp.mul(grad, slope), x.shape)
        raise NotImplementedError(f"the derivative of the special function '{ctx.name}' is not implemented")


# --- functions without a gradient in torch ---------------------------------------------------

class _NoGradient(ArrayFunction):
    """A special function whose output never requires grad, as in torch (Bessel J, Y, K, polynomials)."""

    def forward(ctx, function, *operands):
        ctx.mark_non_differentiable(0)
        return ctx.xp.special(function, *operands)


class SphericalBesselJ0(ArrayFunction):
    """sin(x) / x, 1 at 0; no gradient, as in torch."""

    def forward(ctx, a):
        xp = ctx.xp
        ctx.mark_non_differentiable(0)
        at_zero = xp.eq(a, 0)
        safe = xp.where(at_zero, 1.0, a)
        return xp.astype(xp.where(at_zero, 1.0, xp.div(xp.sin(safe), safe)), a.dtype)


def _no_gradient(name: str, function: str, *operands):
    if len(operands) == 1:
        return apply(_NoGradient, function, _floating(name, operands[0]))
    return _apply_broadcasting(_NoGradient, function, *_float_operands(name, *operands))


def bessel_j0(input: Tensor) -> Tensor:
    """The Bessel function of the first kind, order 0."""
    return _no_gradient("bessel_j0", "bessel_j0", input)


def bessel_j1(input: Tensor) -> Tensor:
    """The Bessel function of the first kind, order 1."""
    return _no_gradient("bessel_j1", "bessel_j1", input)


def bessel_y0(input: Tensor) -> Tensor:
    """The Bessel function of the second kind, order 0."""
    return _no_gradient("bessel_y0", "bessel_y0", input)


def bessel_y1(input: Tensor) -> Tensor:
    """The Bessel function of the second kind, order 1."""
    return _no_gradient("bessel_y1", "bessel_y1", input)


def modified_bessel_i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind, order 0 (i0 without a gradient, as in torch)."""
    return _no_gradient("modified_bessel_i0", "i0", input)


def modified_bessel_i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind, order 1 (i1 without a gradient, as in torch)."""
    return _no_gradient("modified_bessel_i1", "i1", input)


def modified_bessel_k0(input: Tensor) -> Tensor:
    """The modified Bessel function of the second kind, order 0."""
    return _no_gradient("modified_bessel_k0", "modified_bessel_k0", input)


def modified_bessel_k1(input: Tensor) -> Tensor:
    """The modified Bessel function of the second kind, order 1."""
    return _no_gradient("modified_bessel_k1", "modified_bessel_k1", input)


def scaled_modified_bessel_k0(input: Tensor) -> Tensor:
    """exp(x) K0(x), the exponentially scaled modified Bessel function of the second kind, order 0."""
    return _no_gradient("scaled_modified_bessel_k0", "scaled_modified_bessel_k0", input)


def scaled_modified_bessel_k1(input: Tensor) -> Tensor:
    """exp(x) K1(x), the exponentially scaled modified Bessel function of the second kind, order 1."""
    return _no_gradient("scaled_modified_bessel_k1", "scaled_modified_bessel_k1", input)


def spherical_bessel_j0(input: Tensor) -> Tensor:
    """The spherical Bessel function of the first kind, order 0: sin(x) / x."""
    return apply(SphericalBesselJ0, _floating("spherical_bessel_j0", input))


def airy_ai(input: Tensor) -> Tensor:
    """The Airy function Ai."""
    return _no_gradient("airy_ai", "airy_ai", input)


def _polynomial(name: str):
    def polynomial(input, n) -> Tensor:
        return _no_gradient(name, name, input, n)
    polynomial.__name__ = polynomial.__qualname__ = name
    return polynomial


def _shifted(name: str, base):
    """P*_n(x) = P_n(2x - 1)."""
    def polynomial(input, n) -> Tensor:
        x, n = _float_operands(name, input, n)
        return base(sub(mul(x, 2.0), 1.0) if isinstance(x, Tensor) else 2.0 * x - 1.0, n)
    polynomial.__name__ = polynomial.__qualname__ = name
    return polynomial


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t")
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u")
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v")
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w")
hermite_polynomial_h = _polynomial("hermite_polynomial_h")
hermite_polynomial_he = _polynomial("hermite_polynomial_he")
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l")
legendre_polynomial_p = _polynomial("legendre_polynomial_p")
shifted_chebyshev_polynomial_t = _shifted("shifted_chebyshev_polynomial_t", chebyshev_polynomial_t)
shifted_chebyshev_polynomial_u = _shifted("shifted_chebyshev_polynomial_u", chebyshev_polynomial_u)
shifted_chebyshev_polynomial_v = _shifted("shifted_chebyshev_polynomial_v", chebyshev_polynomial_v)
shifted_chebyshev_polynomial_w = _shifted("shifted_chebyshev_polynomial_w", chebyshev_polynomial_w)

_POLYNOMIAL_DOC = """The {kind} of degree n at input (n truncated to an integer; 0 for a negative n).

    Args:
        input: the points x (a tensor or a number).
        n: the degree (a tensor or a number).
    """
for _fn, _kind_name in ((chebyshev_polynomial_t, "Chebyshev polynomial of the first kind T_n"),
                        (chebyshev_polynomial_u, "Chebyshev polynomial of the second kind U_n"),
                        (chebyshev_polynomial_v, "Chebyshev polynomial of the third kind V_n"),
                        (chebyshev_polynomial_w, "Chebyshev polynomial of the fourth kind W_n"),
                        (shifted_chebyshev_polynomial_t, "shifted Chebyshev polynomial T_n(2x - 1)"),
                        (shifted_chebyshev_polynomial_u, "shifted Chebyshev polynomial U_n(2x - 1)"),
                        (shifted_chebyshev_polynomial_v, "shifted Chebyshev polynomial V_n(2x - 1)"),
                        (shifted_chebyshev_polynomial_w, "shifted Chebyshev polynomial W_n(2x - 1)"),
                        (hermite_polynomial_h, "physicists' Hermite polynomial H_n"),
                        (hermite_polynomial_he, "probabilists' Hermite polynomial He_n"),
                        (laguerre_polynomial_l, "Laguerre polynomial L_n"),
                        (legendre_polynomial_p, "Legendre polynomial P_n")):
    _fn.__doc__ = _POLYNOMIAL_DOC.format(kind=_kind_name)

# torch's second names for the same functions
gammainc = igamma
gammaincc = igammac
psi = digamma
gammaln = lgamma
multigammaln = mvlgamma
