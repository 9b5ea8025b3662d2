"""Elementwise ops: arithmetic, unary math, activations, comparisons and casts.

Binary ops follow PyTorch's type promotion (see axonml._dtype.result_type): operands are
cast to the result type before the op runs, so each forward sees one dtype.
"""
from __future__ import annotations

from .. import _dtype
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor

__all__ = ["add", "sub", "mul", "div", "neg", "cast"]

_SCALARS = (int, float, bool)


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
            if kind == "f" or (kind != "b" and type(b) is not float):
                return a, b
        else:
            raise TypeError(f"unsupported operand type: {type(b).__name__}")
    elif b_is_tensor:
        if type(a) not in _SCALARS:
            raise TypeError(f"unsupported operand type: {type(a).__name__}")
        kind = b._data.dtype.kind
        if kind == "f" or (kind != "b" and type(a) is not float):
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


def _shape(x):
    return x.shape if hasattr(x, "shape") else ()


# --- casts ---------------------------------------------------------------------------------------

class Cast(ArrayFunction):
    def forward(ctx, a, dtype):
        ctx.source_dtype = a.dtype
        return ctx.xp.astype(a, dtype)

    def backward(ctx, grad):
        return ctx.xp.astype(grad, ctx.source_dtype), None


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
        return (xp.sum_to(xp.mul(grad, b), ctx.shapes[0]) if needs_a else None,
                xp.sum_to(xp.mul(grad, a), ctx.shapes[1]) if needs_b else None)


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
        grad_a = xp.sum_to(xp.div(grad, b), ctx.shapes[0]) if needs_a else None
        grad_b = None
        if needs_b:
            grad_b = xp.sum_to(xp.neg(xp.div(xp.mul(grad, a), xp.mul(b, b))), ctx.shapes[1])
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


def add(input, other, *, alpha=1) -> Tensor:
    """input + alpha * other, broadcasting."""
    if alpha != 1:
        other = mul(other, alpha)
    return _binary(Add, input, other)


def sub(input, other, *, alpha=1) -> Tensor:
    """input - alpha * other, broadcasting."""
    if alpha != 1:
        other = mul(other, alpha)
    return _binary(Sub, input, other)


def mul(input, other) -> Tensor:
    return _binary(Mul, input, other)


def div(input, other, *, rounding_mode=None) -> Tensor:
    """True division (integers give the default float type); rounding_mode 'trunc' or 'floor'."""
    if rounding_mode is not None:
        raise NotImplementedError("div rounding_mode is provided by ops/elementwise.py's floor/trunc division")
    a, b = _promote(input, other)
    if _kind(a) != "f" and _kind(b) != "f":
        default = _dtype.get_default_dtype()
        a = cast(a, default) if isinstance(a, Tensor) else float(a)
        b = cast(b, default) if isinstance(b, Tensor) else float(b)
    try:
        return apply(Div, a, b)
    except ValueError:
        raise RuntimeError(broadcast_error(_shape_of(a), _shape_of(b))) from None


def _kind(x):
    return x._data.dtype.kind if isinstance(x, Tensor) else ("f" if isinstance(x, float) else "i")


def neg(input: Tensor) -> Tensor:
    return apply(Neg, input)
