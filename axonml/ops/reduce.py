"""Reductions over dims: sum, mean, var/std, prod, max/min, amax/amin, argmax/argmin, logsumexp, norm,
all/any, nansum/nanmean, count_nonzero, and the scans cumsum/cumprod, cummax/cummin, logcumsumexp.

``dim`` is PyTorch's: None (every dim), an int, or a tuple/list of ints; ``keepdim`` keeps reduced dims
with size 1. An empty tuple means every dim for sum/mean/var/std/amax/amin/norm, and no dim for all/any,
as in PyTorch. NumPy's spellings ``axis=`` and ``keepdims=`` are accepted where torch accepts them.
"""
from __future__ import annotations

import builtins
import math
from collections import namedtuple

from .. import _dtype
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _normalize_dim
from ._checks import check_tensor as _check_tensor

__all__ = ["sum", "mean", "var", "std", "var_mean", "std_mean", "prod", "max", "min", "amax", "amin", "argmax",
           "argmin", "aminmax", "logsumexp", "norm", "all", "any", "nansum", "nanmean", "count_nonzero", "cumsum",
           "cumprod",
           "cummax", "cummin", "logcumsumexp", "return_types"]


class return_types:  # noqa: N801 - PyTorch's name
    """The named tuples returned by reductions that give values and indices (torch.return_types)."""

    max = namedtuple("max", ["values", "indices"])
    min = namedtuple("min", ["values", "indices"])
    cummax = namedtuple("cummax", ["values", "indices"])
    aminmax = namedtuple("aminmax", ["min", "max"])
    cummin = namedtuple("cummin", ["values", "indices"])


def _numpy_keywords(name: str, dim, keepdim, axis, keepdims, default=None):
    """(dim, keepdim) from torch's two spellings: dim=/keepdim= or NumPy's axis=/keepdims=.

    Giving both spellings of one argument is the TypeError torch raises.
    """
    if axis is not None:
        if not (dim is default or (type(dim) is tuple and dim == default)):
            raise TypeError(f"{name}() received an invalid combination of arguments - got both 'dim' and its alias "
                            f"'axis' (dim={dim!r}, axis={axis!r})")
        dim = axis
    if keepdims is not None:
        if keepdim:
            raise TypeError(f"{name}() received an invalid combination of arguments - got both 'keepdim' and its "
                            "alias 'keepdims'")
        keepdim = keepdims
    return dim, keepdim


def _required_dim(name: str, dim, axis):
    """The dim of a scan (cumsum(input, dim) or cumsum(input, axis=...)): required, one spelling only."""
    dim, _ = _numpy_keywords(name, dim, False, axis, None)
    if dim is None:
        raise TypeError(f"{name}() missing 1 required positional argument: 'dim'")
    return dim


def _axes(dim, ndim: int):
    """PyTorch's dim argument (None, int, or a tuple/list of ints) as a sorted tuple of axes, or None for all."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return None
        axes = tuple(sorted(_normalize_dim(d, ndim) for d in dim))
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"dim {axes[0] if len(axes) == 1 else _repeated(axes)} appears multiple times in "
                               "the list of dims")
        return axes if ndim else None
    return (_normalize_dim(dim, ndim),) if ndim else None


def _repeated(axes):
    seen = set()
    for axis in axes:
        if axis in seen:
            return axis
        seen.add(axis)
    return axes[0]


def _count(shape, axes) -> int:
    """How many elements each output element reduces over."""
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[axis] for axis in axes)


def _expand_reduced(xp, grad, shape, axes, keepdim):
    """Broadcast a reduced gradient back to the input's shape."""
    return xp.broadcast_to(_keepdim(xp, grad, shape, axes, keepdim), shape)


def _keepdim(xp, reduced, shape, axes, keepdim):
    """A reduced array with its reduced dims restored as size 1 (it broadcasts against the input)."""
    if keepdim or not len(shape):
        return reduced
    if axes is None:
        return xp.reshape(reduced, (1,) * len(shape))
    expanded = list(reduced.shape)
    for axis in axes:
        expanded.insert(axis, 1)
    return xp.reshape(reduced, tuple(expanded))


def _squeeze(xp, reduced_keepdim, shape, axes):
    """The keepdim=False form of a reduction computed with keepdims."""
    if axes is None:
        return xp.reshape(reduced_keepdim, ())
    return xp.reshape(reduced_keepdim, tuple(n for i, n in enumerate(shape) if i not in axes))


def _floating_dtype(name: str, input: Tensor, dtype):
    """The dtype a floating-point reduction computes in: dtype if given, else input's, which must be floating."""
    if dtype is not None:
        return _dtype.to_dtype(dtype)
    if input._data.dtype.kind not in "fVc":
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {_legacy_name(input.dtype)}")
    return input.dtype


def _legacy_name(dtype) -> str:
    """PyTorch's name of an axonml or NumPy dtype in error messages: Long, Float, Byte ..."""
    return (dtype if isinstance(dtype, _dtype.dtype) else _dtype.from_numpy_dtype(dtype)).scalar_name


def _cast(input: Tensor, dtype) -> Tensor:
    if input._data.dtype == dtype.np:
        return input
    from .elementwise import cast
    return cast(input, dtype)


# --- sum and mean ------------------------------------------------------------------------------------

class Sum(ArrayFunction):
    def forward(ctx, a, axes, keepdim, dtype):
        ctx.shape, ctx.axes, ctx.keepdim, ctx.dtype = a.shape, axes, keepdim, a.dtype
        return ctx.xp.sum(a, axes, keepdim, dtype)

    def backward(ctx, grad):
        xp = ctx.xp
        return xp.astype(_expand_reduced(xp, grad, ctx.shape, ctx.axes, ctx.keepdim), ctx.dtype), None, None, None


class Mean(ArrayFunction):
    def forward(ctx, a, axes, keepdim):
        xp = ctx.xp
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.count = _count(a.shape, axes)
        return xp.div(xp.sum(a, axes, keepdim), ctx.count)

    def backward(ctx, grad):
        xp = ctx.xp
        return _expand_reduced(xp, xp.div(grad, ctx.count), ctx.shape, ctx.axes, ctx.keepdim), None, None


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """Sum over dim (all dims when None). Integer and bool inputs sum to int64, as in PyTorch."""
    _check_tensor("sum", input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords("sum", dim, keepdim, axis, keepdims)
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype).np
    elif input._data.dtype.kind in "biu":
        dtype = _dtype.int64.np
    return apply(Sum, input, _axes(dim, input._data.ndim), keepdim, dtype)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """Mean over dim (all dims when None); integer inputs need an explicit floating dtype, as in PyTorch.

    Args:
        input: the tensor to reduce.
        dim: an int, a tuple of ints, or None for every dim.
        keepdim: keep the reduced dims with size 1.
        dtype: compute and return in this dtype (input is cast first).
        axis, keepdims: NumPy's names for dim and keepdim.

    Example::

        >>> axonml.tensor([[1., 2.], [3., 4.]]).mean(dim=0)
        tensor([2., 3.])
    """
    _check_tensor("mean", input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords("mean", dim, keepdim, axis, keepdims)
    target = _floating_dtype("mean", input, dtype)
    if not (target.is_floating_point or target.is_complex):
        raise RuntimeError(f"mean(): could not infer output dtype. Optional dtype must be either a floating point "
                           f"or complex dtype. Got: {_legacy_name(target)}")
    return apply(Mean, _cast(input, target), _axes(dim, input._data.ndim), keepdim)


# --- variance and standard deviation ---------------------------------------------------------------------

class Var(ArrayFunction):
    """sum((x - mean)^2) / max(0, N - correction); std is its square root."""

    def forward(ctx, a, axes, correction, keepdim, take_sqrt):
        xp = ctx.xp
        ctx.shape, ctx.axes, ctx.keepdim, ctx.take_sqrt = a.shape, axes, keepdim, take_sqrt
        count = _count(a.shape, axes)
        ctx.divisor = builtins.max(0, count - correction)
        ctx.count = count
        centered = xp.sub(a, xp.div(xp.sum(a, axes, True), count))
        out = xp.div(xp.sum(xp.mul(centered, centered), axes, keepdim), ctx.divisor)
        if take_sqrt:
            out = xp.sqrt(out)
        # backward recomputes x - mean from the saved input, so that it is differentiable again
        ctx.save_for_backward(a, out if take_sqrt else None)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        a, std = ctx.saved_tensors
        if ctx.take_sqrt:
            grad = xp.div(grad, std)  # d sqrt(v) = dv / (2 sqrt(v)); the 2 cancels below
        else:
            grad = xp.mul(grad, 2)
        grad = _expand_reduced(xp, xp.div(grad, ctx.divisor), ctx.shape, ctx.axes, ctx.keepdim)
        centered = xp.sub(a, xp.div(xp.sum(a, ctx.axes, True), ctx.count))
        return xp.mul(grad, centered), None, None, None, None


def _var_arguments(name: str, input: Tensor, dim, unbiased, keepdim, correction, axis=None, keepdims=None):
    """PyTorch's var/std overloads: var(x, unbiased), var(x, dim, unbiased, keepdim), var(x, dim, correction=)."""
    _check_tensor(name, input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords(name, dim, keepdim, axis, keepdims)
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both 'unbiased' and "
                        "'correction'")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if input._data.dtype.kind not in "fV":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return _axes(dim, input._data.ndim), correction, keepdim


def var(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, axis=None, keepdims=None,
        correction: float | None = None) -> Tensor:
    """Variance over dim, with Bessel's correction by default (correction=1; unbiased=False means 0).

    Args:
        input: a floating-point tensor.
        dim: an int, a tuple of ints, or None for every dim.
        unbiased: the legacy spelling of correction=1 (True) or 0 (False).
        keepdim: keep the reduced dims with size 1.
        correction: the difference between the sample size and the divisor.
    """
    axes, correction, keepdim = _var_arguments("var", input, dim, unbiased, keepdim, correction, axis, keepdims)
    return apply(Var, input, axes, correction, keepdim, False)


def std(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, axis=None, keepdims=None,
        correction: float | None = None) -> Tensor:
    """Standard deviation over dim: sqrt(var(...)) with the same arguments."""
    axes, correction, keepdim = _var_arguments("std", input, dim, unbiased, keepdim, correction, axis, keepdims)
    return apply(Var, input, axes, correction, keepdim, True)


def var_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, axis=None, keepdims=None,
             correction: float | None = None):
    """(var, mean) over dim."""
    axes, correction, keepdim = _var_arguments("var_mean", input, dim, unbiased, keepdim, correction, axis, keepdims)
    return apply(Var, input, axes, correction, keepdim, False), apply(Mean, input, axes, keepdim)


def std_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, axis=None, keepdims=None,
             correction: float | None = None):
    """(std, mean) over dim."""
    axes, correction, keepdim = _var_arguments("std_mean", input, dim, unbiased, keepdim, correction, axis, keepdims)
    return apply(Var, input, axes, correction, keepdim, True), apply(Mean, input, axes, keepdim)


# --- product ----------------------------------------------------------------------------------------------

class Prod(ArrayFunction):
    def forward(ctx, a, axes, keepdim):
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.save_for_backward(a)
        return ctx.xp.prod(a, axes, keepdim)

    def backward(ctx, grad):
        # d prod / d x_j is the product of the other elements, exact with zeros (unlike prod / x_j). With Z
        # zeros, P the product of the nonzeros and S the sum of the zero elements (0, but it carries their
        # gradient), it is P / x_j without zeros; with one, P at the zero and S * P / x_j elsewhere; with two,
        # (S - x_j) * P at each zero. Each form has the right value and the right derivative, so the gradient
        # differentiates again (create_graph) as exactly as it evaluates.
        xp = ctx.xp
        a, = ctx.saved_tensors
        axes = ctx.axes
        is_zero = xp.eq(a, 0)
        zeros = xp.sum(is_zero, axes, True)
        nonzero_a = xp.where(is_zero, 1, a)
        product_of_nonzeros = xp.prod(nonzero_a, axes, True)
        zero_sum = xp.sum(xp.where(is_zero, a, 0), axes, True)
        others = xp.div(product_of_nonzeros, nonzero_a)
        one_zero = xp.where(is_zero, xp.where(is_zero, product_of_nonzeros, 0), xp.mul(zero_sum, others))
        two_zeros = xp.where(is_zero, xp.mul(xp.sub(zero_sum, a), product_of_nonzeros), 0)
        local = xp.where(xp.eq(zeros, 0), others,
                         xp.where(xp.eq(zeros, 1), one_zero, xp.where(xp.eq(zeros, 2), two_zeros, 0)))
        grad = _keepdim(xp, grad, a.shape, axes, ctx.keepdim)
        return xp.mul(grad, local), None, None


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype=None, axis=None,
         keepdims=None) -> Tensor:
    """Product over one dim (all elements when None). Integer and bool inputs give int64, as in PyTorch."""
    _check_tensor("prod", input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords("prod", dim, keepdim, axis, keepdims)
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    if dtype is not None:
        input = _cast(input, _dtype.to_dtype(dtype))
    elif input._data.dtype.kind in "biu":
        input = _cast(input, _dtype.int64)
    axes = None if dim is None else _axes(dim, input._data.ndim)
    return apply(Prod, input, axes, keepdim if dim is not None else False)


# --- max, min, amax, amin, argmax, argmin ---------------------------------------------------------------------

class Extreme(ArrayFunction):
    """amax/amin (and max()/min() over everything): the gradient is shared evenly among ties, as in PyTorch."""

    def forward(ctx, a, axes, keepdim, largest):
        xp = ctx.xp
        ctx.axes, ctx.keepdim = axes, keepdim
        out = xp.max(a, axes, keepdim) if largest else xp.min(a, axes, keepdim)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved_tensors
        shape, axes, keepdim = a.shape, ctx.axes, ctx.keepdim
        is_extreme = xp.eq(a, _keepdim(xp, out, shape, axes, keepdim))
        ties = xp.sum(is_extreme, axes, True)
        share = xp.div(_keepdim(xp, grad, shape, axes, keepdim), ties)
        return xp.where(is_extreme, share, 0), None, None, None


class ExtremeAlongDim(ArrayFunction):
    """max/min along one dim: (values, indices); the gradient goes to the returned index."""

    def forward(ctx, a, axis, keepdim, largest):
        xp = ctx.xp
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        if a.ndim == 0:
            return xp.copy(a), xp.zeros((), _dtype.int64.np)
        values = xp.max(a, axis, keepdim) if largest else xp.min(a, axis, keepdim)
        indices = xp.argmax(a, axis, True) if largest else xp.argmin(a, axis, True)
        ctx.indices = indices
        return values, (indices if keepdim else _squeeze(xp, indices, a.shape, (axis,)))

    def backward(ctx, grad, grad_indices):
        xp = ctx.xp
        shape, axis = ctx.shape, ctx.axis
        if not shape:
            return grad, None, None, None
        positions = xp.reshape(xp.arange(0, shape[axis], 1, _dtype.int64.np),
                               tuple(n if i == axis else 1 for i, n in enumerate(shape)))
        grad = _keepdim(xp, grad, shape, (axis,), ctx.keepdim)
        return xp.where(xp.eq(positions, ctx.indices), grad, 0), None, None, None


class ArgExtreme(ArrayFunction):
    def forward(ctx, a, axis, keepdim, largest):
        xp = ctx.xp
        return xp.argmax(a, axis, keepdim) if largest else xp.argmin(a, axis, keepdim)

    def backward(ctx, grad):
        raise RuntimeError("the derivative for 'argmax' is not implemented.")


def _check_nonempty(name: str, input: Tensor, axes) -> None:
    shape = input._data.shape
    if axes is None:
        if input._data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        return
    for axis in axes:
        if shape[axis] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")


def _extreme(name: str, largest: bool, input: Tensor, dim, keepdim: bool, axis=None, keepdims=None):
    _check_tensor(name, input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords(name, dim, keepdim, axis, keepdims)
    if isinstance(dim, Tensor):
        from . import elementwise
        return elementwise.maximum(input, dim) if largest else elementwise.minimum(input, dim)
    if dim is None:
        _check_nonempty(name, input, None)
        return apply(Extreme, input, None, False, largest)
    axis = _normalize_dim(dim, input._data.ndim)
    if input._data.ndim:
        _check_nonempty(name, input, (axis,))
    values, indices = apply(ExtremeAlongDim, input, axis, keepdim, largest)
    return getattr(return_types, name)(values, indices)


def max(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
    """The largest element; along dim, the named tuple (values, indices); max(input, other) is maximum.

    Example::

        >>> values, indices = axonml.tensor([[1., 5.], [7., 2.]]).max(dim=1)
        >>> values, indices
        (tensor([5., 7.]), tensor([1, 0]))
    """
    return _extreme("max", True, input, dim, keepdim, axis, keepdims)


def min(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None):
    """The smallest element; along dim, the named tuple (values, indices); min(input, other) is minimum."""
    return _extreme("min", False, input, dim, keepdim, axis, keepdims)


def _amax_amin(name: str, largest: bool, input: Tensor, dim, keepdim: bool, axis=None, keepdims=None) -> Tensor:
    _check_tensor(name, input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords(name, dim, keepdim, axis, keepdims, default=())
    axes = _axes(dim, input._data.ndim)
    _check_nonempty(name, input, axes)
    return apply(Extreme, input, axes, keepdim, largest)


def amax(input: Tensor, dim=(), keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    """The largest values over dim (every dim by default); ties share the gradient evenly."""
    return _amax_amin("amax", True, input, dim, keepdim, axis, keepdims)


def amin(input: Tensor, dim=(), keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    """The smallest values over dim (every dim by default); ties share the gradient evenly."""
    return _amax_amin("amin", False, input, dim, keepdim, axis, keepdims)


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False, axis: int | None = None,
            keepdims: bool | None = None):
    """The smallest and the largest values over dim (every element when None): the named tuple (min, max).

    Each is amin/amax, so ties share the gradient evenly.

    Example::

        >>> axonml.tensor([[1., 5.], [7., 0.]]).aminmax(dim=1)
        torch.return_types.aminmax(min=tensor([1., 0.]), max=tensor([5., 7.]))
    """
    _check_tensor("aminmax", input)
    dim, keepdim = _numpy_keywords("aminmax", dim, keepdim, axis, keepdims)
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        axes = None
    else:
        axes = (_normalize_dim(dim, input._data.ndim),) if input._data.ndim else None
        if axes is not None and input._data.shape[axes[0]] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {axes[0]} to have non-zero size.")
    return return_types.aminmax(apply(Extreme, input, axes, keepdim, False), apply(Extreme, input, axes, keepdim, True))


def _arg_extreme(name: str, largest: bool, input: Tensor, dim, keepdim: bool, axis=None, keepdims=None) -> Tensor:
    _check_tensor(name, input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords(name, dim, keepdim, axis, keepdims)
    if dim is None:
        if input._data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        return apply(ArgExtreme, input, None, keepdim, largest)
    axis = _normalize_dim(dim, input._data.ndim)
    if not input._data.ndim:
        return apply(ArgExtreme, input, None, False, largest)
    _check_nonempty(name, input, (axis,))
    return apply(ArgExtreme, input, axis, keepdim, largest)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    """int64 index of the first largest element (over the flattened tensor when dim is None)."""
    return _arg_extreme("argmax", True, input, dim, keepdim, axis, keepdims)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    """int64 index of the first smallest element (over the flattened tensor when dim is None)."""
    return _arg_extreme("argmin", False, input, dim, keepdim, axis, keepdims)


# --- logsumexp and norms -----------------------------------------------------------------------------------------

class LogSumExp(ArrayFunction):
    """log(sum(exp(x))), shifted by the maximum so that exp never overflows."""

    def forward(ctx, a, axes, keepdim):
        xp = ctx.xp
        ctx.axes, ctx.keepdim = axes, keepdim
        shift = xp.max(a, axes, True)
        shift = xp.where(xp.isinf(shift), 0, shift)
        out = xp.add(xp.log(xp.sum(xp.exp(xp.sub(a, shift)), axes, True)), shift)
        out = out if keepdim else _squeeze(xp, out, a.shape, axes)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved_tensors
        grad = _keepdim(xp, grad, a.shape, ctx.axes, ctx.keepdim)
        out = _keepdim(xp, out, a.shape, ctx.axes, ctx.keepdim)
        return xp.mul(grad, xp.exp(xp.sub(a, out))), None, None


class Norm(ArrayFunction):
    """The vector p-norm over axes: (sum |x|^p)^(1/p), with p = 0, inf and -inf as limits."""

    def forward(ctx, a, p, axes, keepdim):
        xp = ctx.xp
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        magnitude = xp.abs(a)
        if p == 2:
            out = xp.sqrt(xp.sum(xp.mul(a, a), axes, keepdim))
        elif p == 1:
            out = xp.sum(magnitude, axes, keepdim)
        elif p == math.inf:
            out = xp.max(magnitude, axes, keepdim)
        elif p == -math.inf:
            out = xp.min(magnitude, axes, keepdim)
        elif p == 0:
            out = xp.astype(xp.sum(xp.ne(a, 0), axes, keepdim), a.dtype)
        else:
            out = xp.pow(xp.sum(xp.pow(magnitude, p), axes, keepdim), 1.0 / p)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved_tensors
        p, shape, axes, keepdim = ctx.p, a.shape, ctx.axes, ctx.keepdim
        grad = _keepdim(xp, grad, shape, axes, keepdim)
        out = _keepdim(xp, out, shape, axes, keepdim)
        if p == 0:
            return xp.zeros(shape, grad.dtype), None, None, None
        if p == 1:
            return xp.mul(grad, xp.sign(a)), None, None, None
        if p in (math.inf, -math.inf):
            magnitude = xp.abs(a)
            is_extreme = xp.eq(magnitude, out)
            share = xp.div(grad, xp.sum(is_extreme, axes, True))
            return xp.where(is_extreme, xp.mul(share, xp.sign(a)), 0), None, None, None
        safe_out = xp.where(xp.eq(out, 0), 1, out)
        if p == 2:
            local = xp.div(a, safe_out)
        else:
            magnitude = xp.abs(a)
            safe_magnitude = xp.where(xp.eq(a, 0), 1, magnitude)
            local = xp.mul(xp.sign(a), xp.pow(xp.div(safe_magnitude, safe_out), p - 1))
        local = xp.where(xp.eq(out, 0), 0, local)
        return xp.mul(grad, local), None, None, None


def logsumexp(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    """log(sum(exp(input))) over dim, computed stably; integer inputs give the default float type."""
    _check_tensor("logsumexp", input)
    dim, keepdim = _numpy_keywords("logsumexp", dim, keepdim, axis, keepdims)
    if dim is None:
        raise TypeError("logsumexp() missing 1 required positional argument: 'dim'")
    if input._data.dtype.kind not in "fV":
        input = _cast(input, _dtype.get_default_dtype())
    return apply(LogSumExp, input, _axes(dim, input._data.ndim), keepdim)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The vector p-norm over dim (all elements when None); p is a number, inf, -inf or 'fro' (= 2).

    Args:
        input: a floating-point tensor.
        p: the order: 'fro' (default), any real number, ``math.inf`` or ``-math.inf``.
        dim: an int, a tuple of ints, or None for every element.
        keepdim: keep the reduced dims with size 1.
        dtype: cast input to this dtype first.
    """
    _check_tensor("norm", input)
    if dtype is not None:
        input = _cast(input, _dtype.to_dtype(dtype))
    if input._data.dtype.kind not in "fV":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_legacy_name(input.dtype)}")
    if p is None or p == "fro":
        p = 2
    elif isinstance(p, str):
        raise RuntimeError(f"norm(): p='{p}' is not supported; use p='fro' or a number")
    return apply(Norm, input, float(p), _axes(dim, input._data.ndim), keepdim)


# --- all, any --------------------------------------------------------------------------------------------------

class _Truth(ArrayFunction):
    def forward(ctx, a, axes, keepdim, every):
        xp = ctx.xp
        out = xp.all(a, axes, keepdim) if every else xp.any(a, axes, keepdim)
        return xp.astype(out, a.dtype) if a.dtype.name == "uint8" else out

    def backward(ctx, grad):
        raise RuntimeError("the derivative for 'all' / 'any' is not implemented.")


class All(_Truth):
    pass


class Any(_Truth):
    pass


def _truth_axes(dim, ndim: int):
    """all/any treat an empty dim list as 'no dims' (an elementwise truth test), unlike sum."""
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        return ()
    return _axes(dim, ndim)


def all(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    """Whether every element over dim is nonzero (a bool tensor; uint8 input gives uint8)."""
    _check_tensor("all", input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords("all", dim, keepdim, axis, keepdims)
    return apply(All, input, _truth_axes(dim, input._data.ndim), keepdim, True)


def any(input: Tensor, dim=None, keepdim: bool = False, *, axis=None, keepdims=None) -> Tensor:
    """Whether some element over dim is nonzero (a bool tensor; uint8 input gives uint8)."""
    _check_tensor("any", input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords("any", dim, keepdim, axis, keepdims)
    return apply(Any, input, _truth_axes(dim, input._data.ndim), keepdim, False)


# --- scans --------------------------------------------------------------------------------------------------------

def _flip(xp, a, axis):
    return xp.getitem(a, (slice(None),) * axis + (slice(None, None, -1),))


def _reverse_cumsum(xp, a, axis):
    return _flip(xp, xp.cumsum(_flip(xp, a, axis), axis), axis)


class CumSum(ArrayFunction):
    def forward(ctx, a, axis):
        ctx.axis = axis
        return ctx.xp.cumsum(a, axis)

    def backward(ctx, grad):
        return _reverse_cumsum(ctx.xp, grad, ctx.axis), None


class CumProd(ArrayFunction):
    def forward(ctx, a, axis):
        ctx.axis = axis
        out = ctx.xp.cumprod(a, axis)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved_tensors
        axis = ctx.axis
        if not xp.to_numpy(xp.any(xp.eq(a, 0), None, False)):
            return xp.div(_reverse_cumsum(xp, xp.mul(grad, out), axis), a), None
        return _cumprod_backward_with_zeros(xp, a, grad, axis), None


def _cumprod_backward_with_zeros(xp, a, grad, axis):
    """grad_k = prod(a[:k]) * S_k with S_k = grad_k + a[k+1] * S_{k+1}: exact when a holds zeros."""
    n = a.shape[axis]
    lead = (slice(None),) * axis
    result = xp.zeros(a.shape, grad.dtype)
    suffix = None
    for k in range(n - 1, -1, -1):
        g = xp.getitem(grad, lead + (k,))
        suffix = g if suffix is None else xp.add(g, xp.mul(xp.getitem(a, lead + (k + 1,)), suffix))
        xp.setitem(result, lead + (k,), suffix)
    prefix = None
    for k in range(n):
        if prefix is not None:
            xp.setitem(result, lead + (k,), xp.mul(xp.getitem(result, lead + (k,)), prefix))
        x = xp.getitem(a, lead + (k,))
        prefix = x if prefix is None else xp.mul(prefix, x)
    return result


def _scan(name: str, fn_cls, input: Tensor, dim: int, dtype) -> Tensor:
    _check_tensor(name, input)
    axis = _normalize_dim(dim, input._data.ndim)
    if dtype is not None:
        input = _cast(input, _dtype.to_dtype(dtype))
    elif input._data.dtype.kind in "biu":
        input = _cast(input, _dtype.int64)
    if input._data.ndim == 0:
        return apply(fn_cls, input.reshape(1), 0).reshape(())
    return apply(fn_cls, input, axis)


def cumsum(input: Tensor, dim: int | None = None, *, dtype=None, axis: int | None = None) -> Tensor:
    """Running sum along dim; integer and bool inputs give int64."""
    return _scan("cumsum", CumSum, input, _required_dim("cumsum", dim, axis), dtype)


def cumprod(input: Tensor, dim: int | None = None, *, dtype=None, axis: int | None = None) -> Tensor:
    """Running product along dim; integer and bool inputs give int64. The gradient is exact with zeros."""
    return _scan("cumprod", CumProd, input, _required_dim("cumprod", dim, axis), dtype)


# --- NaN-ignoring reductions and counting ------------------------------------------------------------------------

class NanSum(ArrayFunction):
    """sum with NaNs counted as zero; the gradient is grad times 'not NaN' (so inf * 0 stays NaN, as in PyTorch)."""

    def forward(ctx, a, axes, keepdim, dtype):
        xp = ctx.xp
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.counted = xp.logical_not(xp.isnan(a))
        return xp.sum(xp.where(ctx.counted, a, 0), axes, keepdim, dtype)

    def backward(ctx, grad):
        xp = ctx.xp
        grad = _expand_reduced(xp, grad, ctx.shape, ctx.axes, ctx.keepdim)
        return xp.mul(grad, xp.astype(ctx.counted, grad.dtype)), None, None, None


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """sum over dim with NaNs counted as zero."""
    _check_tensor("nansum", input)
    dim, keepdim = _numpy_keywords("nansum", dim, keepdim, axis, keepdims)
    if input._data.dtype.kind not in "fV":
        return sum(input, dim, keepdim, dtype=dtype)
    if dtype is not None:
        input = _cast(input, _dtype.to_dtype(dtype))
    return apply(NanSum, input, _axes(dim, input._data.ndim), keepdim, None)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """mean over dim of the elements that are not NaN (NaN where every element is)."""
    _check_tensor("nanmean", input)
    dim, keepdim = _numpy_keywords("nanmean", dim, keepdim, axis, keepdims)
    if input._data.dtype.kind not in "fV":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_legacy_name(input.dtype)}")
    from .elementwise import isnan, logical_not
    counted = sum(logical_not(isnan(input)), dim, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / counted


def count_nonzero(input: Tensor, dim=None, *, axis=None) -> Tensor:
    """How many elements over dim (an int, a tuple of ints, or None for all) are not zero, as int64."""
    _check_tensor("count_nonzero", input)
    dim, _ = _numpy_keywords("count_nonzero", dim, False, axis, None)
    from .elementwise import ne
    return sum(ne(input.detach(), 0), dim)


# --- running max/min and logcumsumexp ------------------------------------------------------------------------------

def _positions(xp, shape, axis: int):
    """int64 positions along axis, broadcast to shape."""
    line = xp.arange(0, shape[axis], 1, _dtype.int64.np)
    line = xp.reshape(line, tuple(n if d == axis else 1 for d, n in enumerate(shape)))
    return xp.copy(xp.broadcast_to(line, shape))


class CumExtreme(ArrayFunction):
    """cummax/cummin along axis: (values, indices). A later element equal to the running extreme takes over
    (the last index of a tie), and a NaN, once seen, stays, as in PyTorch; the gradient goes to the index."""

    def forward(ctx, a, axis, largest):
        ctx.shape, ctx.axis = a.shape, axis
        values, indices = ctx.xp.cum_extreme(a, axis, largest)
        ctx.indices = indices
        return values, indices

    def backward(ctx, grad, grad_indices):
        xp = ctx.xp
        grad_input = xp.zeros(ctx.shape, grad.dtype)
        xp.put_along_axis_add(grad_input, ctx.indices, grad, ctx.axis)
        return grad_input, None, None


class LogCumSumExp(ArrayFunction):
    """log(cumsum(exp(x))) along axis, each step a stable logaddexp."""

    def forward(ctx, a, axis):
        ctx.axis = axis
        out = ctx.xp.logcumsumexp(a, axis)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        # d out_i / d a_j = exp(a_j - out_i) for j <= i; summed against grad in log space, positive and
        # negative parts apart, so that nothing overflows (PyTorch's formula)
        xp = ctx.xp
        a, out = ctx.saved_tensors
        axis = ctx.axis

        def part(weights):
            positive = xp.gt(weights, 0)
            log_weights = xp.where(positive, xp.log(xp.where(positive, weights, 1)), -math.inf)
            reverse = _flip(xp, xp.logcumsumexp(_flip(xp, xp.sub(log_weights, out), axis), axis), axis)
            return xp.exp(xp.add(reverse, a))

        return xp.sub(part(grad), part(xp.neg(grad))), None


def _scan_axis(name: str, input: Tensor, dim, axis) -> int:
    _check_tensor(name, input)
    return _normalize_dim(_required_dim(name, dim, axis), input._data.ndim)


def _cum_extreme(name: str, largest: bool, input: Tensor, dim, axis):
    scan_axis = _scan_axis(name, input, dim, axis)
    if input._data.ndim == 0:
        values, indices = apply(CumExtreme, input.reshape(1), 0, largest)
        values, indices = values.reshape(()), indices.reshape(())
    else:
        values, indices = apply(CumExtreme, input, scan_axis, largest)
    return getattr(return_types, name)(values, indices)


def cummax(input: Tensor, dim: int | None = None, *, axis: int | None = None):
    """The running maximum along dim and the index where each running maximum was found.

    Returns the named tuple (values, indices). Ties take the later index; a NaN propagates.

    Example::

        >>> axonml.tensor([1., 3., 2., 3.]).cummax(0)
        torch.return_types.cummax(values=tensor([1., 3., 3., 3.]), indices=tensor([0, 1, 1, 3]))
    """
    return _cum_extreme("cummax", True, input, dim, axis)


def cummin(input: Tensor, dim: int | None = None, *, axis: int | None = None):
    """The running minimum along dim and its indices (see cummax)."""
    return _cum_extreme("cummin", False, input, dim, axis)


def logcumsumexp(input: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """log(cumsum(exp(input))) along dim, computed without overflow; floating-point input only, as in PyTorch.

    Example::

        >>> axonml.tensor([0., 0., 1000.]).logcumsumexp(0)
        tensor([   0.0000,    0.6931, 1000.0000])
    """
    scan_axis = _scan_axis("logcumsumexp", input, dim, axis)
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{_legacy_name(input.dtype)}'")
    if input._data.ndim == 0:
        return apply(LogCumSumExp, input.reshape(1), 0).reshape(())
    return apply(LogCumSumExp, input, scan_axis)
