"""Sorting and order statistics: sort, argsort, msort, topk, kthvalue, median, mode, unique,
unique_consecutive, bincount, searchsorted, histc.

Everything is composed from one backend primitive, ``sort(a, axis, descending, stable)``, and
the gather/scatter primitives. The gradient of a selected value flows back to the element
its index names (a scatter into zeros).
"""
from __future__ import annotations

import math
import numbers
from collections import namedtuple

from .. import _dtype
from .._ext._autograd import apply
from ..autograd.function import ArrayFunction
from ..tensor import Tensor, _normalize_dim
from ._checks import check_tensor as _check_tensor
from .reduce import _flip, _legacy_name, _numpy_keywords, _positions, return_types

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "unique",
           "unique_consecutive", "bincount", "searchsorted", "histc"]

_INT64 = _dtype.int64.np

return_types.sort = namedtuple("sort", ["values", "indices"])
return_types.topk = namedtuple("topk", ["values", "indices"])
return_types.kthvalue = namedtuple("kthvalue", ["values", "indices"])
return_types.median = namedtuple("median", ["values", "indices"])
return_types.nanmedian = namedtuple("nanmedian", ["values", "indices"])
return_types.mode = namedtuple("mode", ["values", "indices"])


def _scatter_back(xp, grad, indices, shape, axis):
    """A zero gradient shaped like the input with grad written at indices along axis."""
    out = xp.zeros(shape, grad.dtype)
    xp.put_along_axis(out, indices, grad, axis)
    return out


def _slice_along(xp, a, axis, start, stop):
    index = tuple(slice(start, stop) if i == axis else slice(None) for i in range(a.ndim))
    return xp.getitem(a, index)


class Select(ArrayFunction):
    """Sort along axis and keep the sorted positions [start, stop): (values, indices).

    keepdim=False squeezes axis away (a single selected position). The gradient of the values
    goes to the elements their indices name.
    """

    def forward(ctx, a, axis, descending, stable, start, stop, keepdim):
        xp = ctx.xp
        ctx.shape, ctx.axis = a.shape, axis
        if a.ndim == 0:
            ctx.indices = None
            return xp.copy(a), xp.zeros((), _INT64)
        values, indices = xp.sort(a, axis, descending, stable)
        if (start, stop) != (0, a.shape[axis]):
            values = _slice_along(xp, values, axis, start, stop)
            indices = _slice_along(xp, indices, axis, start, stop)
        ctx.indices = indices
        if not keepdim:
            squeezed = a.shape[:axis] + a.shape[axis + 1:]
            values, indices = xp.reshape(values, squeezed), xp.reshape(indices, squeezed)
        return values, indices

    def backward(ctx, grad, grad_indices):
        xp = ctx.xp
        if ctx.indices is None:
            return grad, None, None, None, None, None, None
        grad = xp.reshape(grad, ctx.indices.shape)
        return _scatter_back(xp, grad, ctx.indices, ctx.shape, ctx.axis), None, None, None, None, None, None


class Sort(Select):
    pass


class Topk(Select):
    pass


class Kthvalue(Select):
    pass


class Median(ArrayFunction):
    """The lower median along axis, NaN (at the first NaN's index) where a NaN is present; with ignore_nan
    (nanmedian) the lower median of the other elements, NaN only where every element is."""

    def forward(ctx, a, axis, keepdim, ignore_nan=False):
        xp = ctx.xp
        ctx.shape, ctx.axis = a.shape, axis
        if a.ndim == 0:
            ctx.indices = None
            return xp.copy(a), xp.zeros((), _INT64)
        count = a.shape[axis]
        values, indices = xp.sort(a, axis, False, True)
        keep_shape = tuple(1 if i == axis else n for i, n in enumerate(a.shape))
        position = xp.full(keep_shape, (count - 1) // 2, _INT64)
        if a.dtype.kind in "fV":
            # NaNs sort last, in their original order: the first of them is at count - nan_count
            nan_count = xp.sum(xp.isnan(a), axis, True, _INT64)
            if ignore_nan:
                valid = xp.sub(count, nan_count)
                position = xp.where(xp.gt(valid, 0), xp.floor_divide(xp.sub(valid, 1), 2), position)
            else:
                position = xp.where(xp.gt(nan_count, 0), xp.sub(count, nan_count), position)
        selected = xp.take_along_axis(indices, position, axis)
        ctx.indices = selected
        values = xp.take_along_axis(values, position, axis)
        if not keepdim:
            squeezed = a.shape[:axis] + a.shape[axis + 1:]
            values, selected = xp.reshape(values, squeezed), xp.reshape(selected, squeezed)
        return values, selected

    def backward(ctx, grad, grad_indices):
        xp = ctx.xp
        if ctx.indices is None:
            return grad, None, None, None
        grad = xp.reshape(grad, ctx.indices.shape)
        return _scatter_back(xp, grad, ctx.indices, ctx.shape, ctx.axis), None, None, None


class MedianOfAll(ArrayFunction):
    """The lower median of a 1-d array; ties (NaNs for a NaN median) share the gradient evenly, as in PyTorch."""

    def forward(ctx, a, ignore_nan=False):
        value, _ = Median.forward(ctx, a, 0, False, ignore_nan)
        ctx.save_for_backward(a, value)
        return value

    def backward(ctx, grad):
        xp = ctx.xp
        a, value = ctx.saved_tensors
        chosen = xp.eq(a, value)
        if a.dtype.kind in "fV":
            chosen = xp.logical_or(chosen, xp.logical_and(xp.isnan(a), xp.isnan(value)))
        share = xp.div(grad, xp.sum(chosen, None, False, grad.dtype))
        return xp.where(chosen, share, 0), None


class Mode(ArrayFunction):
    """The most frequent value along axis (the smallest of equally frequent ones) and the index of its last
    occurrence; the gradient goes to that index."""

    def forward(ctx, a, axis, keepdim):
        xp = ctx.xp
        ctx.shape, ctx.axis = a.shape, axis
        if a.ndim == 0:
            ctx.indices = None
            return xp.copy(a), xp.zeros((), _INT64)
        n = a.shape[axis]
        values, order = xp.sort(a, axis, False, True)
        positions = _positions(xp, a.shape, axis)
        previous = _slice_along(xp, values, axis, 0, n - 1)
        following = _slice_along(xp, values, axis, 1, n)
        edge = xp.full(tuple(1 if d == axis else s for d, s in enumerate(a.shape)), True, _dtype.bool.np)
        starts = xp.concatenate([edge, xp.ne(following, previous)], axis)
        ends = xp.concatenate([xp.ne(following, previous), edge], axis)
        # each sorted position's run: the last start at or before it, the first end at or after it
        run_start, _ = xp.cum_extreme(xp.where(starts, positions, 0), axis, True)
        run_end, _ = xp.cum_extreme(_flip(xp, xp.where(ends, positions, n), axis), axis, False)
        run_end = _flip(xp, run_end, axis)
        best = xp.argmax(xp.sub(run_end, run_start), axis, True)  # the first (smallest) of the longest runs
        indices = xp.take_along_axis(order, xp.take_along_axis(run_end, best, axis), axis)
        values = xp.take_along_axis(values, best, axis)
        ctx.indices = indices
        if not keepdim:
            squeezed = a.shape[:axis] + a.shape[axis + 1:]
            values, indices = xp.reshape(values, squeezed), xp.reshape(indices, squeezed)
        return values, indices

    def backward(ctx, grad, grad_indices):
        xp = ctx.xp
        if ctx.indices is None:
            return grad, None, None
        grad = xp.reshape(grad, ctx.indices.shape)
        return _scatter_back(xp, grad, ctx.indices, ctx.shape, ctx.axis), None, None


def _take_rows(xp, rows, index):
    return xp.getitem(rows, (index,))


class Unique(ArrayFunction):
    """The distinct rows of a 2-d array (rows, k) in ascending lexicographic order, or in their own order
    for consecutive runs only; with the inverse map (row -> its group) and the group sizes.

    unique() of a tensor is the case k = 1 of its flattened values; unique(dim=d) moves d first
    and flattens the rest into k. NaN != NaN: every NaN is its own value, as in PyTorch.
    """

    def forward(ctx, rows, consecutive):
        xp = ctx.xp
        n, width = rows.shape
        if n == 0:
            return xp.copy(rows), xp.zeros((0,), _INT64), xp.zeros((0,), _INT64)
        order = None
        if not consecutive:
            # stable sorts by each column, the last first: lexicographic order of the rows
            for column in range(width - 1, -1, -1):
                keys = xp.getitem(rows, (slice(None), column))
                if order is not None:
                    keys = _take_rows(xp, keys, order)
                _, permutation = xp.sort(keys, 0, False, True)
                order = permutation if order is None else _take_rows(xp, order, permutation)
            if order is not None:
                rows = _take_rows(xp, rows, order)
        differs = xp.ne(xp.getitem(rows, slice(1, None)), xp.getitem(rows, slice(0, -1)))
        if width:
            differs = xp.any(differs, 1, False)
        else:
            differs = xp.zeros((n - 1,), _dtype.bool.np)
        starts_group = xp.concatenate([xp.full((1,), True, _dtype.bool.np), differs], 0)
        group = xp.sub(xp.cumsum(xp.astype(starts_group, _INT64), 0), 1)
        starts, = xp.nonzero(starts_group)
        if order is None:
            inverse = group
        else:
            inverse = xp.zeros((n,), _INT64)
            xp.put_along_axis(inverse, order, group, 0)
        ends = xp.concatenate([xp.getitem(starts, slice(1, None)), xp.full((1,), n, _INT64)], 0)
        return _take_rows(xp, rows, starts), inverse, xp.sub(ends, starts)

    def backward(ctx, *grads):
        raise RuntimeError("the derivative for 'unique' is not implemented.")


class Bincount(ArrayFunction):
    def forward(ctx, a, weights, length):
        xp = ctx.xp
        dtype = weights.dtype if weights is not None else _INT64
        out = xp.zeros((length,), dtype)
        xp.put_along_axis_add(out, a, weights if weights is not None else xp.ones(a.shape, _INT64), 0)
        return out

    def backward(ctx, grad):
        raise RuntimeError("the derivative for 'bincount' is not implemented.")


class SearchSorted(ArrayFunction):
    def forward(ctx, sorted_sequence, values, right, dtype):
        xp = ctx.xp
        return xp.astype(xp.searchsorted(sorted_sequence, values, right), dtype)

    def backward(ctx, grad):
        raise RuntimeError("the derivative for 'searchsorted' is not implemented.")


class Histc(ArrayFunction):
    """Counts of a's elements in bins equal-width bins over [low, high]; high itself falls in the last bin."""

    def forward(ctx, a, bins, low, high):
        xp = ctx.xp
        flat = xp.reshape(a, (a.size,))
        inside = xp.logical_and(xp.ge(flat, low), xp.le(flat, high))  # NaN is outside
        position = xp.floor(xp.div(xp.mul(xp.sub(flat, low), bins), high - low))
        index = xp.astype(xp.clip(xp.where(inside, position, 0), 0, bins - 1), _INT64)
        out = xp.zeros((bins,), a.dtype)
        xp.put_along_axis_add(out, index, xp.astype(inside, a.dtype), 0)
        return out

    def backward(ctx, grad):
        raise RuntimeError("the derivative for 'histc' is not implemented.")


def _dim_axis(input: Tensor, dim) -> int:
    return _normalize_dim(dim, input._data.ndim)


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False, axis: int | None = None):
    """Sort along dim; the named tuple (values, indices). NaN sorts as the largest value.

    Args:
        input: the tensor.
        dim: the dimension to sort along (the last by default).
        descending: largest first.
        stable: keep equal elements in their original order (always the case here).
        axis: NumPy's name for dim.

    Example::

        >>> axonml.tensor([3., 1., 2.]).sort()
        torch.return_types.sort(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
    """
    _check_tensor("sort", input)
    if axis is not None:
        dim, _ = _numpy_keywords("sort", dim, False, axis, None, default=-1)
    axis = _dim_axis(input, dim)
    size = input._data.shape[axis] if input._data.ndim else 1
    values, indices = apply(Sort, input, axis, bool(descending), bool(stable), 0, size, True)
    return return_types.sort(values, indices)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False,
            axis: int | None = None) -> Tensor:
    """The int64 indices that sort input along dim (see sort)."""
    return sort(input, dim, descending, stable=stable, axis=axis).indices


def msort(input: Tensor) -> Tensor:
    """input sorted along its first dimension."""
    _check_tensor("msort", input)
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The k largest (or smallest) elements along dim; the named tuple (values, indices), sorted.

    Example::

        >>> axonml.tensor([1., 5., 3., 4.]).topk(2)
        torch.return_types.topk(values=tensor([5., 4.]), indices=tensor([1, 3]))
    """
    _check_tensor("topk", input)
    axis = _dim_axis(input, dim)
    size = input._data.shape[axis] if input._data.ndim else 1
    if not isinstance(k, numbers.Integral):
        raise TypeError(f"topk(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    values, indices = apply(Topk, input, axis, bool(largest), True, 0, int(k), True)
    return return_types.topk(values, indices)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest element (k counts from 1) along dim; the named tuple (values, indices)."""
    _check_tensor("kthvalue", input)
    axis = _dim_axis(input, dim)
    size = input._data.shape[axis] if input._data.ndim else 1
    if not isinstance(k, numbers.Integral):
        raise TypeError(f"kthvalue(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    values, indices = apply(Kthvalue, input, axis, False, True, int(k) - 1, int(k), bool(keepdim))
    return return_types.kthvalue(values, indices)


def median(input: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
           keepdims: bool | None = None):
    """The lower median: of all elements (a tensor), or along dim (the named tuple (values, indices)).

    NaN propagates: a slice holding a NaN has median NaN.
    """
    _check_tensor("median", input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords("median", dim, keepdim, axis, keepdims)
    if dim is None:
        flat = input.reshape(-1)
        if input._data.size == 0:
            return flat.sum() * math.nan
        return apply(MedianOfAll, flat, False)
    axis = _dim_axis(input, dim)
    if input._data.ndim and input._data.shape[axis] == 0:
        raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size.")
    values, indices = apply(Median, input, axis, bool(keepdim), False)
    return return_types.median(values, indices)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
              keepdims: bool | None = None):
    """median ignoring NaNs: the lower median of the other elements (NaN where every element is NaN).

    Of all elements a tensor; along dim the named tuple (values, indices).

    Example::

        >>> axonml.tensor([1., float("nan"), 3., 2.]).nanmedian()
        tensor(2.)
    """
    _check_tensor("nanmedian", input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords("nanmedian", dim, keepdim, axis, keepdims)
    if dim is None:
        flat = input.reshape(-1)
        if input._data.size == 0:
            return flat.sum() * math.nan
        return apply(MedianOfAll, flat, True)
    axis = _dim_axis(input, dim)
    if input._data.ndim and input._data.shape[axis] == 0:
        raise IndexError(f"nanmedian(): Expected reduction dim {axis} to have non-zero size.")
    values, indices = apply(Median, input, axis, bool(keepdim), True)
    return return_types.nanmedian(values, indices)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, axis: int | None = None,
         keepdims: bool | None = None):
    """The most frequent value along dim and the index of its last occurrence: the named tuple (values, indices).

    Among equally frequent values the smallest is the mode, as in PyTorch.

    Example::

        >>> axonml.tensor([3., 1., 3., 1., 2.]).mode()
        torch.return_types.mode(values=tensor(1.), indices=tensor(3))
    """
    _check_tensor("mode", input)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_keywords("mode", dim, keepdim, axis, keepdims, default=-1)
    axis = _dim_axis(input, dim)
    if input._data.ndim and input._data.shape[axis] == 0:
        raise IndexError(f"mode(): Expected reduction dim {axis} to have non-zero size.")
    values, indices = apply(Mode, input, axis, bool(keepdim))
    return return_types.mode(values, indices)


def _unique(name: str, input: Tensor, consecutive: bool, return_inverse: bool, return_counts: bool, dim):
    _check_tensor(name, input)
    data = input.detach()
    if dim is None:
        values, inverse, counts = apply(Unique, data.reshape(-1, 1), consecutive)
        values, inverse = values.reshape(-1), inverse.reshape(tuple(input.shape))
    else:
        axis = _normalize_dim(dim, input._data.ndim)
        if input._data.ndim == 0:
            raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
        moved = data.movedim(axis, 0)
        if moved.numel() == 0 and moved.shape[0]:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
        rows, inverse, counts = apply(Unique, moved.reshape(moved.shape[0], math.prod(moved.shape[1:])),
                                      consecutive)
        values = rows.reshape((rows.shape[0],) + tuple(moved.shape[1:])).movedim(0, axis)
    if not return_inverse and not return_counts:
        return values
    return (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None):
    """The distinct elements of input (or, with dim, its distinct slices along dim), ascending.

    With return_inverse / return_counts, a tuple that adds each element's (slice's) position in the
    result and each distinct value's count. The result is sorted whatever ``sorted`` says (PyTorch
    leaves the order unspecified then).

    Example::

        >>> axonml.unique(axonml.tensor([[1, 2], [3, 4], [1, 2]]), dim=0, return_counts=True)
        (tensor([[1, 2],
                [3, 4]]), tensor([2, 1]))
    """
    return _unique("unique", input, False, return_inverse, return_counts, dim)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """The first element (or slice along dim) of every run of equal consecutive ones, in order.

    Example::

        >>> axonml.unique_consecutive(axonml.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
        (tensor([1, 2, 3, 1]), tensor([2, 2, 1, 1]))
    """
    return _unique("unique_consecutive", input, True, return_inverse, return_counts, dim)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in the 1-d non-negative integer input (weighted sums with weights).

    The result has max(input) + 1 or minlength elements, whichever is more; int64 without weights,
    else weights' type (float64 for integer weights).
    """
    _check_tensor("bincount", input)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    kind = input._data.dtype.kind
    if kind not in "iu":
        if kind == "b":
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_legacy_name(input.dtype)}'")
    if input._data.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights._data.ndim != 1 or weights._data.shape[0] != input._data.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    length = int(minlength)
    if input._data.size:
        if int(input.min().item()) < 0:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        length = max(length, int(input.max().item()) + 1)
    index = input.detach()
    if index._data.dtype != _INT64:
        index = index.long()
    if weights is not None:
        weights = weights.detach()
        if weights._data.dtype.kind not in "fV":
            weights = weights.double()
    return apply(Bincount, index, weights, length)


def searchsorted(sorted_sequence: Tensor, values, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Where values would be inserted in the innermost dimension of sorted_sequence to keep it sorted.

    Args:
        sorted_sequence: ascending along its last dimension; 1-d, or with the same leading dimensions as values.
        values: a tensor or a number (then sorted_sequence must be 1-d).
        out_int32: int32 indices instead of int64.
        right, side: insert after equal elements (right=True or side='right') instead of before them.
        sorter: int64 indices that sort sorted_sequence along its last dimension, when it is not sorted itself.
    """
    _check_tensor("searchsorted", sorted_sequence)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    if not isinstance(values, Tensor):
        if sorted_sequence.ndim != 1:
            raise RuntimeError("torch.searchsorted(): input value can be a scalar only when boundaries tensor "
                               f"dimension is 1, but we got boundaries tensor dim({sorted_sequence.ndim})")
        from ..creation import tensor as _tensor
        values = _tensor(values, dtype=sorted_sequence.dtype, device=sorted_sequence.device)
    boundaries_shape, values_shape = tuple(sorted_sequence.shape), tuple(values.shape)
    if sorted_sequence.ndim != 1 and (sorted_sequence.ndim != values.ndim
                                      or boundaries_shape[:-1] != values_shape[:-1]):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(boundaries_shape)} and input value tensor {list(values_shape)}")
    if sorter is not None:
        if tuple(sorter.shape) != boundaries_shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(boundaries_shape)}and got sorter tensor {list(sorter.shape)}")
        from .indexing import gather
        sorted_sequence = gather(sorted_sequence.detach(), -1, sorter)
    if values._data.dtype != sorted_sequence._data.dtype:
        from .elementwise import _promote
        sorted_sequence, values = _promote(sorted_sequence.detach(), values.detach())
    dtype = _dtype.int32.np if out_int32 else _INT64
    return apply(SearchSorted, sorted_sequence.detach(), values.detach(), bool(right), dtype)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """A histogram of input's elements in bins equal-width bins between min and max.

    With min == max == 0 the data's own minimum and maximum are used; elements outside [min, max]
    (and NaNs) are not counted. The result has input's floating-point dtype.
    """
    _check_tensor("histc", input)
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_legacy_name(input.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    low, high = float(min), float(max)
    if low > high:
        raise RuntimeError("torch.histc: max must be larger than min")
    data = input.detach()
    if low == high and data.numel():
        low, high = float(data.min().item()), float(data.max().item())
    if low == high:
        low, high = low - 1, high + 1
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{low}, {high}] is not finite")
    return apply(Histc, data, int(bins), low, high)
