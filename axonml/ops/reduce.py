"""Reductions over dims: sum, mean, var/std, prod, max/min, argmax/argmin, logsumexp, norm, all/any."""
from __future__ import annotations

from .. import _dtype
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _normalize_dim

__all__ = ["sum"]


def _axes(dim, ndim: int):
    """PyTorch's dim argument (None, int, or a tuple/list of ints) as a sorted tuple of axes, or None for all."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return None
        axes = tuple(sorted(_normalize_dim(d, ndim) for d in dim))
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"dim {axes} appears multiple times in the list of dims")
        return axes
    return (_normalize_dim(dim, ndim),) if ndim else None


def _expand_reduced(xp, grad, shape, axes, keepdim):
    """Broadcast a reduced gradient back to the input's shape."""
    if not keepdim and axes is not None and len(shape):
        expanded = list(grad.shape)
        for axis in axes:
            expanded.insert(axis, 1)
        grad = xp.reshape(grad, tuple(expanded))
    return xp.broadcast_to(grad, shape)


class Sum(ArrayFunction):
    def forward(ctx, a, axes, keepdim, dtype):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return ctx.xp.sum(a, axes, keepdim, dtype)

    def backward(ctx, grad):
        return _expand_reduced(ctx.xp, grad, ctx.shape, ctx.axes, ctx.keepdim), None, None, None


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over dim (all dims when None). Integer and bool inputs sum to int64, as in PyTorch."""
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype).np
    elif input._data.dtype.kind in "biu":
        dtype = _dtype.int64.np
    return apply(Sum, input, _axes(dim, input._data.ndim), keepdim, dtype)
