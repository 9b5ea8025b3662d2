"""Reductions (axes as an attribute before opset 13/18, as an input after), ArgMax/ArgMin, CumSum, TopK."""
from __future__ import annotations

import math

from ... import _dtype, functional as T
from .._registry import register
from ._util import axis_of, ints


def _dims(ctx, x, axes):
    if axes is None or len(axes) == 0:
        if ctx.attr("noop_with_empty_axes", 0):
            return None
        return tuple(range(x.ndim))
    return tuple(sorted(axis_of(axis, x.ndim) for axis in axes))


def _log_sum_exp(x, dims, keep):
    if x.numel() == 0:
        return T.log(x.sum(dim=dims, keepdim=keep))
    peak = x.amax(dim=dims, keepdim=True)
    peak = T.where(T.isinf(peak), peak * 0, peak)
    out = T.log(T.exp(x - peak).sum(dim=dims, keepdim=True)) + peak
    return out if keep else out.reshape([size for axis, size in enumerate(out.shape) if axis not in dims])


def _extreme(method, fill):
    def run(x, dims, keep):
        if x.numel() == 0:
            shape = [1 if axis in dims else size for axis, size in enumerate(x.shape)] if keep else \
                [size for axis, size in enumerate(x.shape) if axis not in dims]
            from ...creation import full
            if x.dtype.is_floating_point:
                value = fill
            elif x.dtype == _dtype.bool:
                value = fill > 0
            else:
                value = _dtype.iinfo(x.dtype).max if fill > 0 else _dtype.iinfo(x.dtype).min
            return full(shape, value, dtype=x.dtype, device=x.device)
        return getattr(x, method)(dim=dims, keepdim=keep)
    return run


_REDUCTIONS = {
    "ReduceSum": lambda x, dims, keep: x.sum(dim=dims, keepdim=keep).to(x.dtype),
    "ReduceMean": lambda x, dims, keep: x.mean(dim=dims, keepdim=keep),
    "ReduceMax": _extreme("amax", -math.inf),
    "ReduceMin": _extreme("amin", math.inf),
    "ReduceProd": lambda x, dims, keep: _prod(x, dims, keep),
    "ReduceL1": lambda x, dims, keep: T.abs(x).sum(dim=dims, keepdim=keep).to(x.dtype),
    "ReduceL2": lambda x, dims, keep: T.sqrt((x * x).sum(dim=dims, keepdim=keep).to(x.dtype)),
    "ReduceSumSquare": lambda x, dims, keep: (x * x).sum(dim=dims, keepdim=keep).to(x.dtype),
    "ReduceLogSum": lambda x, dims, keep: T.log(x.sum(dim=dims, keepdim=keep)),
    "ReduceLogSumExp": _log_sum_exp,
}


def _prod(x, dims, keep):
    for dim in reversed(dims):
        x = x.prod(dim=dim, keepdim=keep)
    return x


def _reduction(function, axes_as_input: bool):
    def run(ctx, x, axes=None):
        dims = _dims(ctx, x, ints(axes) if axes_as_input and axes is not None else ctx.attr("axes"))
        if dims is None:
            return x
        return function(x, dims, bool(ctx.attr("keepdims", 1)))
    return run


for _name, _function in _REDUCTIONS.items():
    _input_since = 13 if _name == "ReduceSum" else 18
    register(_name, since=1, attrs=("axes", "keepdims"))(_reduction(_function, False))
    register(_name, since=_input_since, attrs=("keepdims", "noop_with_empty_axes"))(_reduction(_function, True))


def _arg(function_name):
    def run(ctx, x):
        axis = axis_of(ctx.attr("axis", 0), x.ndim)
        keep = bool(ctx.attr("keepdims", 1))
        if ctx.attr("select_last_index", 0):
            flipped = x.flip([axis])
            index = getattr(flipped, function_name)(dim=axis, keepdim=keep)
            return (x.shape[axis] - 1 - index).to(_dtype.int64)
        return getattr(x, function_name)(dim=axis, keepdim=keep).to(_dtype.int64)
    return run


register("ArgMax", since=1, attrs=("axis", "keepdims", "select_last_index"))(_arg("argmax"))
register("ArgMin", since=1, attrs=("axis", "keepdims", "select_last_index"))(_arg("argmin"))


@register("CumSum", since=11, attrs=("exclusive", "reverse"))
def cumsum(ctx, x, axis):
    dim = axis_of(ints(axis)[0], x.ndim)
    if ctx.attr("reverse", 0):
        x = x.flip([dim])
    y = T.cumsum(x, dim).to(x.dtype)
    if ctx.attr("exclusive", 0):
        y = y - x
    return y.flip([dim]) if ctx.attr("reverse", 0) else y


@register("TopK", since=11, attrs=("axis", "largest", "sorted"))
def topk(ctx, x, k):
    values, indices = T.topk(x, ints(k)[0], dim=axis_of(ctx.attr("axis", -1), x.ndim),
                             largest=bool(ctx.attr("largest", 1)), sorted=True)
    return values, indices.to(_dtype.int64)


@register("CumProd", since=26, attrs=("exclusive", "reverse"))
def cumprod(ctx, x, axis):
    dim = axis_of(ints(axis)[0], x.ndim)
    if ctx.attr("reverse", 0):
        x = x.flip([dim])
    if ctx.attr("exclusive", 0):
        # shift by one along dim, starting from 1
        ones = x.narrow(dim, 0, 1) * 0 + 1
        x = T.cat([ones, x.narrow(dim, 0, x.shape[dim] - 1)], dim)
    y = T.cumprod(x, dim).to(x.dtype)
    return y.flip([dim]) if ctx.attr("reverse", 0) else y
