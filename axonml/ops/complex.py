"""Complex numbers: real, imag, conj, angle, polar, complex, view_as_real / view_as_complex.

A complex tensor holds (real, imaginary) pairs of one real dtype (complex64: float32 pairs). Gradients
follow PyTorch's convention for real losses (see _wirtinger.py): ``x.grad`` of a complex leaf is
dL/d(re) + i dL/d(im), and the gradient reaching a real input is the real part.

``conj`` is always physical: axonml has no lazy conjugate bit, so ``conj``, ``conj_physical`` and
``resolve_conj`` give the same values, ``is_conj`` is always False.
"""
from __future__ import annotations

import math

from .. import _dtype
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._checks import check_tensor

__all__ = ["real", "imag", "conj", "conj_physical", "resolve_conj", "resolve_neg", "is_conj", "angle", "polar",
           "complex", "view_as_real", "view_as_complex", "is_complex"]


def _zeros_like(xp, a):
    return xp.zeros(a.shape, a.dtype)


class Real(ArrayFunction):
    _is_view = True

    def forward(ctx, a):
        return ctx.xp.real(a)

    def backward(ctx, grad):
        xp = ctx.xp
        return xp.complex(grad, _zeros_like(xp, grad))


class Imag(ArrayFunction):
    _is_view = True

    def forward(ctx, a):
        return ctx.xp.imag(a)

    def backward(ctx, grad):
        xp = ctx.xp
        return xp.complex(_zeros_like(xp, grad), grad)


class ViewAsReal(ArrayFunction):
    _is_view = True

    def forward(ctx, a):
        return ctx.xp.view_as_real(a)

    def backward(ctx, grad):
        xp = ctx.xp
        try:
            return xp.view_as_complex(xp.ascontiguousarray(grad))
        except ValueError:  # a contiguous gradient that starts mid-pair: realign it
            return xp.view_as_complex(xp.copy(grad))


class ViewAsComplex(ArrayFunction):
    _is_view = True

    def forward(ctx, a):
        return ctx.xp.view_as_complex(a)

    def backward(ctx, grad):
        xp = ctx.xp
        return xp.copy(xp.view_as_real(grad))


class Conj(ArrayFunction):
    def forward(ctx, a):
        return ctx.xp.conj(a)

    def backward(ctx, grad):
        return ctx.xp.conj(grad)


class Complex(ArrayFunction):
    def forward(ctx, re, im):
        ctx.shapes = (re.shape, im.shape)
        return ctx.xp.complex(re, im)

    def backward(ctx, grad):
        xp = ctx.xp
        needs_re, needs_im = ctx.needs_input_grad
        return (xp.sum_to(xp.copy(xp.real(grad)), ctx.shapes[0]) if needs_re else None,
                xp.sum_to(xp.copy(xp.imag(grad)), ctx.shapes[1]) if needs_im else None)


class Angle(ArrayFunction):
    """arg(z); for a real input 0 or pi (NaN kept), with a zero gradient, as PyTorch."""

    def forward(ctx, a):
        xp = ctx.xp
        ctx.is_complex = a.dtype.kind == "c"
        if ctx.is_complex:
            ctx.save_for_backward(a)
            return xp.angle(a)
        ctx.shape, ctx.dtype = a.shape, a.dtype
        return xp.where(xp.lt(a, 0), math.pi, xp.mul(a, 0))

    def backward(ctx, grad):
        xp = ctx.xp
        if not ctx.is_complex:
            return xp.zeros(ctx.shape, ctx.dtype)
        z, = ctx.saved_tensors
        # d arg / d(x, y) = (-y, x) / |z|^2, i.e. grad * i z / |z|^2; zero at z = 0
        magnitude = xp.abs(z)
        squared = xp.mul(magnitude, magnitude)
        safe = xp.where(xp.eq(squared, 0), 1, squared)
        rotated = xp.complex(xp.neg(xp.imag(z)), xp.real(z))
        local = xp.div(xp.mul(grad, rotated), safe)
        return xp.where(xp.eq(squared, 0), xp.mul(local, 0), local)


def _require_complex(name: str, input: Tensor) -> None:
    if input._data.dtype.kind != "c":
        raise RuntimeError(f"{name} is only supported for complex tensors, got {input.dtype}")


def is_complex(input: Tensor) -> bool:
    """Whether input's dtype is complex64 or complex128."""
    check_tensor("is_complex", input)
    return input._data.dtype.kind == "c"


def real(input: Tensor) -> Tensor:
    """The real parts of a complex tensor, as a view (writing it writes input); a real tensor itself.

    Example:
        >>> axonml.real(axonml.tensor([1 + 2j, 3 - 1j]))
        tensor([1., 3.])
    """
    check_tensor("real", input)
    if input._data.dtype.kind != "c":
        return input
    return apply(Real, input)


def imag(input: Tensor) -> Tensor:
    """The imaginary parts of a complex tensor, as a view; an error for real tensors, as PyTorch."""
    check_tensor("imag", input)
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(Imag, input)


def conj_physical(input: Tensor) -> Tensor:
    """The complex conjugate, computed (a new tensor); a real tensor itself."""
    check_tensor("conj_physical", input)
    if input._data.dtype.kind != "c":
        return input
    return apply(Conj, input)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate. axonml has no lazy conjugate bit: this is conj_physical."""
    check_tensor("conj", input)
    return conj_physical(input)


def resolve_conj(input: Tensor) -> Tensor:
    """input itself: axonml's conjugates are always materialised."""
    check_tensor("resolve_conj", input)
    return input


def resolve_neg(input: Tensor) -> Tensor:
    """input itself: axonml has no lazy negation bit."""
    check_tensor("resolve_neg", input)
    return input


def is_conj(input: Tensor) -> bool:
    """Always False: axonml has no lazy conjugate bit."""
    check_tensor("is_conj", input)
    return False


def angle(input: Tensor) -> Tensor:
    """The argument of each element in radians (atan2(imag, real)); 0 or pi for real inputs.

    Integer inputs give the default float type, as PyTorch.
    """
    check_tensor("angle", input)
    if input._data.dtype.kind in "biu":
        from .elementwise import cast
        input = cast(input, _dtype.get_default_dtype())
    return apply(Angle, input)


def _check_parts(name: str, first: Tensor, second: Tensor, names=("real", "imag")) -> None:
    check_tensor(name, first)
    if not isinstance(second, Tensor):
        raise TypeError(f"{name}(): argument '{names[1]}' (position 2) must be Tensor, not {type(second).__name__}")
    kinds = {first._data.dtype, second._data.dtype}
    if any(d.kind not in "f" or d.itemsize == 2 for d in kinds) or len(kinds) != 1:
        raise RuntimeError(f"Expected both inputs to be Float or Double tensors but got {first.dtype.scalar_name} "
                           f"and {second.dtype.scalar_name}")


def complex(real: Tensor, imag: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    """The complex tensor real + i imag (float32 parts give complex64, float64 complex128; broadcast).

    Example:
        >>> axonml.complex(axonml.tensor([1., 2.]), axonml.tensor([3., 4.]))
        tensor([1.+3.j, 2.+4.j])
    """
    _check_parts("complex", real, imag)
    return apply(Complex, real, imag)


def polar(abs: Tensor, angle: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """The complex tensor abs * (cos(angle) + i sin(angle))."""
    _check_parts("polar", abs, angle, names=("abs", "angle"))
    return complex(abs * angle.cos(), abs * angle.sin())


def view_as_real(input: Tensor) -> Tensor:
    """A complex tensor (...) as a real view (..., 2) of its (real, imaginary) pairs.

    Example:
        >>> axonml.view_as_real(axonml.tensor([1 + 2j]))
        tensor([[1., 2.]])
    """
    check_tensor("view_as_real", input)
    if input._data.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return apply(ViewAsReal, input)


def view_as_complex(input: Tensor) -> Tensor:
    """A real tensor (..., 2) of float32 or float64 pairs as a complex view (...), PyTorch's checks included."""
    check_tensor("view_as_complex", input)
    data = input._data
    if data.dtype.kind != "f" or data.dtype.itemsize == 2:
        raise RuntimeError("view_as_complex is only supported for float and double tensors, but got a tensor of "
                           f"scalar type: {input.dtype.scalar_name}")
    if data.ndim == 0 or data.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    strides = input.stride()
    if strides[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    try:
        return apply(ViewAsComplex, input)
    except ValueError:  # the backend found the pairs misaligned in memory
        raise RuntimeError("Tensor must have a storage_offset divisible by 2") from None
