"""Elementwise ops: arithmetic, unary math, comparisons and casts (activations are in activation.py).

Binary ops follow PyTorch's type promotion (see axonml._dtype.result_type): operands are
cast to the result type before the op runs, so each forward sees one dtype.
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from .. import _dtype
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._checks import check_tensor as _check_tensor
from ._wirtinger import conj_if_complex as _conj

__all__ = ["add", "sub", "mul", "div", "neg", "negative", "cast",
           "pow", "square", "floor_divide", "remainder", "fmod",
           "abs", "absolute", "sign", "floor", "ceil", "trunc", "fix", "round", "exp", "log", "log2", "log10",
           "log1p", "expm1", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tan", "tanh", "sigmoid", "erf", "positive",
           "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan",
           "arcsinh", "arccosh", "arctanh", "atan2", "arctan2", "hypot", "logaddexp", "deg2rad", "rad2deg", "sinc",
           "isclose", "allclose", "equal",
           "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "where", "lerp", "addcmul", "addcdiv",
           "nan_to_num",
           "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
           "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite",
           "copysign", "exp2", "bitwise_left_shift", "bitwise_right_shift",
           "fmax", "fmin", "float_power", "heaviside", "gcd", "lcm", "ldexp", "logaddexp2", "nextafter", "frexp", "sgn",
           "signbit", "frac", "isneginf", "isposinf", "isin"]

_SCALARS = (int, float, bool, complex)


def _promote(a, b):
    """Cast a and b (tensors or Python scalars) to PyTorch's result type of the pair."""
    a_is_tensor = isinstance(a, Tensor)
    b_is_tensor = isinstance(b, Tensor)
    if a_is_tensor and b_is_tensor:
        if a._data.dtype == b._data.dtype:
            return a, b
    elif a_is_tensor:
        if type(b) in _SCALARS:
            # a Python scalar never changes a float tensor's type, nor an int one's unless it is a float
            kind = a._data.dtype.kind
            if kind == "c" or (type(b) is not complex and (kind in "fV" or (kind != "b" and type(b) is not float))):
                return a, b
        else:
            return _promote(a, _python_scalar(b))
    elif b_is_tensor:
        if type(a) not in _SCALARS:
            return _promote(_python_scalar(a), b)
        kind = b._data.dtype.kind
        if kind == "c" or (type(a) is not complex and (kind in "fV" or (kind != "b" and type(a) is not float))):
            return a, b
    target = _dtype.result_type(a, b)
    if a_is_tensor and a._data.dtype != target.np:
        a = cast(a, target)
    elif not a_is_tensor:
        a = target.np.type(a)
    if b_is_tensor and b._data.dtype != target.np:
        b = cast(b, target)
    elif not b_is_tensor:
        b = target.np.type(b)
    return a, b


def _python_scalar(x):
    """A NumPy scalar (or any numbers.Number with .item()) as the Python scalar PyTorch treats it as."""
    item = getattr(x, "item", None)
    if item is not None and getattr(x, "ndim", None) == 0 and not isinstance(x, Tensor):
        value = item()
        if type(value) in _SCALARS:
            return value
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


def _shape(x):
    return x.shape if hasattr(x, "shape") else ()


# --- casts ---------------------------------------------------------------------------------------

class Cast(ArrayFunction):
    _bfloat16_native = True

    def forward(ctx, a, dtype):
        ctx.source_dtype = a.dtype
        return ctx.xp.astype(a, dtype)

    def backward(ctx, grad):
        xp = ctx.xp
        if grad.dtype.kind == "c" and ctx.source_dtype.kind != "c":
            grad = xp.real(grad)  # a real input's gradient is the real part (PyTorch's convention)
        return xp.astype(grad, ctx.source_dtype), None


def cast(a: Tensor, dtype) -> Tensor:
    """a converted to dtype; differentiable between floating types."""
    return apply(Cast, a, _dtype.to_dtype(dtype).np)


# --- arithmetic ------------------------------------------------------------------------------------

class Add(ArrayFunction):
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return ctx.xp.add(a, b)

    def backward(ctx, grad):
        xp = ctx.xp
        needs_a, needs_b = ctx.needs_input_grad
        return (xp.sum_to(grad, ctx.shapes[0]) if needs_a else None,
                xp.sum_to(grad, ctx.shapes[1]) if needs_b else None)


class Sub(ArrayFunction):
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return ctx.xp.sub(a, b)

    def backward(ctx, grad):
        xp = ctx.xp
        needs_a, needs_b = ctx.needs_input_grad
        return (xp.sum_to(grad, ctx.shapes[0]) if needs_a else None,
                xp.neg(xp.sum_to(grad, ctx.shapes[1])) if needs_b else None)


class Mul(ArrayFunction):
    def forward(ctx, a, b):
        needs_a, needs_b = ctx.needs_input_grad
        ctx.shapes = (_shape(a), _shape(b))
        # save only what backward reads, so an in-place write to an unused input is no error
        ctx.save_for_backward(b if needs_a else None, a if needs_b else None)
        return ctx.xp.mul(a, b)

    def backward(ctx, grad):
        xp = ctx.xp
        b, a = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (xp.sum_to(xp.mul(grad, _conj(xp, b)), ctx.shapes[0]) if needs_a else None,
                xp.sum_to(xp.mul(grad, _conj(xp, a)), ctx.shapes[1]) if needs_b else None)


class Div(ArrayFunction):
    def forward(ctx, a, b):
        needs_a, needs_b = ctx.needs_input_grad
        ctx.shapes = (_shape(a), _shape(b))
        ctx.save_for_backward(a if needs_b else None, b if (needs_a or needs_b) else None)
        return ctx.xp.div(a, b)

    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        b = _conj(xp, b)
        grad_a = xp.sum_to(xp.div(grad, b), ctx.shapes[0]) if needs_a else None
        grad_b = None
        if needs_b:
            grad_b = xp.sum_to(xp.neg(xp.div(xp.mul(grad, _conj(xp, a)), xp.mul(b, b))), ctx.shapes[1])
        return grad_a, grad_b


class Neg(ArrayFunction):
    def forward(ctx, a):
        return ctx.xp.neg(a)

    def backward(ctx, grad):
        return ctx.xp.neg(grad)


def _binary(fn_cls, a, b):
    a, b = _promote(a, b)
    try:
        return apply(fn_cls, a, b)
    except ValueError:
        raise RuntimeError(broadcast_error(_shape_of(a), _shape_of(b))) from None
    except TypeError:
        if _kind(a) == "b" and _kind(b) == "b":
            raise RuntimeError(f"{fn_cls.__name__.lower()}: this operation is not supported on two bool tensors; "
                               "use logical_xor / logical_and / logical_or instead") from None
        raise


def _shape_of(x):
    return tuple(x._data.shape) if isinstance(x, Tensor) else ()


def broadcast_error(shape_a, shape_b) -> str:
    """PyTorch's message for shapes that don't broadcast (backends raise ValueError, ops re-raise this)."""
    ndim = max(len(shape_a), len(shape_b))
    a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    for dim in range(ndim - 1, -1, -1):
        if a[dim] != b[dim] and a[dim] != 1 and b[dim] != 1:
            return (f"The size of tensor a ({a[dim]}) must match the size of tensor b ({b[dim]}) at "
                    f"non-singleton dimension {dim}")
    return f"shapes {list(shape_a)} and {list(shape_b)} cannot be broadcast"


def _scaled(input, other, alpha):
    """alpha * other in the type input and other promote to, as torch computes it (not in other's own type)."""
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        target = _dtype.result_type(input, other)
        if other.dtype is not target:
            other = cast(other, target)
    return mul(other, alpha)


def add(input, other, *, alpha=1) -> Tensor:
    """input + alpha * other, broadcasting."""
    if alpha != 1:
        other = _scaled(input, other, alpha)
    return _binary(Add, input, other)


def sub(input, other, *, alpha=1) -> Tensor:
    """input - alpha * other, broadcasting."""
    if alpha != 1:
        other = _scaled(input, other, alpha)
    return _binary(Sub, input, other)


def mul(input, other) -> Tensor:
    """input * other, broadcasting."""
    return _binary(Mul, input, other)


def div(input, other, *, rounding_mode=None) -> Tensor:
    """True division (integers give the default float type); rounding_mode 'trunc' or 'floor'."""
    if rounding_mode is not None:
        return _div_rounding(input, other, rounding_mode)
    a, b = _promote(input, other)
    if _kind(a) not in "fVc" and _kind(b) not in "fVc":
        default = _dtype.get_default_dtype()
        a = cast(a, default) if isinstance(a, Tensor) else float(a)
        b = cast(b, default) if isinstance(b, Tensor) else float(b)
    try:
        return apply(Div, a, b)
    except ValueError:
        raise RuntimeError(broadcast_error(_shape_of(a), _shape_of(b))) from None


def _kind(x):
    if isinstance(x, Tensor):
        return x._data.dtype.kind
    if isinstance(x, complex) or getattr(x, "dtype", None) is not None and x.dtype.kind == "c":
        return "c"
    return "f" if isinstance(x, float) else ("b" if isinstance(x, bool) else "i")


def neg(input: Tensor) -> Tensor:
    """-input."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return apply(Neg, input)


negative = neg


# --- argument helpers for the families below -------------------------------------------------------

def _floating(name: str, input: Tensor) -> Tensor:
    """input, cast to the default float type when it is an integer or bool tensor (PyTorch's rule for exp, log ...)."""
    _check_tensor(name, input)
    kind = input._data.dtype.kind
    if kind == "c":
        if name in _COMPLEX_READY:
            return input
        raise NotImplementedError(f"\"{name}\" is not implemented for complex tensors ('{input.dtype.name}')")
    if kind not in "fV":
        return cast(input, _dtype.get_default_dtype())
    return input


# the math ops of _floating whose forward and backward are defined for complex input (PyTorch's conjugate rule)
_COMPLEX_READY = frozenset({"exp"})


def _float_only(name: str, input: Tensor) -> Tensor:
    """input, which must be floating point (PyTorch has no integer kernel for these activations)."""
    _check_tensor(name, input)
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"{name}\" not implemented for '{input.dtype.name}'")
    return input


def _apply_broadcasting(fn_cls, *args) -> Tensor:
    """apply, turning a backend's broadcast ValueError into PyTorch's RuntimeError."""
    try:
        return apply(fn_cls, *args)
    except ValueError:
        shapes = [_shape_of(x) for x in args if isinstance(x, Tensor)]
        raise RuntimeError(broadcast_error(*shapes[:2]) if len(shapes) > 1 else "shapes cannot be broadcast") \
            from None


def _is_array(xp, x) -> bool:
    return isinstance(x, xp.array_type)


def _integer_division_check(divisor) -> None:
    """PyTorch raises for an integer division by zero, where NumPy would warn and return 0."""
    if _kind(divisor) not in "biu":
        return
    if isinstance(divisor, Tensor):
        if divisor.eq(0).any().item():
            raise RuntimeError("ZeroDivisionError")
    elif divisor == 0:
        raise RuntimeError("ZeroDivisionError")


# --- powers and integer-style division ----------------------------------------------------------------

class Pow(ArrayFunction):
    """input ** exponent; either operand may be a scalar."""

    def forward(ctx, a, b):
        needs_a, needs_b = ctx.needs_input_grad
        out = ctx.xp.pow(a, b)
        ctx.shapes = (_shape(a), _shape(b))
        if needs_a or needs_b:
            ctx.save_for_backward(a, b, out if needs_b else None)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        a, b, out = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if needs_a:
            if _is_array(xp, b):
                local = xp.where(xp.eq(b, 0), 0, xp.mul(b, xp.pow(a, xp.sub(b, 1))))
                grad_a = xp.sum_to(xp.mul(grad, _conj(xp, local)), ctx.shapes[0])
            elif b == 0:
                grad_a = xp.zeros(ctx.shapes[0], grad.dtype)
            else:
                grad_a = xp.mul(grad, _conj(xp, xp.mul(xp.pow(a, b - 1), b)))
        if needs_b:
            if _is_array(xp, a):
                local = xp.mul(out, xp.log(a))
                local = xp.where(xp.logical_and(xp.eq(a, 0), xp.ge(b, 0)), 0, local)
            else:
                local = xp.mul(out, math.log(a) if a > 0 else (-math.inf if a == 0 else math.nan))
                if a == 0:
                    local = xp.where(xp.ge(b, 0), 0, local)
            grad_b = xp.sum_to(xp.mul(grad, local), ctx.shapes[1])
        return grad_a, grad_b


class FloorDivide(ArrayFunction):
    def forward(ctx, a, b):
        return ctx.xp.floor_divide(a, b)

    def backward(ctx, grad):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented.")


class DivRounding(ArrayFunction):
    """Division rounded towards zero ('trunc') or down ('floor'); its gradient is zero, as in PyTorch."""

    def forward(ctx, a, b, mode):
        xp = ctx.xp
        ctx.shapes = (_shape(a), _shape(b))
        if mode == "floor":
            return xp.floor_divide(a, b)
        if (a.dtype if _is_array(xp, a) else b.dtype).kind in "fV":
            return xp.trunc(xp.div(a, b))
        return xp.floor_divide(xp.sub(a, xp.fmod(a, b)), b)  # exact: a - fmod(a, b) is a multiple of b

    def backward(ctx, grad):
        xp = ctx.xp
        needs_a, needs_b, _ = ctx.needs_input_grad
        return (xp.zeros(ctx.shapes[0], grad.dtype) if needs_a else None,
                xp.zeros(ctx.shapes[1], grad.dtype) if needs_b else None, None)


class Remainder(ArrayFunction):
    """Python's modulus: the result has the divisor's sign."""

    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        return ctx.xp.remainder(a, b)

    def backward(ctx, grad):
        xp = ctx.xp
        needs_a, needs_b = ctx.needs_input_grad
        grad_b = None
        if needs_b:
            a, b = ctx.saved_tensors
            if not _is_array(xp, a):
                raise RuntimeError("derivative for aten::remainder is not implemented")
            grad_b = xp.sum_to(xp.neg(xp.mul(grad, xp.floor_divide(a, b))), ctx.shapes[1])
        return (xp.sum_to(grad, ctx.shapes[0]) if needs_a else None), grad_b


class Fmod(ArrayFunction):
    """C's fmod: the result has the dividend's sign."""

    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        return ctx.xp.fmod(a, b)

    def backward(ctx, grad):
        xp = ctx.xp
        needs_a, needs_b = ctx.needs_input_grad
        grad_b = None
        if needs_b:
            a, b = ctx.saved_tensors
            grad_b = xp.sum_to(xp.neg(xp.mul(grad, xp.trunc(xp.div(a, b)))), ctx.shapes[1])
        return (xp.sum_to(grad, ctx.shapes[0]) if needs_a else None), grad_b


def pow(input, exponent) -> Tensor:
    """input ** exponent, elementwise; either may be a Python scalar.

    Example::

        >>> axonml.pow(axonml.tensor([1., 2., 3.]), 2)
        tensor([1., 4., 9.])
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("pow(): at least one of 'input' and 'exponent' must be a Tensor")
    a, b = _promote(input, exponent)
    if _kind(a) in "biu" and _kind(b) in "biu":
        if not isinstance(b, Tensor):
            if b < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
        elif b.lt(0).any().item():
            return _integer_pow_with_negative_exponents(a, b)
    return _apply_broadcasting(Pow, a, b)


def _integer_pow_with_negative_exponents(base, exponent: Tensor) -> Tensor:
    """PyTorch's integer pow for a tensor of exponents: x ** -n is 0, except for x = 1 and x = -1."""
    magnitude = _apply_broadcasting(Pow, base, abs(exponent))
    odd = eq(remainder(exponent, 2), 1)
    reciprocal_of_base = where(eq(base, 1), 1, where(eq(base, -1), where(odd, -1, 1), 0))
    return where(lt(exponent, 0), reciprocal_of_base, magnitude).to(magnitude.dtype)


def square(input: Tensor) -> Tensor:
    """input * input (integer and bool inputs give int64, as in PyTorch)."""
    _check_tensor("square", input)
    return pow(input, 2)


def floor_divide(input, other) -> Tensor:
    """input // other, rounding down (PyTorch's floor_divide; not differentiable)."""
    a, b = _promote(input, other)
    _integer_division_check(b)
    return _apply_broadcasting(FloorDivide, a, b)


def _div_rounding(input, other, rounding_mode: str) -> Tensor:
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    a, b = _promote(input, other)
    _integer_division_check(b)
    return _apply_broadcasting(DivRounding, a, b, rounding_mode)


def remainder(input, other) -> Tensor:
    """Python's modulus (result takes the divisor's sign), broadcasting."""
    a, b = _promote(input, other)
    _integer_division_check(b)
    return _apply_broadcasting(Remainder, a, b)


def fmod(input, other) -> Tensor:
    """C's fmod (result takes the dividend's sign), broadcasting."""
    a, b = _promote(input, other)
    _integer_division_check(b)
    return _apply_broadcasting(Fmod, a, b)


# --- unary math --------------------------------------------------------------------------------------

class Abs(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.abs(a)

    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return ctx.xp.mul(grad, ctx.xp.sign(a))


class _PiecewiseConstant(ArrayFunction):
    """An op whose gradient is zero wherever it exists (sign, floor, ceil, trunc)."""

    primitive = None

    def forward(ctx, a):
        ctx.shape = a.shape
        return getattr(ctx.xp, ctx.primitive)(a)

    def backward(ctx, grad):
        return ctx.xp.zeros(ctx.shape, grad.dtype)


class Sign(_PiecewiseConstant):
    """-1, 0 or 1; NaN maps to 0, as in PyTorch."""

    def forward(ctx, a):
        xp = ctx.xp
        ctx.shape = a.shape
        if a.dtype.kind in "fV":
            return xp.where(xp.isnan(a), 0, xp.sign(a))
        return xp.sign(a)


class Floor(_PiecewiseConstant):
    primitive = "floor"


class Ceil(_PiecewiseConstant):
    primitive = "ceil"


class Trunc(_PiecewiseConstant):
    primitive = "trunc"


class Round(ArrayFunction):
    """Round half to even, to a number of decimals (as PyTorch: scale, round, unscale)."""

    def forward(ctx, a, decimals):
        xp = ctx.xp
        ctx.shape = a.shape
        if decimals == 0:
            return xp.round(a)
        scale = 10.0 ** decimals
        return xp.div(xp.round(xp.mul(a, scale)), scale)

    def backward(ctx, grad):
        return ctx.xp.zeros(ctx.shape, grad.dtype), None


class Exp(ArrayFunction):
    def forward(ctx, a):
        out = ctx.xp.exp(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return ctx.xp.mul(grad, _conj(ctx.xp, out))


class Log(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.log(a)

    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return ctx.xp.div(grad, a)


class Log2(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.log2(a)

    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return ctx.xp.div(grad, ctx.xp.mul(a, math.log(2.0)))


class Log10(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.log10(a)

    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return ctx.xp.div(grad, ctx.xp.mul(a, math.log(10.0)))


class Log1p(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.log1p(a)

    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return ctx.xp.div(grad, ctx.xp.add(a, 1))


class Expm1(ArrayFunction):
    def forward(ctx, a):
        out = ctx.xp.expm1(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return ctx.xp.mul(grad, ctx.xp.add(out, 1))


class Sqrt(ArrayFunction):
    def forward(ctx, a):
        out = ctx.xp.sqrt(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return ctx.xp.div(grad, ctx.xp.mul(out, 2))


class Rsqrt(ArrayFunction):
    def forward(ctx, a):
        out = ctx.xp.rsqrt(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        out, = ctx.saved_tensors
        return xp.mul(xp.mul(grad, -0.5), xp.mul(out, xp.mul(out, out)))


class Reciprocal(ArrayFunction):
    def forward(ctx, a):
        out = ctx.xp.reciprocal(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        out, = ctx.saved_tensors
        return xp.neg(xp.mul(grad, xp.mul(out, out)))


class Sin(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.sin(a)

    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return ctx.xp.mul(grad, ctx.xp.cos(a))


class Cos(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.cos(a)

    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return ctx.xp.neg(ctx.xp.mul(grad, ctx.xp.sin(a)))


class Tan(ArrayFunction):
    def forward(ctx, a):
        out = ctx.xp.tan(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        out, = ctx.saved_tensors
        return xp.mul(grad, xp.add(xp.mul(out, out), 1))


class Tanh(ArrayFunction):
    def forward(ctx, a):
        out = ctx.xp.tanh(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        out, = ctx.saved_tensors
        return xp.mul(grad, xp.sub(1, xp.mul(out, out)))


class Sigmoid(ArrayFunction):
    def forward(ctx, a):
        out = ctx.xp.sigmoid(a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        out, = ctx.saved_tensors
        return xp.mul(grad, xp.mul(out, xp.sub(1, out)))


class Erf(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.erf(a)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.mul(grad, xp.mul(xp.exp(xp.neg(xp.mul(a, a))), 2.0 / math.sqrt(math.pi)))


def abs(input: Tensor) -> Tensor:
    """|input|; its gradient at 0 is 0, as in PyTorch."""
    _check_tensor("abs", input)
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return apply(Abs, input)


absolute = abs


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (bool stays bool)."""
    _check_tensor("sign", input)
    return apply(Sign, input)


def _rounding(name: str, fn_cls, input: Tensor) -> Tensor:
    _check_tensor(name, input)
    if input._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    return apply(fn_cls, input)


def floor(input: Tensor) -> Tensor:
    """Round down; integer inputs are returned unchanged (as a new tensor)."""
    return _rounding("floor", Floor, input)


def ceil(input: Tensor) -> Tensor:
    """Round up; integer inputs are returned unchanged (as a new tensor)."""
    return _rounding("ceil", Ceil, input)


def trunc(input: Tensor) -> Tensor:
    """Round towards zero; integer inputs are returned unchanged (as a new tensor)."""
    return _rounding("trunc", Trunc, input)


fix = trunc


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even, to ``decimals`` decimal places."""
    _check_tensor("round", input)
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"round\" not implemented for 'Bool'")
    return apply(Round, input, int(decimals))


def exp(input: Tensor) -> Tensor:
    """e ** input (integer inputs give the default float type)."""
    return apply(Exp, _floating("exp", input))


def log(input: Tensor) -> Tensor:
    """Natural logarithm."""
    return apply(Log, _floating("log", input))


def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm."""
    return apply(Log2, _floating("log2", input))


def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm."""
    return apply(Log10, _floating("log10", input))


def log1p(input: Tensor) -> Tensor:
    """log(1 + input), accurate for small input."""
    return apply(Log1p, _floating("log1p", input))


def expm1(input: Tensor) -> Tensor:
    """exp(input) - 1, accurate for small input."""
    return apply(Expm1, _floating("expm1", input))


def sqrt(input: Tensor) -> Tensor:
    """Square root."""
    return apply(Sqrt, _floating("sqrt", input))


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(input)."""
    return apply(Rsqrt, _floating("rsqrt", input))


def reciprocal(input: Tensor) -> Tensor:
    """1 / input (integer inputs give the default float type)."""
    return apply(Reciprocal, _floating("reciprocal", input))


def sin(input: Tensor) -> Tensor:
    """Sine (radians)."""
    return apply(Sin, _floating("sin", input))


def cos(input: Tensor) -> Tensor:
    """Cosine (radians)."""
    return apply(Cos, _floating("cos", input))


def tan(input: Tensor) -> Tensor:
    """Tangent (radians)."""
    return apply(Tan, _floating("tan", input))


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return apply(Tanh, _floating("tanh", input))


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-input)), computed without overflow."""
    return apply(Sigmoid, _floating("sigmoid", input))


def erf(input: Tensor) -> Tensor:
    """The Gauss error function."""
    return apply(Erf, _floating("erf", input))


def positive(input: Tensor) -> Tensor:
    """input itself (PyTorch's unary +)."""
    _check_tensor("positive", input)
    if input._data.dtype.kind == "b":
        raise TypeError("The `+` operator, on a bool tensor is not supported.")
    return input


# --- inverse trigonometric and hyperbolic functions -------------------------------------------------------

class Asin(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.asin(a)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.mul(grad, xp.rsqrt(xp.sub(1, xp.mul(a, a))))


class Acos(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.acos(a)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.neg(xp.mul(grad, xp.rsqrt(xp.sub(1, xp.mul(a, a)))))


class Atan(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.atan(a)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.div(grad, xp.add(xp.mul(a, a), 1))


class Sinh(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.sinh(a)

    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return ctx.xp.mul(grad, ctx.xp.cosh(a))


class Cosh(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.cosh(a)

    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return ctx.xp.mul(grad, ctx.xp.sinh(a))


class Asinh(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.asinh(a)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.mul(grad, xp.rsqrt(xp.add(xp.mul(a, a), 1)))


class Acosh(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.acosh(a)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.mul(grad, xp.rsqrt(xp.mul(xp.sub(a, 1), xp.add(a, 1))))


class Atanh(ArrayFunction):
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.xp.atanh(a)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.div(grad, xp.sub(1, xp.mul(a, a)))


class Atan2(ArrayFunction):
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.save_for_backward(a, b)
        return ctx.xp.atan2(a, b)

    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        scaled = xp.div(grad, xp.add(xp.mul(a, a), xp.mul(b, b)))
        return (xp.sum_to(xp.mul(scaled, b), ctx.shapes[0]) if needs_a else None,
                xp.sum_to(xp.neg(xp.mul(scaled, a)), ctx.shapes[1]) if needs_b else None)


class Hypot(ArrayFunction):
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        out = ctx.xp.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        a, b, out = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        scaled = xp.div(grad, out)
        return (xp.sum_to(xp.mul(scaled, a), ctx.shapes[0]) if needs_a else None,
                xp.sum_to(xp.mul(scaled, b), ctx.shapes[1]) if needs_b else None)


class LogAddExp(ArrayFunction):
    """log(exp(a) + exp(b)) = max(a, b) + log1p(exp(-|a - b|)); equal operands (infinities too) give a + log 2."""

    def forward(ctx, a, b):
        xp = ctx.xp
        ctx.shapes = (_shape(a), _shape(b))
        ctx.save_for_backward(a, b)
        spread = xp.log1p(xp.exp(xp.neg(xp.abs(xp.sub(a, b)))))
        return xp.where(xp.eq(a, b), xp.add(a, math.log(2.0)), xp.add(xp.maximum(a, b), spread))

    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        share_a = xp.sigmoid(xp.sub(a, b))
        return (xp.sum_to(xp.mul(grad, share_a), ctx.shapes[0]) if needs_a else None,
                xp.sum_to(xp.mul(grad, xp.sub(1, share_a)), ctx.shapes[1]) if needs_b else None)


class Sinc(ArrayFunction):
    """sin(pi x) / (pi x), 1 at 0; its derivative (pi x cos(pi x) - sin(pi x)) / (pi x^2) is 0 at 0."""

    def forward(ctx, a):
        xp = ctx.xp
        at_zero = xp.eq(a, 0)
        scaled = xp.mul(xp.where(at_zero, 1.0, a), math.pi)
        out = xp.where(at_zero, 1.0, xp.div(xp.sin(scaled), scaled))
        ctx.save_for_backward(a)
        return xp.astype(out, a.dtype)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        at_zero = xp.eq(a, 0)
        safe = xp.where(at_zero, 1.0, a)
        scaled = xp.mul(safe, math.pi)
        slope = xp.div(xp.sub(xp.mul(scaled, xp.cos(scaled)), xp.sin(scaled)), xp.mul(scaled, safe))
        return xp.mul(grad, xp.where(at_zero, 0.0, slope))


def asin(input: Tensor) -> Tensor:
    """Arcsine (radians); NaN outside [-1, 1]."""
    return apply(Asin, _floating("asin", input))


def acos(input: Tensor) -> Tensor:
    """Arccosine (radians); NaN outside [-1, 1]."""
    return apply(Acos, _floating("acos", input))


def atan(input: Tensor) -> Tensor:
    """Arctangent (radians)."""
    return apply(Atan, _floating("atan", input))


def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine."""
    return apply(Sinh, _floating("sinh", input))


def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine."""
    return apply(Cosh, _floating("cosh", input))


def asinh(input: Tensor) -> Tensor:
    """Inverse hyperbolic sine."""
    return apply(Asinh, _floating("asinh", input))


def acosh(input: Tensor) -> Tensor:
    """Inverse hyperbolic cosine; NaN below 1."""
    return apply(Acosh, _floating("acosh", input))


def atanh(input: Tensor) -> Tensor:
    """Inverse hyperbolic tangent; NaN outside [-1, 1]."""
    return apply(Atanh, _floating("atanh", input))


arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def _floating_pair(name: str, input, other, integers: bool):
    """input and other promoted together, then to the default float type when integral (if integers allows)."""
    _both_tensors(name, input, other)
    a, b = _promote(input, other)
    if _kind(a) not in "fV":
        if not integers:
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{a.dtype.scalar_name}'")
        a, b = cast(a, _dtype.get_default_dtype()), cast(b, _dtype.get_default_dtype())
    return a, b


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point (other, input): arctan(input / other) in the right quadrant, in [-pi, pi]."""
    return _apply_broadcasting(Atan2, *_floating_pair("atan2", input, other, integers=True))


arctan2 = atan2


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """sqrt(input ** 2 + other ** 2) without intermediate overflow."""
    return _apply_broadcasting(Hypot, *_floating_pair("hypot", input, other, integers=False))


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other)) computed without overflow."""
    return _apply_broadcasting(LogAddExp, *_floating_pair("logaddexp", input, other, integers=False))


def sinc(input: Tensor) -> Tensor:
    """The normalized sinc function sin(pi * input) / (pi * input), 1 where input is 0."""
    return apply(Sinc, _floating("sinc", input))


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians."""
    return mul(_floating("deg2rad", input), math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees."""
    return mul(_floating("rad2deg", input), 180.0 / math.pi)


# --- clamping, maximum/minimum, selection -------------------------------------------------------------------

class Clamp(ArrayFunction):
    """min(max(x, min), max); min and max may be scalars, tensors or None."""

    def forward(ctx, a, low, high):
        xp = ctx.xp
        ctx.shapes = (_shape(a), _shape(low), _shape(high))
        ctx.save_for_backward(a, low, high)
        return xp.clip(a, low, high)

    def backward(ctx, grad):
        xp = ctx.xp
        a, low, high = ctx.saved_tensors
        needs_a, needs_low, needs_high = ctx.needs_input_grad
        grad_a = grad_low = grad_high = None
        if needs_a:
            # as PyTorch: the gradient passes where low <= x <= high, bounds included
            if low is None:
                inside = xp.le(a, high)
            elif high is None:
                inside = xp.ge(a, low)
            else:
                inside = xp.logical_and(xp.ge(a, low), xp.le(a, high))
            grad_a = xp.sum_to(xp.where(inside, grad, 0), ctx.shapes[0])
        if needs_low:
            below = xp.lt(a, low)
            if high is not None:
                below = xp.logical_and(below, xp.lt(low, high))
            grad_low = xp.sum_to(xp.where(below, grad, 0), ctx.shapes[1])
        if needs_high:
            above = xp.gt(a, high)
            if low is not None:
                above = xp.logical_or(above, xp.lt(high, low))
            grad_high = xp.sum_to(xp.where(above, grad, 0), ctx.shapes[2])
        return grad_a, grad_low, grad_high


class Maximum(ArrayFunction):
    """Elementwise maximum; at ties each input gets half the gradient, as in PyTorch."""

    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        ctx.save_for_backward(a, b)
        return ctx.xp.maximum(a, b)

    def backward(ctx, grad):
        return _split_at_ties(ctx, grad, ctx.xp.gt)


class Minimum(ArrayFunction):
    """Elementwise minimum; at ties each input gets half the gradient, as in PyTorch."""

    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        ctx.save_for_backward(a, b)
        return ctx.xp.minimum(a, b)

    def backward(ctx, grad):
        return _split_at_ties(ctx, grad, ctx.xp.lt)


def _split_at_ties(ctx, grad, wins):
    xp = ctx.xp
    a, b = ctx.saved_tensors
    needs_a, needs_b = ctx.needs_input_grad
    half = xp.where(xp.eq(a, b), xp.mul(grad, 0.5), 0)
    return (xp.sum_to(xp.where(wins(a, b), grad, half), ctx.shapes[0]) if needs_a else None,
            xp.sum_to(xp.where(wins(b, a), grad, half), ctx.shapes[1]) if needs_b else None)


class Where(ArrayFunction):
    _storage_native = True

    def forward(ctx, condition, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        ctx.save_for_backward(condition)
        return ctx.xp.where(condition, a, b)

    def backward(ctx, grad):
        xp = ctx.xp
        condition, = ctx.saved_tensors
        _, needs_a, needs_b = ctx.needs_input_grad
        return (None,
                xp.sum_to(xp.where(condition, grad, 0), ctx.shapes[0]) if needs_a else None,
                xp.sum_to(xp.where(condition, 0, grad), ctx.shapes[1]) if needs_b else None)


class Lerp(ArrayFunction):
    """input + weight * (end - input); weight may be a scalar."""

    def forward(ctx, a, b, weight):
        xp = ctx.xp
        ctx.shapes = (a.shape, b.shape, _shape(weight))
        difference = xp.sub(b, a)
        ctx.save_for_backward(a, b, weight)
        return xp.add(a, xp.mul(weight, difference))

    def backward(ctx, grad):
        xp = ctx.xp
        a, b, weight = ctx.saved_tensors
        needs_a, needs_b, needs_weight = ctx.needs_input_grad
        return (xp.sum_to(xp.mul(grad, xp.sub(1, weight)), ctx.shapes[0]) if needs_a else None,
                xp.sum_to(xp.mul(grad, weight), ctx.shapes[1]) if needs_b else None,
                xp.sum_to(xp.mul(grad, xp.sub(b, a)), ctx.shapes[2]) if needs_weight else None)


class NanToNum(ArrayFunction):
    def forward(ctx, a, nan, posinf, neginf):
        xp = ctx.xp
        ctx.save_for_backward(a)
        if a.dtype.kind not in "fV":
            return xp.copy(a)
        out = xp.where(xp.isnan(a), nan, a)
        infinite = xp.isinf(a)
        out = xp.where(xp.logical_and(infinite, xp.gt(a, 0)), posinf, out)
        return xp.where(xp.logical_and(infinite, xp.lt(a, 0)), neginf, out)

    def backward(ctx, grad):
        xp = ctx.xp
        a, = ctx.saved_tensors
        return xp.where(xp.isfinite(a), grad, 0), None, None, None


def _bound(name: str, value):
    if value is None or isinstance(value, Tensor) or type(value) in _SCALARS:
        return value
    try:
        return _python_scalar(value)
    except TypeError:
        raise TypeError(f"clamp(): argument '{name}' must be Number or Tensor, not {type(value).__name__}") from None


def clamp(input: Tensor, min=None, max=None) -> Tensor:
    """Clamp every element into [min, max]; min and max are scalars, tensors (broadcast) or None.

    The gradient passes to input where min <= input <= max (bounds included), as in PyTorch.

    Example::

        >>> axonml.clamp(axonml.tensor([-2., 0.5, 3.]), min=-1, max=1)
        tensor([-1.0000,  0.5000,  1.0000])
    """
    _check_tensor("clamp", input)
    low, high = _bound("min", min), _bound("max", max)
    if low is None and high is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    operands = [x for x in (input, low, high) if x is not None]
    target = _dtype.result_type(*operands)
    converted = []
    for x in (input, low, high):
        if isinstance(x, Tensor):
            x = cast(x, target) if x._data.dtype != target.np else x
        elif x is not None and not target.is_floating_point:
            x = target.np.type(x)
        converted.append(x)
    return _apply_broadcasting(Clamp, *converted)


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:
    """clamp(input, min=min)."""
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:
    """clamp(input, max=max)."""
    return clamp(input, max=max)


def _both_tensors(name: str, input, other) -> None:
    _check_tensor(name, input)
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum of two tensors (broadcasting); NaN propagates."""
    _both_tensors("maximum", input, other)
    return _binary(Maximum, input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum of two tensors (broadcasting); NaN propagates."""
    _both_tensors("minimum", input, other)
    return _binary(Minimum, input, other)


def where(condition: Tensor, input=None, other=None):
    """input where condition holds, else other (broadcasting); input and other may be scalars.

    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``.

    Example::

        >>> x = axonml.tensor([-1., 2.])
        >>> axonml.where(x > 0, x, 0.)
        tensor([0., 2.])
    """
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{type(condition).__name__}")
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() missing 1 required positional argument: 'input' or 'other'")
    kind = condition._data.dtype.kind
    if condition._data.dtype.name == "uint8":
        condition = cast(condition, _dtype.bool)
    elif kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype.scalar_name}")
    a, b = _promote(input, other)
    return _apply_broadcasting(Where, condition, a, b)


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """input + weight * (end - input); weight is a scalar or a tensor (broadcasting)."""
    _both_tensors("lerp", input, end)
    for name, x in (("end", end), ("weight", weight)):
        if isinstance(x, Tensor) and x._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected dtype {input.dtype.name} for `{name}` but got dtype {x.dtype.name}")
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for '{input.dtype.name}'")
    return _apply_broadcasting(Lerp, input, end, weight if isinstance(weight, Tensor) else float(weight))


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """input + value * tensor1 * tensor2."""
    product = mul(tensor1, tensor2)
    return add(input, product if value == 1 else mul(product, value))


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """input + value * tensor1 / tensor2 (integer tensor1 and tensor2 are refused, as in PyTorch)."""
    if _kind(tensor1) in "biu" and _kind(tensor2) in "biu":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release "
                           "addcdiv will perform a true division of tensor1 and tensor2.")
    quotient = div(tensor1, tensor2)
    return add(input, quotient if value == 1 else mul(quotient, value))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """Replace NaN by nan, +inf by posinf and -inf by neginf (defaults: the dtype's largest/lowest finite value)."""
    _check_tensor("nan_to_num", input)
    if input._data.dtype.kind in "fV":
        import numpy  # the dtype's finite range, computed on the host

        info = numpy.finfo(input._data.dtype)
        posinf = float(info.max) if posinf is None else posinf
        neginf = float(info.min) if neginf is None else neginf
    return apply(NanToNum, input, float(nan), posinf, neginf)


# --- comparisons, logical and bitwise ops (not differentiable) ----------------------------------------------------

class _Elementwise(ArrayFunction):
    """An op that maps straight onto one backend primitive and has no gradient."""

    primitive = None

    def forward(ctx, *arrays):
        return getattr(ctx.xp, ctx.primitive)(*arrays)

    def backward(ctx, *grads):
        raise RuntimeError(f"the derivative for '{ctx.primitive}' is not implemented.")


class Eq(_Elementwise):
    primitive = "eq"
    _storage_native = True


class Ne(_Elementwise):
    primitive = "ne"
    _storage_native = True


class Lt(_Elementwise):
    primitive = "lt"


class Le(_Elementwise):
    primitive = "le"


class Gt(_Elementwise):
    primitive = "gt"


class Ge(_Elementwise):
    primitive = "ge"


class LogicalAnd(_Elementwise):
    primitive = "logical_and"


class LogicalOr(_Elementwise):
    primitive = "logical_or"


class LogicalXor(_Elementwise):
    primitive = "logical_xor"


class LogicalNot(_Elementwise):
    primitive = "logical_not"


class BitwiseAnd(_Elementwise):
    primitive = "bitwise_and"


class BitwiseOr(_Elementwise):
    primitive = "bitwise_or"


class BitwiseXor(_Elementwise):
    primitive = "bitwise_xor"


class BitwiseNot(_Elementwise):
    primitive = "bitwise_not"


class IsNan(_Elementwise):
    primitive = "isnan"
    _storage_native = True


class IsInf(_Elementwise):
    primitive = "isinf"


class IsFinite(_Elementwise):
    primitive = "isfinite"


def _compare(fn_cls, input, other) -> Tensor:
    _check_tensor(fn_cls.primitive, input)
    return _binary(fn_cls, input, other)


def eq(input: Tensor, other) -> Tensor:
    """input == other, elementwise (a bool tensor), comparing in the promoted type."""
    return _compare(Eq, input, other)


def ne(input: Tensor, other) -> Tensor:
    """input != other, elementwise (a bool tensor)."""
    return _compare(Ne, input, other)


def lt(input: Tensor, other) -> Tensor:
    """input < other, elementwise (a bool tensor)."""
    return _compare(Lt, input, other)


def le(input: Tensor, other) -> Tensor:
    """input <= other, elementwise (a bool tensor)."""
    return _compare(Le, input, other)


def gt(input: Tensor, other) -> Tensor:
    """input > other, elementwise (a bool tensor)."""
    return _compare(Gt, input, other)


def ge(input: Tensor, other) -> Tensor:
    """input >= other, elementwise (a bool tensor)."""
    return _compare(Ge, input, other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logical(fn_cls, input, other) -> Tensor:
    _check_tensor(fn_cls.primitive, input)
    if not isinstance(other, Tensor):
        raise TypeError(f"{fn_cls.primitive}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    return _apply_broadcasting(fn_cls, input, other)


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise AND of the truth values (nonzero is True); a bool tensor."""
    return _logical(LogicalAnd, input, other)


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise OR of the truth values; a bool tensor."""
    return _logical(LogicalOr, input, other)


def logical_xor(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise XOR of the truth values; a bool tensor."""
    return _logical(LogicalXor, input, other)


def logical_not(input: Tensor) -> Tensor:
    """Elementwise NOT of the truth values; a bool tensor."""
    _check_tensor("logical_not", input)
    return apply(LogicalNot, input)


def _bitwise(fn_cls, input, other) -> Tensor:
    a, b = _promote(input, other)
    if _kind(a) in "fV" or _kind(b) in "fV":
        raise NotImplementedError(f"\"{fn_cls.primitive}_cpu\" not implemented for 'Float'")
    return _apply_broadcasting(fn_cls, a, b)


def bitwise_and(input, other) -> Tensor:
    """input & other for integer and bool tensors."""
    return _bitwise(BitwiseAnd, input, other)


def bitwise_or(input, other) -> Tensor:
    """input | other for integer and bool tensors."""
    return _bitwise(BitwiseOr, input, other)


def bitwise_xor(input, other) -> Tensor:
    """input ^ other for integer and bool tensors."""
    return _bitwise(BitwiseXor, input, other)


def bitwise_not(input: Tensor) -> Tensor:
    """~input: bitwise NOT of integers, logical NOT of bools."""
    _check_tensor("bitwise_not", input)
    if input._data.dtype.kind in "fV":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return apply(BitwiseNot, input)


def isnan(input: Tensor) -> Tensor:
    """Which elements are NaN (a bool tensor)."""
    _check_tensor("isnan", input)
    return apply(IsNan, input)


def isinf(input: Tensor) -> Tensor:
    """Which elements are +inf or -inf (a bool tensor)."""
    _check_tensor("isinf", input)
    return apply(IsInf, input)


def isfinite(input: Tensor) -> Tensor:
    """Which elements are neither NaN nor infinite (a bool tensor)."""
    _check_tensor("isfinite", input)
    return apply(IsFinite, input)


# --- closeness and equality of whole tensors (not differentiable) ---------------------------------------------

def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (equal infinities are close); a bool tensor.

    Args:
        input, other: tensors of the same dtype (broadcast together).
        rtol, atol: relative and absolute tolerance, both >= 0.
        equal_nan: whether two NaNs count as close.
    """
    _both_tensors("isclose", input, other)
    if input._data.dtype != other._data.dtype:
        from .reduce import _legacy_name
        raise RuntimeError(f"{_legacy_name(input.dtype)} did not match {_legacy_name(other.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    a, b = input.detach(), other.detach()
    close = eq(a, b)
    if a._data.dtype.kind == "b":
        return close
    if equal_nan and a._data.dtype.kind in "fV":
        close = logical_or(close, logical_and(isnan(a), isnan(b)))
    if a._data.dtype.kind not in "fV":
        a, b = cast(a, _dtype.get_default_dtype()), cast(b, _dtype.get_default_dtype())
    error = abs(sub(a, b))
    allowed = add(abs(mul(b, rtol)), atol)
    return logical_or(close, logical_and(isfinite(error), le(error, allowed)))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element of input is close to other's (see isclose); a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all().item())


def equal(input: Tensor, other: Tensor) -> bool:
    """True when input and other have the same shape and the same values (NaN equals nothing); a Python bool."""
    _both_tensors("equal", input, other)
    if input.device != other.device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{input.device} and {other.device}!")
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(eq(input.detach(), other.detach()).all().item())


# --- in-place writes ----------------------------------------------------------------------------------------

# --- writing values: the out-of-place halves of fill_, zero_ and copy_ -----------------------------------------------

class Fill(ArrayFunction):
    """A tensor shaped like input holding value (a scalar or a 0-dim tensor, which gets the summed gradient)."""
    _storage_native = True

    def forward(ctx, a, value):
        xp = ctx.xp
        ctx.shape = a.shape
        if _is_array(xp, value):
            ctx.value_dtype = value.dtype
            return xp.copy(xp.broadcast_to(xp.astype(value, a.dtype), a.shape))
        return xp.full(a.shape, value, a.dtype)

    def backward(ctx, grad):
        xp = ctx.xp
        needs_a, needs_value = ctx.needs_input_grad
        return (xp.zeros(ctx.shape, grad.dtype) if needs_a else None,
                xp.astype(xp.sum(grad, None, False), ctx.value_dtype) if needs_value else None)


class Copy(ArrayFunction):
    """src broadcast to dst's shape and cast to dst's dtype; the gradient flows to src only."""

    _bfloat16_native = True

    def forward(ctx, dst, src):
        xp = ctx.xp
        ctx.shapes = (dst.shape, src.shape)
        ctx.src_dtype = src.dtype
        return xp.copy(xp.astype(xp.broadcast_to(src, dst.shape), dst.dtype))

    def backward(ctx, grad):
        xp = ctx.xp
        needs_dst, needs_src = ctx.needs_input_grad
        return (xp.zeros(ctx.shapes[0], grad.dtype) if needs_dst else None,
                xp.sum_to(xp.astype(grad, ctx.src_dtype), ctx.shapes[1]) if needs_src else None)


def _filled(input: Tensor, value) -> Tensor:
    """What ``input.fill_(value)`` writes: a new tensor shaped like input."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                               "dimensions.")
        if value.device != input.device:
            value = value.to(input.device)
    elif type(value) not in _SCALARS:
        value = _python_scalar(value)
    return apply(Fill, input, value)


def _copied(input: Tensor, src: Tensor) -> Tensor:
    """What ``input.copy_(src)`` writes: src broadcast to input's shape, in input's dtype."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not {type(src).__name__}")
    if src.device != input.device:
        src = src.to(input.device)
    try:
        return apply(Copy, input, src)
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({input.shape[-1] if input.ndim else 1}) must match the size of "
                           f"tensor b ({src.shape[-1] if src.ndim else 1}): src {list(src.shape)} does not "
                           f"broadcast to {list(input.shape)}") from None


# --- copysign, exp2 and bit shifts ---------------------------------------------------------------------

class CopySign(ArrayFunction):
    """|a| with the sign bit of b (so -0.0 counts as negative); the gradient is sign(out / a), 0 where a is 0,
    and zero for b, as in PyTorch."""

    def forward(ctx, a, b):
        xp = ctx.xp
        ctx.shapes = (_shape(a), _shape(b))
        out = xp.copysign(a, b)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if needs_a:
            is_zero = xp.eq(a, 0)
            local = xp.where(is_zero, 0, xp.div(out, xp.where(is_zero, 1, a)))
            grad_a = xp.sum_to(xp.mul(grad, local), ctx.shapes[0])
        if needs_b:
            grad_b = xp.zeros(ctx.shapes[1], grad.dtype)
        return grad_a, grad_b


class Exp2(ArrayFunction):
    def forward(ctx, a):
        out = ctx.xp.pow(2.0, a)
        ctx.save_for_backward(out)
        return out

    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return ctx.xp.mul(grad, ctx.xp.mul(out, math.log(2.0)))


class LeftShift(_Elementwise):
    primitive = "left_shift"


class RightShift(_Elementwise):
    primitive = "right_shift"


def copysign(input: Tensor, other) -> Tensor:
    """The magnitude of input with the sign of other (a tensor or a number), elementwise.

    Integer inputs give the default float type. The sign bit counts, so copysign(1, -0.0) is -1.

    Example::

        >>> axonml.copysign(axonml.tensor([1., -2., 3.]), axonml.tensor([-1., 1., -0.]))
        tensor([-1.,  2., -3.])
    """
    _check_tensor("copysign", input)
    a, b = _promote(input, other)
    if _kind(a) not in "fV":
        a = cast(a, _dtype.get_default_dtype())
        b = cast(b, _dtype.get_default_dtype()) if isinstance(b, Tensor) else float(b)
    return _apply_broadcasting(CopySign, a, b)


def exp2(input: Tensor) -> Tensor:
    """2 ** input, elementwise (integer inputs give the default float type)."""
    return apply(Exp2, _floating("exp2", input))


def _shift(fn_cls, torch_name: str, input, other) -> Tensor:
    a, b = _promote(input, other)
    tensor = a if isinstance(a, Tensor) else b
    if tensor._data.dtype.kind not in "iu":
        raise NotImplementedError(f"\"{torch_name}_cpu\" not implemented for '{tensor.dtype.scalar_name}'")
    return _apply_broadcasting(fn_cls, a, b)


def bitwise_left_shift(input, other) -> Tensor:
    """input << other for integer tensors (or numbers): 0 once the shift reaches the type's width, as in PyTorch."""
    return _shift(LeftShift, "lshift", input, other)


def bitwise_right_shift(input, other) -> Tensor:
    """input >> other for integer tensors, arithmetic for signed types: -1 or 0 once the shift reaches the width."""
    return _shift(RightShift, "rshift", input, other)


# --- more elementwise math: fmax/fmin, float_power, heaviside, gcd/lcm, ldexp, logaddexp2, nextafter, frexp ---

class _NanIgnoringExtreme(ArrayFunction):
    """fmax / fmin: the larger (smaller) operand, the other one where an operand is NaN; the whole gradient goes to
    the operand taken (input at ties), as in torch."""

    largest = True

    def forward(ctx, a, b):
        xp = ctx.xp
        ctx.shapes = (_shape(a), _shape(b))
        take_a = xp.ge(a, b) if ctx.largest else xp.le(a, b)
        if a.dtype.kind in "fV":
            take_a = xp.logical_or(take_a, xp.isnan(b))
        ctx.save_for_backward(take_a)
        return xp.where(take_a, a, b)

    def backward(ctx, grad):
        xp = ctx.xp
        take_a, = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        return (xp.sum_to(xp.where(take_a, grad, 0.0), ctx.shapes[0]) if needs_a else None,
                xp.sum_to(xp.where(take_a, 0.0, grad), ctx.shapes[1]) if needs_b else None)


class FMax(_NanIgnoringExtreme):
    largest = True


class FMin(_NanIgnoringExtreme):
    largest = False


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum that ignores NaN: where one operand is NaN the other is taken (NaN only if both are)."""
    _both_tensors("fmax", input, other)
    return _binary(FMax, input, other)


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum that ignores NaN: where one operand is NaN the other is taken (NaN only if both are)."""
    _both_tensors("fmin", input, other)
    return _binary(FMin, input, other)


def float_power(input, exponent) -> Tensor:
    """input ** exponent computed in float64 (either may be a number); the result is float64."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): at least one of input and exponent must be a Tensor")
    as_double = [cast(x, _dtype.float64) if isinstance(x, Tensor) else float(x) for x in (input, exponent)]
    return pow(*as_double)


class Heaviside(ArrayFunction):
    """0 for x < 0, values where x == 0, 1 for x > 0; torch defines no derivative."""

    def forward(ctx, a, values):
        xp = ctx.xp
        return xp.astype(xp.where(xp.eq(a, 0), values, xp.astype(xp.gt(a, 0), a.dtype)), a.dtype)

    def backward(ctx, grad):
        raise NotImplementedError("the derivative for 'heaviside' is not implemented.")


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The Heaviside step function of input, taking values where input is 0 (both of one dtype)."""
    _both_tensors("heaviside", input, values)
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return _apply_broadcasting(Heaviside, input, values)


def _integer_pair(name: str, input, other):
    _both_tensors(name, input, other)
    a, b = _promote(input, other)
    if _kind(a) not in "iu":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{a.dtype.scalar_name}'")
    return a, b


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor of integer tensors (non-negative; gcd(0, 0) = 0), by Euclid's algorithm."""
    a, b = _integer_pair("gcd", input, other)
    a, b = abs(a).detach(), abs(b).detach()
    shape = tuple(np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))
    a, b = a.expand(*shape), b.expand(*shape)
    while True:
        nonzero = ne(b, 0)
        if not nonzero.any().item():
            return a.contiguous()
        rest = remainder(a, where(nonzero, b, 1))
        a, b = where(nonzero, b, a), where(nonzero, rest, 0)


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple of integer tensors (non-negative; 0 if either is 0)."""
    a, b = _integer_pair("lcm", input, other)
    divisor = gcd(a, b)
    return abs(where(eq(divisor, 0), 0, floor_divide(a, where(eq(divisor, 0), 1, divisor)) * b))


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """input * 2 ** other (the result is floating point)."""
    _both_tensors("ldexp", input, other)
    return mul(input, exp2(other))


class LogAddExp2(ArrayFunction):
    """log2(2**a + 2**b) = max(a, b) + log2(1 + 2**-|a - b|); equal operands give a + 1."""

    def forward(ctx, a, b):
        xp = ctx.xp
        ctx.shapes = (_shape(a), _shape(b))
        ctx.save_for_backward(a, b)
        spread = xp.div(xp.log1p(xp.exp(xp.mul(xp.abs(xp.sub(a, b)), -math.log(2.0)))), math.log(2.0))
        return xp.where(xp.eq(a, b), xp.add(a, 1.0), xp.add(xp.maximum(a, b), spread))

    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved_tensors
        needs_a, needs_b = ctx.needs_input_grad
        share_a = xp.sigmoid(xp.mul(xp.sub(a, b), math.log(2.0)))   # 2**a / (2**a + 2**b)
        return (xp.sum_to(xp.mul(grad, share_a), ctx.shapes[0]) if needs_a else None,
                xp.sum_to(xp.mul(grad, xp.sub(1.0, share_a)), ctx.shapes[1]) if needs_b else None)


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """log2(2**input + 2**other) computed without overflow."""
    return _apply_broadcasting(LogAddExp2, *_floating_pair("logaddexp2", input, other, integers=False))


class NextAfter(ArrayFunction):
    """The next floating-point value after a towards b (the special primitive's 'nextafter'); no derivative."""

    def forward(ctx, a, b):
        ctx.mark_non_differentiable(0)
        return ctx.xp.special("nextafter", a, b)


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next representable floating-point value after input in the direction of other."""
    _both_tensors("nextafter", input, other)
    a, b = _promote(input, other)
    if _kind(a) not in "f":
        raise NotImplementedError(f"\"nextafter_cpu\" not implemented for '{a.dtype.scalar_name}'")
    return _apply_broadcasting(NextAfter, a, b)


_frexp_result = namedtuple("frexp", ["mantissa", "exponent"])


def frexp(input: Tensor):
    """input as mantissa * 2 ** exponent, with |mantissa| in [0.5, 1) (0 for 0; inf and NaN kept, exponent 0):
    the named tuple (mantissa, int32 exponent). The mantissa's gradient is 2 ** -exponent."""
    _check_tensor("frexp", input)
    if input._data.dtype.kind not in "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    x = input.detach()
    plain = logical_and(isfinite(x), ne(x, 0))
    exponent = floor(log2(where(plain, abs(x), 1.0))) + 1
    # log2 may round across a power of two: move the exponent so that |x| / 2**e lands in [0.5, 1)
    scaled = abs(_times_power_of_two(x, exponent.neg()))
    exponent = where(ge(scaled, 1.0), exponent + 1, where(lt(scaled, 0.5), exponent - 1, exponent))
    exponent = where(plain, exponent, 0.0)
    mantissa = _times_power_of_two(input, exponent.neg())
    return _frexp_result(mantissa, cast(exponent, _dtype.int32))


def _times_power_of_two(x: Tensor, power: Tensor) -> Tensor:
    """x * 2**power in two halves, so that neither factor overflows where the product does not (subnormals)."""
    half = floor(power / 2)
    return mul(mul(x, exp2(half)), exp2(power - half))


def sgn(input: Tensor) -> Tensor:
    """The sign of input (torch.sgn: sign for real tensors)."""
    return sign(input)


def signbit(input: Tensor) -> Tensor:
    """Whether each element's sign bit is set (true for -0.0 and negative NaN); a bool tensor."""
    _check_tensor("signbit", input)
    kind = input._data.dtype.kind
    if kind in "fV":
        from ..creation import ones_like
        return lt(copysign(ones_like(input), input), 0)
    if kind in "bu":
        from ..creation import zeros
        return zeros(tuple(input.shape), dtype=_dtype.bool, device=input.device)
    return lt(input, 0)


def frac(input: Tensor) -> Tensor:
    """The fractional part input - trunc(input), with input's sign."""
    _check_tensor("frac", input)
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{input.dtype.scalar_name}'")
    return sub(input, trunc(input))


def isneginf(input: Tensor) -> Tensor:
    """Which elements are -inf (a bool tensor)."""
    _check_tensor("isneginf", input)
    return logical_and(isinf(input), lt(input, 0))


def isposinf(input: Tensor) -> Tensor:
    """Which elements are +inf (a bool tensor)."""
    _check_tensor("isposinf", input)
    return logical_and(isinf(input), gt(input, 0))


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Which elements occur in test_elements (either may be a number): a bool tensor shaped like elements.

    Args:
        elements: the values to look up.
        test_elements: the values to look in (any shape).
        assume_unique: accepted for torch's signature; the lookup sorts test_elements either way.
        invert: which elements do NOT occur.
    """
    from .sort import searchsorted, sort
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): at least one of elements and test_elements must be a Tensor")
    a, b = _promote(elements, test_elements)
    device = (a if isinstance(a, Tensor) else b).device
    from ..creation import tensor as _tensor
    a = a if isinstance(a, Tensor) else _tensor(a, dtype=b.dtype, device=device)
    b = b if isinstance(b, Tensor) else _tensor([b], dtype=a.dtype, device=device)
    pool = sort(b.detach().reshape(-1)).values
    if pool.shape[0] == 0:
        from ..creation import zeros
        found = zeros(tuple(a.shape), dtype=_dtype.bool, device=device)
    else:
        at = searchsorted(pool, a.detach()).clamp(max=pool.shape[0] - 1)
        found = eq(pool[at], a.detach())
    return logical_not(found) if invert else found
